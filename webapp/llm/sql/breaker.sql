-- name: lock_health_window
-- A provider's breaker row, locked, with its rolling window of recent attempts.
select h.*, now() as now, w.attempts, w.failures, w.p95_ms
from llm_health h,
     lateral (select count(*) as attempts,
                     count(*) filter (where l.status <> 'ok') as failures,
                     percentile_cont(0.95) within group (order by l.latency_ms) as p95_ms
              from (select status, latency_ms from llm_usage_logs
                    where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
                    order by created_at desc limit %(window)s) l) w
where h.provider_id = %(provider_id)s and h.tenant_id = mf_current_tenant()
for update of h

-- name: update_health
-- Write a provider's breaker state and rolling status back.
update llm_health set
    status = %(status)s, circuit = %(circuit)s, consecutive_failures = %(consecutive_failures)s,
    trips = %(trips)s, cooldown_until = %(cooldown_until)s, probe_until = %(probe_until)s,
    last_check_at = %(last_check_at)s, last_success_at = %(last_success_at)s,
    last_failure_at = %(last_failure_at)s, last_error_class = %(last_error_class)s,
    updated_at = now()
where provider_id = %(provider_id)s and tenant_id = mf_current_tenant()

-- name: claim_probe
-- One half-open probe at a time.
update llm_health set probe_until = now() + make_interval(secs => %(seconds)s), updated_at = now()
where provider_id = %(provider_id)s and tenant_id = mf_current_tenant()

-- name: insert_health
-- The provider's breaker and health row.
insert into llm_health (tenant_id, provider_id) values (mf_current_tenant(), %(id)s)
on conflict do nothing
