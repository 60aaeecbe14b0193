-- name: insert_message_media
-- The media of messages just stored: pending (with the keys to download it) or ready (hash).
insert into message_media (tenant_id, message_id, device_id, type, mime, filename, size, state,
                           keys, sha256)
select mf_current_tenant(), u.id, %(device_id)s, u.type, u.mime, u.filename, u.size, u.state,
       u.keys, u.sha256
from unnest(%(ids)s::bigint[], %(types)s::text[], %(mimes)s::text[], %(filenames)s::text[],
            %(sizes)s::bigint[], %(states)s::text[], %(keys)s::jsonb[], %(hashes)s::text[])
     as u(id, type, mime, filename, size, state, keys, sha256)
on conflict (message_id) do nothing

-- name: insert_upload_media
-- An outgoing attachment: the uploaded file, ready.
insert into message_media (tenant_id, message_id, device_id, type, mime, filename, size, state,
                           sha256)
select mf_current_tenant(), %(message_id)s, %(device_id)s, u.type, u.mime, u.filename, u.size,
       'ready', u.sha256
from media_uploads u where u.id = %(upload_id)s

-- name: copy_ready_media
-- A forward's copy of the source's stored file.
insert into message_media (tenant_id, message_id, device_id, type, mime, filename, size, state,
                           sha256)
select mf_current_tenant(), %(message_id)s, %(device_id)s, s.type, s.mime, s.filename, s.size,
       'ready', s.sha256
from message_media s where s.message_id = %(source_id)s and s.state = 'ready'
