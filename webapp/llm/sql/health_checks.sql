-- Named queries of webapp/llm/health_checks.py.

-- name: health_tenants
-- The tenants with active providers (cross-tenant, through a SECURITY DEFINER function).
select tenant_id from mf_tenants_with_active_providers()

-- name: health_providers
-- The tenant's active providers with their breaker state, their calls (health checks aside) in
-- the traffic window, and when they were last seen at all (a call or a check).
select p.*, h.status as health_status, h.circuit, h.cooldown_until, h.probe_until,
       h.last_check_at, now() as now, recent.calls as recent_calls,
       greatest(h.last_check_at, seen.last_call_at) as last_seen_at
from llm_providers p
left join llm_health h on h.provider_id = p.id
cross join lateral (select count(*) as calls from llm_usage_logs l
                    where l.tenant_id = p.tenant_id and l.provider_id = p.id
                      and l.feature <> 'health_check'
                      and l.created_at > now() - make_interval(secs => %(window_s)s)) recent
cross join lateral (select max(l.created_at) as last_call_at from llm_usage_logs l
                    where l.tenant_id = p.tenant_id and l.provider_id = p.id) seen
where p.active and p.deleted_at is null
order by p.id

-- name: health_rolling_window
-- A provider's last attempts: how many, how many failed, their p95 latency.
select count(*) as attempts, count(*) filter (where w.status <> 'ok') as failures,
       percentile_cont(0.95) within group (order by w.latency_ms) as p95_ms
from (select status, latency_ms from llm_usage_logs
      where tenant_id = mf_current_tenant() and provider_id = %(provider_id)s
      order by created_at desc limit %(window)s) w

-- name: health_set_status
-- Write a provider's rolling status (the breaker columns are the routing layer's).
insert into llm_health (tenant_id, provider_id, status)
values (mf_current_tenant(), %(provider_id)s, %(status)s)
on conflict (tenant_id, provider_id) do update set status = excluded.status, updated_at = now()

-- name: health_status_of
-- A provider's stored status after a check.
select status from llm_health where provider_id = %(provider_id)s
