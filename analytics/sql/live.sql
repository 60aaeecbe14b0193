-- Named queries of analytics/live.py: a tenant's rows read live from PostgreSQL, shaped like the
-- Parquet datasets (the export writes them; Streamlit reads today's). They run inside the
-- caller's tenant transaction (RLS applies); the explicit tenant_id predicate is a second guard
-- (and lets the planner use the (tenant_id, created_at) index) in case a connection bypasses RLS.

-- name: select_current_tenant
-- The tenant of the caller's transaction (NULL outside Database.tenant()).
select mf_current_tenant() as tenant_id

-- name: select_usage_day
-- One local day of the LLM ledger, no message text, provider name from llm_providers.
select u.id, u.created_at, u.provider_id,
       case when u.provider_id is null then 'Local (heuristic)' else p.name end as provider_name,
       u.provider_kind::text as provider_kind, u.model, u.feature, u.conversation_id,
       u.message_id, u.message_count::bigint as message_count, u.prompt_version, u.input_tokens::bigint as input_tokens,
       u.output_tokens::bigint as output_tokens, u.cost_usd::float8 as cost_usd, u.unpriced,
       u.latency_ms::float8 as latency_ms, u.status::text as status, u.error_class,
       u.valid_output, u.tenant_id, %(day)s::date as date
from llm_usage_logs u
left join llm_providers p on p.id = u.provider_id
where u.tenant_id = %(tenant_id)s
  and u.created_at >= (%(day)s::date::timestamp at time zone %(tz)s)
  and u.created_at < ((%(day)s::date + 1)::timestamp at time zone %(tz)s)
order by u.id

-- name: select_message_stats_day
-- Traffic of one local day by hour: volume and first-response times (no message text).
-- A wait starts at an inbound message whose previous message in the conversation was ours (or
-- none); it ends at our next message, which may fall after the day.
with day_messages as (
    select m.id, m.conversation_id, m.sent_at, m.from_me,
           extract(hour from m.sent_at at time zone %(tz)s)::int as hour
    from messages m
    where m.tenant_id = %(tenant_id)s
      and m.sent_at >= (%(day)s::date::timestamp at time zone %(tz)s)
      and m.sent_at < ((%(day)s::date + 1)::timestamp at time zone %(tz)s)
), waits as (
    select d.hour, d.sent_at,
           (select min(r.sent_at) from messages r
             where r.tenant_id = %(tenant_id)s and r.conversation_id = d.conversation_id
               and r.from_me and r.sent_at >= d.sent_at) as replied_at
    from day_messages d
    where not d.from_me
      and coalesce((select p.from_me from messages p
                     where p.tenant_id = %(tenant_id)s and p.conversation_id = d.conversation_id
                       and (p.sent_at, p.id) < (d.sent_at, d.id)
                     order by p.sent_at desc, p.id desc limit 1), true)
), responses as (
    select hour, extract(epoch from replied_at - sent_at)::float8 as seconds
    from waits where replied_at is not null
), volume as (
    select hour, count(*) filter (where not from_me) as inbound,
           count(*) filter (where from_me) as outbound,
           count(distinct conversation_id) as conversations
    from day_messages group by hour
), speed as (
    select hour, count(*) as responses, sum(seconds) as s_sum,
           percentile_cont(0.5) within group (order by seconds) as p50,
           percentile_cont(0.9) within group (order by seconds) as p90
    from responses group by hour
)
select v.hour, v.inbound, v.outbound, v.conversations, coalesce(s.responses, 0) as responses,
       coalesce(s.s_sum, 0)::float8 as first_response_s_sum, s.p50 as first_response_p50_s,
       s.p90 as first_response_p90_s, %(tenant_id)s::bigint as tenant_id, %(day)s::date as date
from volume v left join speed s using (hour)
order by v.hour

-- name: select_day_active
-- Whether the tenant had traffic or LLM calls in its local day [start, end) (the export skips
-- idle days).
select exists (select 1 from messages m
               where m.sent_at >= %(start)s and m.sent_at < %(end)s)
       or exists (select 1 from llm_usage_logs u
                  where u.tenant_id = mf_current_tenant()
                    and u.created_at >= %(start)s and u.created_at < %(end)s) as active

-- name: select_provider_budgets
-- The tenant's providers (not deleted) with their monthly budgets (for budget burn).
select id as provider_id, name as provider_name, kind as provider_kind, model,
       monthly_budget_usd::float8 as monthly_budget_usd
from llm_providers
where tenant_id = %(tenant_id)s and deleted_at is null
order by id

-- name: select_tenant_timezone
-- The tenant's time zone (the day boundaries of its partitions).
select timezone from tenants where id = %(tenant_id)s
