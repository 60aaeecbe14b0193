-- Daily summaries (webapp/analysis/daily_summaries.py). Everything runs in the tenant's
-- transaction (RLS); %(start)s / %(end)s are the tenant's local day as UTC bounds.

-- name: select_day_conversations
-- The conversations with (not revoked) messages in the day, with their titles.
select c.id as conversation_id, c.title, count(*) as messages
from messages m
join conversations c on c.id = m.conversation_id
where m.sent_at >= %(start)s and m.sent_at < %(end)s and m.revoked_at is null
group by c.id, c.title
order by c.id

-- name: select_conversation_day_messages
-- The latest messages of one conversation within the day, newest first.
select m.id, m.conversation_id, m.from_me, m.sent_at,
       coalesce(m.sender_name, m.sender_jid) as sender,
       coalesce(m.text, m.media ->> 'caption', '[' || (m.media ->> 'type') || ']', '') as text
from messages m
where m.conversation_id = %(conversation_id)s and m.revoked_at is null
  and m.sent_at >= %(start)s and m.sent_at < %(end)s
order by m.sent_at desc, m.id desc
limit %(limit)s

-- name: select_digest_messages
-- What the day digest reads: important messages first, then each conversation's latest ones.
with day_messages as (
    select m.id, m.conversation_id, m.from_me, m.sent_at,
           coalesce(m.sender_name, m.sender_jid) as sender,
           coalesce(m.text, m.media ->> 'caption', '[' || (m.media ->> 'type') || ']', '') as text,
           coalesce(a.is_important, false) as important,
           row_number() over (partition by m.conversation_id
                              order by m.sent_at desc, m.id desc) as recency
    from messages m
    left join message_analyses a on a.message_id = m.id
    where m.sent_at >= %(start)s and m.sent_at < %(end)s and m.revoked_at is null
)
select id, conversation_id, from_me, sent_at, sender, text
from day_messages
order by important desc, recency, sent_at desc, id desc
limit %(limit)s

-- name: select_summary_day_stats
-- Counts of the day: messages by direction, conversations, important ones, action items.
select count(*)::int as messages,
       (count(*) filter (where not m.from_me))::int as inbound,
       (count(*) filter (where m.from_me))::int as outbound,
       count(distinct m.conversation_id)::int as conversations,
       (count(*) filter (where a.is_important))::int as important,
       (select count(*) from action_items i
        join messages s on s.id = i.source_message_id
        where s.sent_at >= %(start)s and s.sent_at < %(end)s)::int as action_items
from messages m
left join message_analyses a on a.message_id = m.id
where m.sent_at >= %(start)s and m.sent_at < %(end)s

-- name: lock_summary_day
-- Serialise writers of one tenant-day (a scheduled run and a backfill of the same day).
select pg_advisory_xact_lock(hashtextextended('daily_summaries:' || mf_current_tenant()::text
                                              || ':' || %(day)s::date::text, 0))

-- name: delete_day_conversation_summaries
-- The conversation summaries an earlier run wrote for the day.
delete from conversation_summaries where day = %(day)s

-- name: delete_daily_summary
-- The digest an earlier run wrote for the day.
delete from daily_summaries where day = %(day)s

-- name: insert_day_conversation_summary
-- One conversation's summary of the day (day marks it as the daily job's).
insert into conversation_summaries (tenant_id, conversation_id, usage_log_id, provider_id,
                                    provider_kind, model, prompt_version, heuristic, since,
                                    first_message_at, last_message_at, message_count, summary,
                                    key_points, action_items, sentiment, topics, day)
values (mf_current_tenant(), %(conversation_id)s, %(usage_log_id)s, %(provider_id)s,
        %(provider_kind)s, %(model)s, %(prompt_version)s, %(heuristic)s, %(since)s,
        %(first_message_at)s, %(last_message_at)s, %(message_count)s, %(summary)s,
        %(key_points)s, %(action_items)s, %(sentiment)s, %(topics)s, %(day)s)

-- name: insert_daily_summary
-- The tenant's digest of the day.
insert into daily_summaries (tenant_id, day, timezone, window_start, window_end, summary,
                             highlights, open_issues, action_items, messages, inbound, outbound,
                             conversations, important, conversation_summaries, usage_log_id,
                             provider_id, provider_kind, model, prompt_version, heuristic)
values (mf_current_tenant(), %(day)s, %(timezone)s, %(start)s, %(end)s, %(summary)s,
        %(highlights)s, %(open_issues)s, %(action_items)s, %(messages)s, %(inbound)s,
        %(outbound)s, %(conversations)s, %(important)s, %(conversation_summaries)s,
        %(usage_log_id)s, %(provider_id)s, %(provider_kind)s, %(model)s, %(prompt_version)s,
        %(heuristic)s)
returning id

-- name: insert_daily_summary_event
-- Realtime: daily_summary.created (ids only).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'daily_summary.created',
        jsonb_build_object('id', %(id)s::bigint, 'day', %(day)s::date::text))

-- name: select_summary_usage_totals
-- Tokens and cost of the ledger rows a run wrote.
select count(*)::int as calls,
       coalesce(sum(input_tokens), 0)::bigint as input_tokens,
       coalesce(sum(output_tokens), 0)::bigint as output_tokens,
       coalesce(sum(cost_usd), 0) as cost_usd
from llm_usage_logs
where id = any(%(ids)s::bigint[])
