-- name: list_labels
-- The tenant's labels by name, each with how many conversations carry it.
select l.id, l.name, l.color, l.created_at,
       (select count(*) from conversation_labels cl
        where cl.tenant_id = l.tenant_id and cl.label_id = l.id) as conversation_count
from labels l
order by lower(l.name), l.id

-- name: get_label
-- One label with its conversation count.
select l.id, l.name, l.color, l.created_at,
       (select count(*) from conversation_labels cl
        where cl.tenant_id = l.tenant_id and cl.label_id = l.id) as conversation_count
from labels l
where l.id = %(id)s

-- name: insert_label
-- A new label; no row when the name is taken (in any letter case).
insert into labels (tenant_id, name, color)
values (mf_current_tenant(), %(name)s, %(color)s)
on conflict do nothing
returning id, name, color, created_at, 0::bigint as conversation_count

-- name: lock_label
-- One label, locked while it changes.
select id, name, color from labels where id = %(id)s for update

-- name: update_label
-- New name and colour of a label.
update labels set name = %(name)s, color = %(color)s where id = %(id)s

-- name: delete_label
-- Remove a label (conversation_labels rows go with it).
delete from labels where id = %(id)s

-- name: touch_labelled_conversations
-- Realtime: every conversation carrying the label changed (its chips are re-read by the frame).
with touched as (
    update conversations c set updated_at = now()
    where c.id in (select cl.conversation_id from conversation_labels cl
                   where cl.tenant_id = mf_current_tenant() and cl.label_id = %(label_id)s)
    returning c.id)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', t.id)
from touched t order by t.id

-- name: find_conversation
-- Whether the conversation is the tenant's.
select id from conversations where id = %(id)s

-- name: find_label
-- Whether the label is the tenant's.
select id from labels where id = %(id)s

-- name: attach_label
-- Put a label on a conversation; no row when it was already there.
insert into conversation_labels (tenant_id, conversation_id, label_id)
values (mf_current_tenant(), %(conversation_id)s, %(label_id)s)
on conflict do nothing
returning label_id

-- name: detach_label
-- Take a label off a conversation; no row when it was not there.
delete from conversation_labels
where conversation_id = %(conversation_id)s and label_id = %(label_id)s
returning label_id

-- name: touch_conversation
-- Realtime: the conversation changed (same event as PATCH /conversations/:id writes).
with touched as (
    update conversations set updated_at = now() where id = %(id)s returning id)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', t.id)
from touched t
