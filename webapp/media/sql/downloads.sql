-- name: claim_downloads
-- A device's due downloads: the attempt counted, the row leased until the attempt ends.
update message_media mm
set attempts = mm.attempts + 1, updated_at = now(),
    next_attempt_at = now() + make_interval(secs => %(lease)s)
where mm.message_id in (
    select message_id from message_media
    where device_id = %(device_id)s and state = 'pending' and next_attempt_at <= now()
    order by next_attempt_at, message_id
    limit %(limit)s
    for update skip locked)
returning mm.message_id, mm.device_id, mm.type, mm.mime, mm.size, mm.keys, mm.attempts

-- name: mark_ready
-- Downloaded and stored: the keys are no longer needed.
update message_media
set state = 'ready', sha256 = %(sha256)s, size = %(size)s, keys = null, last_error = null,
    updated_at = now()
where message_id = %(id)s and state = 'pending' and attempts = %(attempts)s
returning message_id

-- name: retry_download
-- A failed attempt: due again after the backoff.
update message_media
set last_error = %(error)s, updated_at = now(),
    next_attempt_at = now() + make_interval(secs => %(delay)s)
where message_id = %(id)s and state = 'pending' and attempts = %(attempts)s
returning message_id

-- name: give_up_download
-- No more attempts: the media is unavailable (the keys stay for a manual retry).
update message_media
set state = 'failed', last_error = %(error)s, updated_at = now()
where message_id = %(id)s and state = 'pending' and attempts = %(attempts)s
returning message_id

-- name: set_message_media_state
-- What the message JSON shows of its download (ready, or unavailable with the reason), and
-- its message.updated event.
with changed as (
    update messages m
    set media = case when %(state)s::text = 'ready'
                     then (m.media - 'reason') || jsonb_build_object('state', 'ready')
                          || case when %(size)s::bigint is null then '{}'::jsonb
                                  else jsonb_build_object('size', %(size)s::bigint) end
                     else m.media || jsonb_build_object('state', %(state)s::text,
                                                        'reason', %(reason)s::text)
                end
    where m.id = %(id)s and m.media is not null
    returning m.id, m.conversation_id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.updated',
       jsonb_build_object('id', c.id, 'conversation_id', c.conversation_id)
from changed c
