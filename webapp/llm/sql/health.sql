-- name: list_active_providers
-- Active providers (bulk test).
select * from llm_providers where deleted_at is null and active order by id

-- name: select_provider_state
-- One provider with its breaker state (test calls).
select p.*, h.circuit, h.cooldown_until, h.probe_until, now() as now
from llm_providers p left join llm_health h on h.provider_id = p.id
where p.id = %(id)s and p.deleted_at is null

-- name: health_window
-- Each provider's breaker state and its last attempts' error rate and latency.
select p.id as provider_id, p.name, p.kind, p.model, p.active, p.api_key_encrypted,
       p.tenant_id, p.monthly_budget_usd, p.price_input_per_mtok, p.price_output_per_mtok,
       h.status, h.circuit, h.consecutive_failures, h.cooldown_until,
       h.probe_until, h.last_check_at, h.last_success_at, h.last_failure_at,
       h.last_error_class, now() as now, w.attempts, w.failures, w.p50_ms, w.p95_ms
from llm_providers p
left join llm_health h on h.provider_id = p.id,
lateral (select count(*) as attempts, count(*) filter (where l.status <> 'ok') as failures,
                percentile_cont(0.5) within group (order by l.latency_ms) as p50_ms,
                percentile_cont(0.95) within group (order by l.latency_ms) as p95_ms
         from (select status, latency_ms from llm_usage_logs
               where tenant_id = mf_current_tenant() and provider_id = p.id
               order by created_at desc limit %(window)s) l) w
where p.deleted_at is null
order by p.id
