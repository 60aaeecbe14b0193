-- The Home dashboard (webapp/desk_home/dashboard.py): a few indexed, set-based queries in the
-- tenant's transaction. The window starts at the team's local midnight %(days_back)s days ago
-- (0: today) and ends now.

-- name: select_window
-- The window in the team's zone: local midnight %(days_back)s days ago (0: today) until now.
select t.timezone,
       (((now() at time zone t.timezone)::date - %(days_back)s::int)::timestamp
           at time zone t.timezone) as start,
       now() as "end",
       (now() at time zone t.timezone)::date as today
from tenants t where t.id = mf_current_tenant()

-- name: select_counters
-- Every counter of the desk in one statement (the window's bounds are parameters, so the
-- time index bounds the message scan). Overdue and mine count the action items still to do
-- (not proposed, done, rejected or dismissed).
select msg.inbound, msg.outbound,
       conv.open, conv.pending, conv.resolved, conv.snoozed, conv.unassigned,
       conv.new_conversations,
       imp.important_open, imp.important_flagged,
       act.by_status, act.overdue, act.mine
from (
    select (count(*) filter (where not m.from_me))::int as inbound,
           (count(*) filter (where m.from_me))::int as outbound
    from messages m where m.sent_at >= %(start)s and m.sent_at < %(end)s) msg
cross join (
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
cross join (
    select coalesce(jsonb_object_agg(s.status, s.n), '{}'::jsonb) as by_status,
           coalesce(sum(s.overdue), 0)::int as overdue, coalesce(sum(s.mine), 0)::int as mine
    from (select a.status, count(*) as n,
                 count(*) filter (where a.due_date < %(today)s
                                    and a.status <> all (%(closed)s::text[])) as overdue,
                 count(*) filter (where a.assignee_id = %(user_id)s
                                    and a.status <> all (%(closed)s::text[])) as mine
          from action_items a
          group by a.status) s) act

-- name: select_first_response
-- Agents' first response in the window: per conversation, its first inbound message of the
-- window and the first reply a person sent from the app after it (an outbox row with its
-- author; simulated traffic and automatic replies have none). Seconds, median and p90.
with asked as materialized (
    -- index-only over the window's messages (0037's covering time index)
    select m.conversation_id, min(m.sent_at) as asked_at
    from messages m
    where m.sent_at >= %(start)s and m.sent_at < %(end)s and not m.from_me
    group by m.conversation_id
), authored as materialized (
    select o.message_id from outbox o
    where o.created_by is not null and o.created_at >= %(start)s::timestamptz - interval '1 day'
), replies as materialized (
    -- each reply by its primary key (offset 0 keeps the lookup from becoming a scan of the
    -- window's messages)
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

-- name: select_spend
-- LLM spend today and this month (UTC, the periods budgets are enforced on) per the counters
-- every settled call maintains, against the active providers' monthly budgets.
select coalesce(sum(r.spent_usd) filter (where r.period = 'day'
                                          and r.period_start = (now() at time zone 'UTC')::date),
                0) as today_usd,
       coalesce(sum(r.spent_usd) filter (
           where r.period = 'month'
             and r.period_start = date_trunc('month', now() at time zone 'UTC')::date), 0)
           as month_to_date_usd,
       (select sum(p.monthly_budget_usd) from llm_providers p
        where p.deleted_at is null and p.active) as monthly_budget_usd
from llm_rate_counters r

-- name: select_devices
-- The team's WhatsApp numbers and their state.
select d.id, d.display_name, d.kind, d.status, mf_ts(d.last_seen) as last_seen, d.last_error
from devices d
order by d.id
