-- name: find_conversation
select id, title from conversations where id = %(id)s

-- name: list_notes
-- A conversation's notes, oldest first, after a note id.
select id, mf_note_json(n) as row from conversation_notes n
where n.conversation_id = %(conversation_id)s and n.id > %(after_id)s
order by n.id
limit %(limit)s

-- name: insert_note
insert into conversation_notes (tenant_id, conversation_id, author_id, body, mentions)
values (mf_current_tenant(), %(conversation_id)s, %(author_id)s, %(body)s, %(mentions)s)
returning id

-- name: get_note
select mf_note_json(n) as row from conversation_notes n where n.id = %(id)s

-- name: lock_note
select id, conversation_id, author_id, body from conversation_notes where id = %(id)s for update

-- name: delete_note
delete from conversation_notes where id = %(id)s

-- name: insert_note_event
insert into events (tenant_id, type, data)
values (mf_current_tenant(), %(type)s,
        jsonb_build_object('id', %(id)s::bigint, 'conversation_id', %(conversation_id)s::bigint))
