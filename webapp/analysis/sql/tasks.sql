-- name: task_message_refs
-- The given messages that the tenant can see, with their conversation and state.
select id, conversation_id, revoked_at from messages where id = any(%(ids)s) order by id

-- name: insert_conversation_score
-- A stored conversation score (every run is kept; the latest is the current one).
insert into conversation_scores (tenant_id, conversation_id, usage_log_id, provider_id,
                                 provider_kind, model, prompt_version, heuristic, message_count,
                                 first_message_at, last_message_at, score, urgency,
                                 satisfaction, reason, created_by)
values (mf_current_tenant(), %(conversation_id)s, %(usage_log_id)s, %(provider_id)s,
        %(provider_kind)s, %(model)s, %(prompt_version)s, %(heuristic)s, %(message_count)s,
        %(first_message_at)s, %(last_message_at)s, %(score)s, %(urgency)s, %(satisfaction)s,
        %(reason)s, %(created_by)s)
returning *

-- name: latest_conversation_score
-- A conversation's most recent score.
select * from conversation_scores where conversation_id = %(conversation_id)s
order by id desc limit 1

-- name: insert_scored_event
-- Realtime: conversation.scored.
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'conversation.scored',
        jsonb_build_object('id', %(id)s::bigint, 'conversation_id', %(conversation_id)s::bigint,
                           'score', %(score)s::int))

-- name: insert_extracted_items
-- Proposed action items of an extraction: the source message is kept when it was in the
-- prompt; an item already proposed for the same message (by any origin) is not repeated, nor an
-- extraction item without a source already in the conversation.
insert into action_items (tenant_id, conversation_id, source_message_id, description, due_date,
                          origin, created_by, usage_log_id)
select mf_current_tenant(), %(conversation_id)s, x.source_message_id, x.description, x.due_date,
       'extraction', %(created_by)s, %(usage_log_id)s
from jsonb_to_recordset(%(items)s) as x (description text, due_date date,
                                          source_message_id bigint)
where x.source_message_id is not null
   or not exists (select 1 from action_items i
                  where i.conversation_id = %(conversation_id)s and i.source_message_id is null
                    and lower(i.description) = lower(x.description))
on conflict do nothing
returning id

-- name: select_extracted_items
-- The action items matching an extraction's proposals (new or proposed before), oldest first.
select distinct on (i.id) i.id, i.conversation_id, i.source_message_id, i.description,
       i.due_date, i.status, i.origin, i.created_at
from action_items i
join jsonb_to_recordset(%(items)s) as x (description text, source_message_id bigint)
  on lower(i.description) = lower(x.description)
 and i.source_message_id is not distinct from x.source_message_id
where i.conversation_id = %(conversation_id)s
order by i.id
