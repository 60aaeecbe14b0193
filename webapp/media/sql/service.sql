-- name: select_message_file
-- A message's media file (none for a message deleted for everyone).
select mm.message_id, mm.type, mm.mime, mm.filename, mm.size, mm.state, mm.sha256,
       mm.last_error
from message_media mm join messages m on m.id = mm.message_id
where mm.message_id = %(id)s and m.revoked_at is null
