-- The Parquet export (pipelines/exports.py), in the tenant's transaction (RLS).

-- name: select_export_day_activity
-- Whether the tenant had traffic or LLM calls in its local day [start, end).
select exists (select 1 from messages m
               where m.sent_at >= %(start)s and m.sent_at < %(end)s)
       or exists (select 1 from llm_usage_logs u
                  where u.tenant_id = mf_current_tenant()
                    and u.created_at >= %(start)s and u.created_at < %(end)s) as active
