-- Cost rollups and budget alerts (webapp/llm/costs.py), in the tenant's transaction (RLS).

-- name: lock_cost_day
-- Serialise rebuilds of one tenant-day (a scheduled run and a backfill of the same day).
select pg_advisory_xact_lock(hashtextextended('llm_cost_daily:' || mf_current_tenant()::text
                                              || ':' || %(day)s::date::text, 0))

-- name: delete_cost_day
-- The rollup rows of a local day (rebuilt from the ledger right after).
delete from llm_cost_daily where day = %(day)s

-- name: insert_cost_day
-- Roll the ledger rows of the local day [start, end) up by provider, model and feature; the
-- same numbers as analytics.export.rollup_cost_daily (failures = every status but ok).
insert into llm_cost_daily (tenant_id, day, provider_id, provider_kind, model, feature, calls,
                            failures, invalid_outputs, input_tokens, output_tokens, cost_usd,
                            unpriced_calls, latency_p50_ms, latency_p95_ms)
select mf_current_tenant(), %(day)s::date, u.provider_id, u.provider_kind, u.model, u.feature,
       count(*),
       count(*) filter (where u.status <> 'ok'),
       count(*) filter (where u.status = 'invalid_output'),
       sum(u.input_tokens), sum(u.output_tokens),
       sum(u.cost_usd),
       count(*) filter (where u.unpriced),
       percentile_cont(0.5) within group (order by u.latency_ms::float8)
           filter (where u.status = 'ok'),
       percentile_cont(0.95) within group (order by u.latency_ms::float8)
           filter (where u.status = 'ok')
from llm_usage_logs u
where u.tenant_id = mf_current_tenant()
  and u.created_at >= %(start)s and u.created_at < %(end)s
group by u.provider_id, u.provider_kind, u.model, u.feature

-- name: insert_budget_alerts
-- Record each threshold (80 and 100 percent) that a budgeted provider's spend in the UTC month has
-- reached, once per month (the unique key), and append a provider.budget event only for the
-- alerts this statement inserted. Spend is the ledger's priced cost, as the limits count it.
with spend as (
    select p.id as provider_id, p.name as provider_name, p.monthly_budget_usd as budget,
           coalesce((select sum(u.cost_usd) from llm_usage_logs u
                     where u.tenant_id = p.tenant_id and u.provider_id = p.id
                       and u.created_at >= (%(month)s::date::timestamp at time zone 'UTC')
                       and u.created_at < ((%(month)s::date + interval '1 month')::timestamp
                                           at time zone 'UTC')), 0) as spend
    from llm_providers p
    where p.deleted_at is null and p.monthly_budget_usd > 0
), crossed as (
    select s.*, t.threshold
    from spend s
    cross join (values (80), (100)) as t (threshold)
    where s.spend * 100 >= s.budget * t.threshold
), inserted as (
    insert into llm_budget_alerts (tenant_id, provider_id, month, threshold, spend_usd,
                                   budget_usd)
    select mf_current_tenant(), c.provider_id, %(month)s::date, c.threshold, c.spend, c.budget
    from crossed c
    order by c.provider_id, c.threshold
    on conflict (tenant_id, provider_id, month, threshold) do nothing
    returning id, tenant_id, provider_id, month, threshold, spend_usd, budget_usd, created_at
), pushed as (
    insert into events (tenant_id, type, data)
    select i.tenant_id, 'provider.budget',
           jsonb_build_object(
               'id', i.id, 'provider_id', i.provider_id, 'provider_name', c.provider_name,
               'month', to_char(i.month, 'YYYY-MM'), 'threshold', i.threshold,
               'spend_usd', round(i.spend_usd, 6)::text,
               'budget_usd', round(i.budget_usd, 6)::text,
               'created_at', mf_ts(i.created_at))
    from inserted i
    join crossed c on c.provider_id = i.provider_id and c.threshold = i.threshold
    order by i.id
    returning id
)
select i.id, i.provider_id, c.provider_name, i.threshold, i.spend_usd, i.budget_usd,
       (select count(*) from pushed) as events
from inserted i
join crossed c on c.provider_id = i.provider_id and c.threshold = i.threshold
order by i.id
