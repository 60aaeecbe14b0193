-- The Home dashboard (webapp/desk_home/dashboard.py): a few indexed, set-based queries in the
-- tenant's transaction. The window starts at the team's local midnight %(days_back)s days ago
-- (0: today) and ends now.

-- name: select_window
-- What every request reads: the window in the team's zone (local midnight %(days_back)s days
-- ago, 0: today, until now), the tenant's event watermarks, the devices and the LLM spend.
select t.id as tenant_id, t.timezone,
       (((now() at time zone t.timezone)::date - %(days_back)s::int)::timestamp
           at time zone t.timezone) as start,
       now() as "end",
       (now() at time zone t.timezone)::date as today,
       (now() at time zone t.timezone)::date - %(days_back)s::int as start_day,
       ((now() at time zone t.timezone)::date::timestamp at time zone t.timezone)
           as today_start,
       -- the tenant's newest event: the watermark the cached counters are valid for
       -- (webapp/db/watermark_cache.py); RLS keeps it to this tenant's events
       (select coalesce(max(e.id), 0) from events e where e.tenant_id = mf_current_tenant())
           as mark,
       -- its newest action-item event (0048's partial index, one probe): the action-item
       -- counters change only with one of these
       (select coalesce(max(e.id), 0) from events e
        where e.tenant_id = mf_current_tenant() and e.type like 'action_item.%%')
           as items_mark,
       -- the team's WhatsApp numbers and their state, read on every request (their status
       -- changes without a desk event)
       (select coalesce(json_agg(json_build_object(
                   'id', d.id, 'display_name', d.display_name, 'kind', d.kind,
                   'status', d.status, 'last_seen', mf_ts(d.last_seen),
                   'last_error', d.last_error) order by d.id), '[]'::json)
        from devices d where d.removed_at is null) as devices,
       -- LLM spend today and this month (UTC, the periods budgets are enforced on) per the
       -- counters every settled call maintains, against the active providers' monthly budgets
       -- (returned only to roles that may read costs)
       spend.today_usd, spend.month_to_date_usd,
       (select sum(p.monthly_budget_usd) from llm_providers p
        where p.deleted_at is null and p.active) as monthly_budget_usd
from tenants t
cross join (
    select coalesce(sum(r.spent_usd) filter (
               where r.period = 'day' and r.period_start = (now() at time zone 'UTC')::date),
               0) as today_usd,
           coalesce(sum(r.spent_usd) filter (
               where r.period = 'month'
                 and r.period_start = date_trunc('month', now() at time zone 'UTC')::date), 0)
               as month_to_date_usd
    from llm_rate_counters r) spend
where t.id = mf_current_tenant()

-- name: select_counters
-- The conversation and important-message counters in one statement (the window's start bounds
-- the "new" ones).
select conv.open, conv.pending, conv.resolved, conv.snoozed, conv.unassigned,
       conv.new_conversations,
       imp.important_open, imp.important_flagged
from (
    select (count(*) filter (where c.status = 'open'))::int as open,
           (count(*) filter (where c.status = 'pending'))::int as pending,
           (count(*) filter (where c.status = 'resolved'))::int as resolved,
           (count(*) filter (where c.status = 'snoozed'))::int as snoozed,
           (count(*) filter (where c.assignee_id is null and c.status <> 'resolved'))::int
               as unassigned,
           (count(*) filter (where c.created_at >= %(start)s))::int as new_conversations
    from conversations c) conv
cross join (
    select (count(*) filter (where i.status = 'open'))::int as important_open,
           (count(*) filter (where i.created_at >= %(start)s))::int as important_flagged
    from important_messages i) imp

