-- name: list_usage
-- Ledger rows in a range with filters, newest first (keyset on id).
select l.id, l.provider_id, coalesce(p.name, 'Built-in local analyser') as provider_name,
       l.provider_kind, l.model, l.feature, l.conversation_id, l.message_id, l.message_count,
       l.prompt_version, l.input_tokens, l.output_tokens, l.cost_usd, l.unpriced, l.latency_ms,
       l.status, l.error_class, l.error_message, l.valid_output, l.created_at
from llm_usage_logs l left join llm_providers p on p.id = l.provider_id
where l.created_at >= %(start)s and l.created_at < %(end)s
  and (%(provider_id)s::bigint is null or l.provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or l.feature = %(feature)s::text)
  and (%(status)s::text is null or l.status = %(status)s::text)
  and (%(before_id)s::bigint is null or l.id < %(before_id)s::bigint)
order by l.id desc
limit %(limit)s

-- name: usage_by_day
-- Calls, outcomes, tokens, latency and cost per UTC day of a range.
select (l.created_at at time zone 'utc')::date as day, count(*) as requests,
       count(*) filter (where l.status = 'ok') as ok,
       count(*) filter (where l.status <> 'ok') as failed,
       coalesce(sum(l.message_count), 0) as messages,
       coalesce(sum(l.input_tokens), 0) as input_tokens,
       coalesce(sum(l.output_tokens), 0) as output_tokens,
       sum(l.cost_usd) as cost_usd, count(*) filter (where l.unpriced) as unpriced_requests,
       percentile_cont(0.5) within group (order by l.latency_ms) as p50_latency_ms,
       percentile_cont(0.95) within group (order by l.latency_ms) as p95_latency_ms
from llm_usage_logs l
where l.created_at >= %(start)s and l.created_at < %(end)s
  and (%(provider_id)s::bigint is null or l.provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or l.feature = %(feature)s::text)
  and (%(status)s::text is null or l.status = %(status)s::text)
group by 1 order by 1

-- name: spend_since
-- Spend and calls since a time (month to date), with the same filters.
select coalesce(sum(cost_usd), 0) as cost_usd, count(*) as requests,
       count(*) filter (where unpriced) as unpriced_requests
from llm_usage_logs
where created_at >= %(since)s
  and (%(provider_id)s::bigint is null or provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or feature = %(feature)s::text)

-- name: cost_breakdown
-- Cost and usage by day x provider x feature x model.
select (l.created_at at time zone 'utc')::date as day, l.provider_id,
       coalesce(p.name, 'Built-in local analyser') as provider_name, l.provider_kind,
       l.feature, l.model, count(*) as requests,
       count(*) filter (where l.status = 'ok') as ok,
       coalesce(sum(l.message_count), 0) as messages,
       coalesce(sum(l.input_tokens), 0) as input_tokens,
       coalesce(sum(l.output_tokens), 0) as output_tokens,
       sum(l.cost_usd) as cost_usd, count(*) filter (where l.unpriced) as unpriced_requests
from llm_usage_logs l left join llm_providers p on p.id = l.provider_id
where l.created_at >= %(start)s and l.created_at < %(end)s
  and (%(provider_id)s::bigint is null or l.provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or l.feature = %(feature)s::text)
group by 1, 2, 3, 4, 5, 6 order by 1, 3, 5, 6

-- name: provider_feature_stats
-- Per provider (NULL = built-in local) and feature: outcomes, tokens, cost and latency.
select l.provider_id, coalesce(p.name, 'Built-in local analyser') as provider_name,
       l.provider_kind, max(l.model) as model, l.feature, count(*) as requests,
       count(*) filter (where l.status = 'ok') as ok,
       count(*) filter (where l.valid_output) as valid,
       coalesce(sum(l.message_count), 0) as messages,
       coalesce(sum(l.message_count) filter (where l.valid_output), 0) as valid_messages,
       coalesce(sum(l.input_tokens), 0) as input_tokens,
       coalesce(sum(l.output_tokens), 0) as output_tokens,
       sum(l.cost_usd) as cost_usd, count(*) filter (where l.unpriced) as unpriced_requests,
       percentile_cont(0.5) within group (order by l.latency_ms) as p50_latency_ms,
       percentile_cont(0.95) within group (order by l.latency_ms) as p95_latency_ms
from llm_usage_logs l left join llm_providers p on p.id = l.provider_id
where l.created_at >= %(start)s and l.created_at < %(end)s
  and (%(provider_id)s::bigint is null or l.provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or l.feature = %(feature)s::text)
group by l.provider_id, p.name, l.provider_kind, l.feature
order by l.feature, provider_name

-- name: month_spend_by_provider
-- This month's spend per provider from the counters every settled call maintains.
select c.provider_id, c.spent_usd, c.held_usd, c.requests
from llm_rate_counters c
where c.period = 'month' and c.period_start = date_trunc('month', now() at time zone 'utc')::date

-- name: month_calls_by_provider
-- This UTC month's calls per provider (NULL = built-in local) and how many were unpriced.
select l.provider_id, count(*) as requests, count(*) filter (where l.unpriced) as unpriced_requests
from llm_usage_logs l
where l.created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'
group by l.provider_id

-- name: provider_stats
-- Per provider (NULL = built-in local), all features: outcomes, tokens, cost and latency.
select l.provider_id, coalesce(p.name, 'Built-in local analyser') as provider_name,
       l.provider_kind, max(l.model) as model, count(*) as requests,
       count(*) filter (where l.status = 'ok') as ok,
       count(*) filter (where l.valid_output) as valid,
       coalesce(sum(l.message_count), 0) as messages,
       coalesce(sum(l.message_count) filter (where l.valid_output), 0) as valid_messages,
       coalesce(sum(l.input_tokens), 0) as input_tokens,
       coalesce(sum(l.output_tokens), 0) as output_tokens,
       sum(l.cost_usd) as cost_usd, count(*) filter (where l.unpriced) as unpriced_requests,
       percentile_cont(0.5) within group (order by l.latency_ms) as p50_latency_ms,
       percentile_cont(0.95) within group (order by l.latency_ms) as p95_latency_ms
from llm_usage_logs l left join llm_providers p on p.id = l.provider_id
where l.created_at >= %(start)s and l.created_at < %(end)s
  and (%(provider_id)s::bigint is null or l.provider_id = %(provider_id)s::bigint)
  and (%(feature)s::text is null or l.feature = %(feature)s::text)
group by l.provider_id, p.name, l.provider_kind
order by l.provider_id nulls last
