-- Important messages (webapp/desk_home/important.py). Everything runs in the tenant's
-- transaction (RLS); rows leave as mf_important_message_json, the shape the frames share.

-- name: list_important
-- A page of important messages, newest first, with the list's filters (NULL: no filter).
select mf_important_message_json(i) as item, i.id
from important_messages i
where (%(status)s::text is null or i.status = %(status)s)
  and (%(priority)s::text is null or i.priority = %(priority)s)
  and (%(since)s::timestamptz is null or i.created_at >= %(since)s)
  and (%(conversation_id)s::bigint is null or i.conversation_id = %(conversation_id)s)
  and (%(assignee_id)s::bigint is null or exists (
        select 1 from conversations c
        where c.id = i.conversation_id and c.assignee_id = %(assignee_id)s))
  and (%(before_id)s::bigint is null or i.id < %(before_id)s)
order by i.id desc
limit %(limit)s

-- name: get_important
-- One important message.
select mf_important_message_json(i) as item from important_messages i where i.id = %(id)s

-- name: lock_important
-- The row and the call that flagged it, locked while a person changes it.
select i.id, i.status, i.priority, i.message_id, i.analysis_id,
       a.provider_id, coalesce(a.provider_kind, 'unknown') as provider_kind,
       coalesce(a.model, 'unknown') as model, coalesce(a.priority, i.priority) as model_priority
from important_messages i
left join message_analyses a on a.id = i.analysis_id
where i.id = %(id)s
for update of i

-- name: update_status
-- A person set the status.
update important_messages
set status = %(status)s, status_changed_by = %(user_id)s, status_changed_at = now(),
    updated_at = now()
where id = %(id)s

-- name: update_priority
-- A person set the priority.
update important_messages
set priority = %(priority)s, priority_changed_by = %(user_id)s, priority_changed_at = now(),
    updated_at = now()
where id = %(id)s

-- name: insert_feedback
-- The person's call next to the model's.
insert into important_message_feedback (tenant_id, important_message_id, message_id,
                                        analysis_id, provider_id, provider_kind, model, kind,
                                        model_priority, new_priority, user_id)
values (mf_current_tenant(), %(id)s, %(message_id)s, %(analysis_id)s, %(provider_id)s,
        %(provider_kind)s, %(model)s, %(kind)s, %(model_priority)s, %(new_priority)s,
        %(user_id)s)

-- name: insert_updated_event
-- Realtime: important_message.updated (framed by mf_important_message_frame).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'important_message.updated', jsonb_build_object('id', %(id)s::bigint))

-- name: select_override_stats
-- Per provider of the flagging call (NULL: the built-in analyser): important messages flagged
-- in the range, how many a person reviewed, and how many they overrode (dismissed or
-- re-prioritised).
select a.provider_id, count(*)::int as flagged,
       (count(*) filter (where exists (
           select 1 from important_message_feedback f
           where f.important_message_id = i.id)))::int as reviewed,
       (count(*) filter (where exists (
           select 1 from important_message_feedback f
           where f.important_message_id = i.id
             and f.kind in ('dismissed', 'priority_changed'))))::int as overridden
from important_messages i
join message_analyses a on a.id = i.analysis_id
where i.created_at >= %(start)s and i.created_at < %(end)s
group by a.provider_id
