-- DuckDB queries over the views that analytics.views.tenant_views registers on a cursor
-- (llm_usage, llm_cost_daily, message_stats: one tenant, the requested days). Values are bound
-- ($name parameters). $all_providers / $providers is the provider filter; the views show the
-- built-in local analyser (provider_id NULL in the ledger) as provider 0.

-- name: provider_comparison
-- One row per provider: volume, quality, latency of successful calls, tokens and cost.
select provider_id,
       arg_max(provider_name, created_at) as provider_name,
       arg_max(provider_kind, created_at) as provider_kind,
       count(*) as requests,
       count(*) filter (where status = 'ok') / count(*) as success_rate,
       count(*) filter (where status = 'invalid_output') / count(*) as invalid_output_rate,
       quantile_cont(latency_ms, 0.5) filter (where status = 'ok') as latency_p50_ms,
       quantile_cont(latency_ms, 0.95) filter (where status = 'ok') as latency_p95_ms,
       sum(input_tokens)::bigint as input_tokens,
       sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd,
       count(*) filter (where unpriced) as unpriced_calls,
       -- messages handled by successful calls: a batch call carries message_count, a
       -- single-message call at least its message_id
       sum(greatest(message_count, (message_id is not null)::int)) filter (where status = 'ok')
           ::bigint as messages,
       1000 * sum(cost_usd) / nullif(sum(greatest(message_count, (message_id is not null)::int))
           filter (where status = 'ok'), 0) as cost_per_1k_messages,
       cast(null as double) as human_override_rate
from llm_usage
where $all_providers or list_contains($providers, provider_id)
group by provider_id
order by requests desc, provider_id

-- name: spend_by_day
-- Spend per day by one dimension ($by: provider, feature or model).
select date,
       case $by when 'provider' then provider_name when 'feature' then feature
                else model end as key,
       sum(calls)::bigint as calls, sum(failures)::bigint as failures,
       sum(input_tokens)::bigint as input_tokens, sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd, sum(unpriced_calls)::bigint as unpriced_calls
from llm_cost_daily
where $all_providers or list_contains($providers, provider_id)
group by all
order by date, key

-- name: spend_by_provider
-- Spend per provider over the registered days (month to date when the days are a month's).
select provider_id,
       arg_max(provider_name, date) as provider_name,
       arg_max(provider_kind, date) as provider_kind,
       sum(calls)::bigint as calls,
       coalesce(sum(cost_usd), 0) as spend_usd,
       sum(unpriced_calls)::bigint as unpriced_calls
from llm_cost_daily
where $all_providers or list_contains($providers, provider_id)
group by provider_id
order by spend_usd desc, provider_id

-- name: traffic_cells
-- Message statistics per day and hour.
select date, isodow(date) as weekday, hour, inbound, outbound, conversations, responses,
       first_response_s_sum, first_response_p50_s, first_response_p90_s
from message_stats
order by date, hour

-- name: top_conversations
-- The conversations whose LLM calls cost the most.
select conversation_id,
       count(*) as calls,
       sum(cost_usd) as cost_usd,
       (sum(input_tokens) + sum(output_tokens))::bigint as tokens,
       count(*) filter (where unpriced) as unpriced_calls,
       string_agg(distinct feature, ', ' order by feature) as features,
       min(created_at) as first_call_at,
       max(created_at) as last_call_at
from llm_usage
where conversation_id is not null
  and ($all_providers or list_contains($providers, provider_id))
group by conversation_id
order by cost_usd desc nulls last, calls desc, conversation_id
limit $limit

-- name: cost_breakdown
-- provider x feature x model x day. That is exactly the grain of the llm_cost_daily rollup the
-- export writes next to every llm_usage partition (and that the views roll up from live rows),
-- so the breakdown sums rollup rows (about 15 a day) instead of re-aggregating the ledger rows
-- (about 10,000 a day): same numbers (tests/analytics/test_cost_breakdown.py checks them against
-- the ledger rows), a fraction of the work. A day's rows carry one name per provider, so any_value
-- is exact; sum(cost_usd) stays NULL when no call of the group was priced.
select date, provider_id,
       any_value(provider_name) as provider_name,
       feature, model,
       sum(calls)::bigint as calls,
       sum(failures)::bigint as failures,
       sum(input_tokens)::bigint as input_tokens,
       sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd,
       sum(unpriced_calls)::bigint as unpriced_calls
from llm_cost_daily
where $all_providers or list_contains($providers, provider_id)
group by date, provider_id, feature, model
order by date, provider_id, feature, model

-- name: cost_breakdown_all_tenants
-- The same breakdown for every tenant, straight over the given llm_cost_daily files of every
-- tenant (operator only; no view: binding a view over ~1,000 files and then the query over it
-- binds the file list twice). The files were chosen by their date= folder, which is where the
-- rows' date comes from, so no day filter is repeated here.
select tenant_id, date, coalesce(provider_id, 0) as provider_id,
       any_value(provider_name) as provider_name,
       feature, model,
       sum(calls)::bigint as calls,
       sum(failures)::bigint as failures,
       sum(input_tokens)::bigint as input_tokens,
       sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd,
       sum(unpriced_calls)::bigint as unpriced_calls
from read_parquet($files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'date': DATE})
group by tenant_id, date, coalesce(provider_id, 0), feature, model
order by tenant_id, date, provider_id, feature, model

-- name: all_tenants_daily_rows
-- The breakdown's columns of the given daily llm_cost_daily files of every tenant (operator
-- only), when some months come from monthly files (all_tenants_monthly_rows).
select tenant_id, date, coalesce(provider_id, 0) as provider_id, provider_name, feature, model,
       calls, failures, input_tokens, output_tokens, cost_usd, unpriced_calls
from read_parquet($files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'date': DATE})

-- name: all_tenants_monthly_rows
-- The same columns from monthly files (analytics.compact: tenant and month in the path, the day
-- a column; only whole months requested are read from them, the day filter is a second guard).
-- Parameters named apart from all_tenants_daily_rows': DuckDB refuses a union of relations that
-- bind a parameter of the same name.
select tenant_id, date, coalesce(provider_id, 0) as provider_id, provider_name, feature, model,
       calls, failures, input_tokens, output_tokens, cost_usd, unpriced_calls
from read_parquet($monthly_files, hive_partitioning = true,
                  hive_types = {'tenant_id': BIGINT, 'month': VARCHAR})
where date between $monthly_start and $monthly_end

-- name: cost_breakdown_all_tenant_rows
-- cost_breakdown_all_tenants over the rows registered as cost_rows (daily and monthly files).
select tenant_id, date, provider_id,
       any_value(provider_name) as provider_name,
       feature, model,
       sum(calls)::bigint as calls,
       sum(failures)::bigint as failures,
       sum(input_tokens)::bigint as input_tokens,
       sum(output_tokens)::bigint as output_tokens,
       sum(cost_usd) as cost_usd,
       sum(unpriced_calls)::bigint as unpriced_calls
from cost_rows
group by tenant_id, date, provider_id, feature, model
order by tenant_id, date, provider_id, feature, model

-- name: providers_seen
-- Every provider that appears in the registered days (for filters).
select provider_id, arg_max(provider_name, date) as provider_name,
       arg_max(provider_kind, date) as provider_kind
from llm_cost_daily
group by provider_id
order by provider_name, provider_id
