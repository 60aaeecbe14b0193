-- name: select_message_file
-- A message's media file (none for a message deleted for everyone).
select mm.message_id, mm.type, mm.mime, mm.filename, mm.size, mm.state, mm.sha256,
       mm.last_error
from message_media mm join messages m on m.id = mm.message_id
where mm.message_id = %(id)s and m.revoked_at is null

-- name: lock_media_for_retry
-- A message's download, locked for a manual retry (none for a message deleted for everyone).
select mm.state, mm.keys is not null as has_keys, mm.last_error
from message_media mm join messages m on m.id = mm.message_id
where mm.message_id = %(id)s and m.revoked_at is null
for update of mm

-- name: retry_media
-- A person asked again: the gateway's next media pass tries it with a fresh attempt count.
update message_media
set state = 'pending', attempts = 0, next_attempt_at = now(), last_error = null,
    updated_at = now()
where message_id = %(id)s and state = 'failed'

-- name: show_downloading
-- The message shows "Downloading…" again, with its message.updated event.
with changed as (
    update messages m
    set media = (m.media - 'reason') || jsonb_build_object('state', 'downloading')
    where m.id = %(id)s and m.media is not null
    returning m.id, m.conversation_id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.updated',
       jsonb_build_object('id', c.id, 'conversation_id', c.conversation_id)
from changed c

-- name: message_json
select mf_message_json(m) as message from messages m where m.id = %(id)s
