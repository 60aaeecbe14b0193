-- name: get_item
-- One action item, serialized.
select mf_action_item_json(i) as row from action_items i where i.id = %(id)s

-- name: lock_item
-- One action item, locked while it changes.
select id, title, description, status, priority, position, due_date, assignee_id,
       conversation_id, source_message_id, origin, created_by
from action_items where id = %(id)s for update

-- name: tenant_today
-- Today in the tenant's time zone.
select (now() at time zone t.timezone)::date as today from tenants t
where t.id = mf_current_tenant()

-- name: is_member
-- Whether a user is a member of the current tenant.
select 1 as found from memberships where user_id = %(user_id)s

-- name: find_conversation
-- A conversation of the tenant and its assignee.
select id, assignee_id from conversations where id = %(id)s

-- name: find_message
-- A message of the tenant and its conversation.
select id, conversation_id from messages where id = %(id)s

-- name: insert_item
-- A new manual action item (position: null goes last in its column, by trigger).
insert into action_items (tenant_id, title, description, status, priority, due_date,
                          assignee_id, conversation_id, source_message_id, origin, created_by,
                          position)
values (mf_current_tenant(), %(title)s, %(description)s, %(status)s, %(priority)s,
        %(due_date)s, %(assignee_id)s, %(conversation_id)s, %(source_message_id)s, 'manual',
        %(created_by)s, %(position)s)
returning id

-- name: update_item
-- New values of an action item (the service passes every field, changed or not).
update action_items
set title = %(title)s, description = %(description)s, status = %(status)s,
    priority = %(priority)s, due_date = %(due_date)s, assignee_id = %(assignee_id)s,
    position = %(position)s, updated_at = now(),
    -- a new assignee of an overdue item is told too (webapp/actions/due.py)
    due_notified_for = case when assignee_id is distinct from %(assignee_id)s then null
                            else due_notified_for end
where id = %(id)s

-- name: delete_item
-- Remove an action item (its comments go with it).
delete from action_items where id = %(id)s

-- name: insert_event
-- Realtime: action_item.created / action_item.updated (the frame reads the row). `extra`:
-- a status change's status_from/status_to, `automation` for a workflow's item (read by the
-- workflow engine).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), %(type)s, jsonb_build_object('id', %(id)s::bigint) || %(extra)s)

-- name: insert_deleted_event
-- Realtime: action_item.deleted carries what the client needs to drop it.
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'action_item.deleted',
        jsonb_build_object('id', %(id)s::bigint, 'status', %(status)s::text,
                           'conversation_id', %(conversation_id)s::bigint))

-- name: select_items_mark
-- The tenant's newest action-item event: the watermark a cached page of the list is valid for
-- (webapp/db/watermark_cache.py; partial index of migration 0048).
select coalesce(max(e.id), 0) as mark from events e
where e.tenant_id = mf_current_tenant() and e.type like 'action_item.%'