-- name: select_item_counters
-- Action items by status, and the overdue and mine among those still to do (not proposed,
-- done, rejected or dismissed); the same for every window (index-only, 0038's dashboard index).
select coalesce(jsonb_object_agg(s.status, s.n), '{}'::jsonb) as by_status,
       coalesce(sum(s.overdue), 0)::int as overdue, coalesce(sum(s.mine), 0)::int as mine
from (select a.status, count(*) as n,
             count(*) filter (where a.due_date < %(today)s
                                and a.status <> all (%(closed)s::text[])) as overdue,
             count(*) filter (where a.assignee_id = %(user_id)s
                                and a.status <> all (%(closed)s::text[])) as mine
      from action_items a
      group by a.status) s

-- name: select_messages
-- Messages in and out: the window's whole days before today (none for `today`) from the
-- per-day rollup (message_day_counts, kept exact by triggers), today's from the messages
-- themselves (index-only, 0037's covering time index).
with counted as (
    select coalesce(sum(d.inbound), 0) as inbound, coalesce(sum(d.outbound), 0) as outbound
    from message_day_counts d
    where d.tenant_id = mf_current_tenant() and d.day >= %(start_day)s and d.day < %(today)s
    union all
    select count(*) filter (where not m.from_me), count(*) filter (where m.from_me)
    from messages m
    where m.tenant_id = mf_current_tenant() and m.sent_at >= %(today_start)s
      and m.sent_at < %(end)s
)
select sum(inbound)::int as inbound, sum(outbound)::int as outbound from counted

-- name: select_first_response
-- Several days (7d, 30d): agents' first response. Per conversation (an index probe each,
-- migration 0034), its first inbound message of the window, and the first reply a person sent
-- from the app after it (an outbox row with its author; simulated traffic and automatic replies
-- have none). Seconds, median and p90.
with asked as materialized (
    select c.id as conversation_id, f.sent_at as asked_at
    from conversations c
    cross join lateral (select m.sent_at from messages m
                        where m.tenant_id = c.tenant_id and m.conversation_id = c.id
                          and not m.from_me and m.sent_at >= %(start)s and m.sent_at < %(end)s
                        order by m.sent_at limit 1) f
    where c.tenant_id = mf_current_tenant()
), authored as materialized (
    select o.message_id from outbox o
    where o.created_by is not null and o.created_at >= %(start)s::timestamptz - interval '1 day'
), replies as materialized (
    -- each reply by its id, index-only (0039's covering index; offset 0 keeps the lookup from
    -- becoming a scan of the window's messages)
    select r.conversation_id, r.sent_at
    from authored o
    cross join lateral (select m.conversation_id, m.sent_at from messages m
                        where m.id = o.message_id offset 0) r
    where r.sent_at >= %(start)s
), answered as (
    select extract(epoch from min(x.sent_at) - a.asked_at) as seconds
    from asked a
    left join replies x on x.conversation_id = a.conversation_id and x.sent_at >= a.asked_at
    group by a.conversation_id, a.asked_at
)
select count(seconds)::int as replied, count(*)::int as asked,
       percentile_cont(0.5) within group (order by seconds) as median_seconds,
       percentile_cont(0.9) within group (order by seconds) as p90_seconds
from answered

-- name: select_first_response_today
-- Agents' first response today (a day's messages are few, cheaper read than probed per
-- conversation): the window's messages read once (index-only, 0037's covering time index,
-- bounded by the window's parameters): per conversation, its first inbound message of the
-- window and the first reply a person sent from the app after it (an outbox row with its
-- author; simulated traffic and automatic replies have none). Seconds, median and p90.
with per_conversation as materialized (
    select m.conversation_id,
           min(m.sent_at) filter (where not m.from_me) as asked_at
    from messages m
    where m.sent_at >= %(start)s and m.sent_at < %(end)s
    group by m.conversation_id
), authored as materialized (
    select o.message_id from outbox o
    where o.created_by is not null and o.created_at >= %(start)s::timestamptz - interval '1 day'
), replies as materialized (
    -- each reply by its id, index-only (0039's covering index; offset 0 keeps the lookup from
    -- becoming a scan of the window's messages)
    select r.conversation_id, r.sent_at
    from authored o
    cross join lateral (select m.conversation_id, m.sent_at from messages m
                        where m.id = o.message_id offset 0) r
    where r.sent_at >= %(start)s
), answered as (
    select extract(epoch from min(x.sent_at) - a.asked_at) as seconds
    from per_conversation a
    left join replies x on x.conversation_id = a.conversation_id and x.sent_at >= a.asked_at
    where a.asked_at is not null
    group by a.conversation_id, a.asked_at
)
select count(seconds)::int as replied, count(*)::int as asked,
       percentile_cont(0.5) within group (order by seconds) as median_seconds,
       percentile_cont(0.9) within group (order by seconds) as p90_seconds
from answered
