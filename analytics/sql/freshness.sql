-- Named queries of analytics/freshness.py (in the caller's tenant transaction, RLS applies).

-- name: select_day_fingerprints
-- Per local day of [first, last]: how many messages and ledger rows it has and their largest
-- ids. A day whose numbers differ from those recorded at its export has changed since (new
-- rows, back-dated traffic included, or deleted ones). Uses (tenant_id, sent_at) and
-- (tenant_id, created_at).
with m as (
    select (m.sent_at at time zone %(tz)s)::date as day, count(*) as messages,
           max(m.id) as max_message_id
    from messages m
    where m.tenant_id = %(tenant_id)s
      and m.sent_at >= (%(first)s::date::timestamp at time zone %(tz)s)
      and m.sent_at < ((%(last)s::date + 1)::timestamp at time zone %(tz)s)
    group by 1
), u as (
    select (u.created_at at time zone %(tz)s)::date as day, count(*) as usage_rows,
           max(u.id) as max_usage_id
    from llm_usage_logs u
    where u.tenant_id = %(tenant_id)s
      and u.created_at >= (%(first)s::date::timestamp at time zone %(tz)s)
      and u.created_at < ((%(last)s::date + 1)::timestamp at time zone %(tz)s)
    group by 1
)
select day, coalesce(m.messages, 0) as messages, coalesce(m.max_message_id, 0) as max_message_id,
       coalesce(u.usage_rows, 0) as usage_rows, coalesce(u.max_usage_id, 0) as max_usage_id
from m full join u using (day)
order by day
