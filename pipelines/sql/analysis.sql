-- Named queries of pipelines/analysis.py.

-- name: analysis_enqueue_new_messages
-- Queue new inbound messages of the tenants that analyse automatically (see migration 0008).
select * from mf_enqueue_new_messages(%(limit)s, %(settle_s)s)

-- name: analysis_due_items
-- How many queue items a drain would claim now (capped).
select mf_analysis_due(%(cap)s) as due

-- name: analysis_usage_totals
-- The ledger rows of a drain's calls (one tenant): calls, failures, tokens and cost.
select count(*) as calls,
       count(*) filter (where status <> 'ok') as failed_calls,
       count(*) filter (where unpriced) as unpriced_calls,
       coalesce(sum(input_tokens), 0) as input_tokens,
       coalesce(sum(output_tokens), 0) as output_tokens,
       coalesce(sum(cost_usd), 0) as cost_usd
from llm_usage_logs
where id = any(%(ids)s)
