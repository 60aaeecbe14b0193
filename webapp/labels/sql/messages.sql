-- name: find_message
select id from messages where id = %(id)s

-- name: find_label
select id from labels where id = %(id)s

-- name: attach
-- Put a label on a message; no row when it was already there.
insert into message_labels (tenant_id, message_id, label_id, created_by)
values (mf_current_tenant(), %(message_id)s, %(label_id)s, %(user_id)s)
on conflict do nothing
returning label_id

-- name: detach
-- Take a label off a message; no row when it was not there.
delete from message_labels where message_id = %(message_id)s and label_id = %(label_id)s
returning label_id

-- name: message_updated
-- Realtime: the message changed (its frame is rebuilt by mf_event_frame).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'message.updated', jsonb_build_object('id', %(id)s::bigint))

-- name: message_json
select mf_message_json(m) as row from messages m where m.id = %(id)s
