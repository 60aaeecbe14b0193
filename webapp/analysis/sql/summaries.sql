-- name: select_conversation
-- One conversation of the tenant.
select id, title from conversations where id = %(id)s

-- name: select_conversation_messages
-- The latest messages of a conversation (optionally since a time), newest first.
select m.id, m.conversation_id, m.from_me, m.sent_at,
       coalesce(m.sender_name, m.sender_jid) as sender,
       coalesce(m.text, m.media ->> 'caption', '[' || (m.media ->> 'type') || ']', '') as text
from messages m
where m.conversation_id = %(conversation_id)s and m.revoked_at is null
  and (%(since)s::timestamptz is null or m.sent_at >= %(since)s::timestamptz)
order by m.sent_at desc, m.id desc
limit %(limit)s

-- name: insert_summary
-- A stored conversation summary.
insert into conversation_summaries (tenant_id, conversation_id, usage_log_id, provider_id,
                                    provider_kind, model, prompt_version, heuristic, since,
                                    first_message_at, last_message_at, message_count, summary,
                                    key_points, action_items, sentiment, topics, created_by)
values (mf_current_tenant(), %(conversation_id)s, %(usage_log_id)s, %(provider_id)s,
        %(provider_kind)s, %(model)s, %(prompt_version)s, %(heuristic)s, %(since)s,
        %(first_message_at)s, %(last_message_at)s, %(message_count)s, %(summary)s,
        %(key_points)s, %(action_items)s, %(sentiment)s, %(topics)s, %(created_by)s)
returning *

-- name: insert_summary_items
-- Proposed action items of a summary; the source message is kept when it is in the summary,
-- and the ledger row of the call (provenance: provider and model).
insert into action_items (tenant_id, conversation_id, source_message_id, description, due_date,
                          origin, created_by, usage_log_id)
select mf_current_tenant(), %(conversation_id)s,
       case when x.source_message_id = any(%(message_ids)s) then x.source_message_id end,
       x.description, x.due_date, 'summary', %(created_by)s, %(usage_log_id)s
from jsonb_to_recordset(%(items)s) as x (description text, due_date date,
                                          source_message_id bigint)
on conflict do nothing
returning id, conversation_id

-- name: insert_summary_event
-- Realtime: summary.created.
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'summary.created',
        jsonb_build_object('id', %(id)s::bigint, 'conversation_id', %(conversation_id)s::bigint))
