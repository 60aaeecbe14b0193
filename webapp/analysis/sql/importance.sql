-- name: select_inputs
-- Messages to analyse, as prompt inputs (revoked ones excluded).
select m.id, m.conversation_id, m.from_me, m.sent_at,
       coalesce(m.sender_name, m.sender_jid) as sender,
       coalesce(m.text, m.media ->> 'caption', '[' || (m.media ->> 'type') || ']', '') as text
from messages m
where m.id = any(%(ids)s) and m.revoked_at is null
order by m.sent_at, m.id

-- name: select_message_ref
-- One message's existence and state.
select id, conversation_id, revoked_at from messages where id = %(id)s

-- name: upsert_analyses
-- Store (or replace) the analyses of a reply; messages are joined under RLS.
insert into message_analyses as a (tenant_id, message_id, conversation_id, usage_log_id,
                                   provider_id, provider_kind, model, prompt_version, heuristic,
                                   is_important, priority, reason, sentiment, sentiment_score,
                                   topics, language, confidence)
select mf_current_tenant(), m.id, m.conversation_id, %(usage_log_id)s, %(provider_id)s,
       %(provider_kind)s, %(model)s, %(prompt_version)s, %(heuristic)s, x.is_important,
       x.priority, x.reason, x.sentiment, x.sentiment_score, x.topics, x.language, x.confidence
from jsonb_to_recordset(%(rows)s) as x (message_id bigint, is_important boolean, priority text,
                                        reason text, sentiment text, sentiment_score real,
                                        topics text[], language text, confidence real)
join messages m on m.id = x.message_id
order by m.id
on conflict (tenant_id, message_id) do update set
    usage_log_id = excluded.usage_log_id, provider_id = excluded.provider_id,
    provider_kind = excluded.provider_kind, model = excluded.model,
    prompt_version = excluded.prompt_version, heuristic = excluded.heuristic,
    is_important = excluded.is_important, priority = excluded.priority,
    reason = excluded.reason, sentiment = excluded.sentiment,
    sentiment_score = excluded.sentiment_score, topics = excluded.topics,
    language = excluded.language, confidence = excluded.confidence, created_at = now()
returning a.id, a.message_id, a.conversation_id

-- name: upsert_important
-- Important analyses become (or refresh) important messages.
insert into important_messages as i (tenant_id, message_id, conversation_id, analysis_id,
                                     priority, reason)
select mf_current_tenant(), a.message_id, a.conversation_id, a.id, a.priority, a.reason
from message_analyses a where a.id = any(%(ids)s) and a.is_important
order by a.message_id
on conflict (tenant_id, message_id) do update set
    analysis_id = excluded.analysis_id, priority = excluded.priority, reason = excluded.reason,
    updated_at = now()

-- name: select_important_for_assignees
-- The open important messages of these analyses whose conversation has an assignee.
select i.message_id, i.conversation_id, i.priority, i.reason, c.assignee_id,
       coalesce(nullif(c.title, ''), 'a conversation') as title
from message_analyses a
join important_messages i on i.message_id = a.message_id and i.status = 'open'
join conversations c on c.id = i.conversation_id
where a.id = any(%(ids)s) and a.is_important and c.assignee_id is not null
order by i.message_id

-- name: clear_unimportant
-- A re-analysis that finds a message unimportant withdraws its open flag.
delete from important_messages i using message_analyses a
where a.id = any(%(ids)s) and not a.is_important and i.message_id = a.message_id
  and i.status = 'open'

-- name: insert_proposed_items
-- Proposed action items of analyses, each keeping its source message (no duplicates).
insert into action_items (tenant_id, conversation_id, source_message_id, analysis_id,
                          description, due_date, origin)
select mf_current_tenant(), a.conversation_id, a.message_id, a.id, x.description, x.due_date,
       'analysis'
from jsonb_to_recordset(%(items)s) as x (message_id bigint, description text, due_date date)
join message_analyses a on a.message_id = x.message_id and a.id = any(%(ids)s)
on conflict do nothing
returning id, conversation_id

-- name: insert_analyzed_events
-- Realtime: one message.analyzed event per stored analysis.
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.analyzed',
       jsonb_build_object('id', a.message_id, 'conversation_id', a.conversation_id)
from message_analyses a where a.id = any(%(ids)s) order by a.message_id

-- name: insert_action_item_events
-- Realtime: one action_item.created event per new proposed item.
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'action_item.created',
       jsonb_build_object('id', i.id, 'conversation_id', i.conversation_id)
from action_items i where i.id = any(%(ids)s) order by i.id

-- name: select_analyses
-- Stored analyses with the action items proposed for their message, whoever proposed them
-- first (an item is stored once per message: a summary or extraction that proposed it before
-- the analysis must not hide it from the analysis).
select a.*,
       coalesce((select jsonb_agg(jsonb_build_object(
                     'id', i.id, 'description', i.description, 'due_date', i.due_date,
                     'status', i.status, 'origin', i.origin) order by i.id)
                 from action_items i
                 where i.source_message_id = a.message_id),
                '[]'::jsonb) as action_items
from message_analyses a where a.message_id = any(%(ids)s) order by a.message_id
