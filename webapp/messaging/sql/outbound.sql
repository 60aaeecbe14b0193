-- name: claim_outbox
-- Due sends of every tenant, claimed (FOR UPDATE SKIP LOCKED) and leased to this worker; with a
-- holder, only sends of the devices that gateway process holds (migration 0022).
select id, tenant_id, device_id, message_id, attempts
from mf_claim_outbox(%(limit)s, %(now)s, %(lease_seconds)s, %(holder)s::uuid)

-- name: select_outbox_job
-- Everything one claimed send needs: the message, the chat and the device.
select o.id, o.kind, o.attempts, o.source_message_id, m.id as message_id, m.wa_message_id,
       m.conversation_id, m.sender_jid, m.sender_name, m.sent_at, m.text, m.media,
       m.quoted_wa_id, c.chat_jid, d.id as device_id, d.tenant_id, d.kind as device_kind,
       d.jid as device_jid, d.status as device_status
from outbox o
join messages m on m.id = o.message_id
join conversations c on c.id = m.conversation_id
join devices d on d.id = o.device_id
where o.id = %(id)s and o.status = 'sending' and o.attempts = %(attempts)s

-- name: lock_claimed_outbox
-- The claimed outbox row, locked, if this worker's claim still holds.
select id from outbox
where id = %(id)s and status = 'sending' and attempts = %(attempts)s
for update

-- name: select_forward_record
-- The source of a forward, as a traffic record needs it.
select m.wa_message_id, m.sender_jid, m.sender_name, m.from_me, m.sent_at, m.text, m.media,
       m.revoked_at, c.chat_jid
from messages m join conversations c on c.id = m.conversation_id
where m.id = %(id)s

-- name: set_message_status
-- An outbound message's state (queued, sending, failed) when it changes.
update messages set status = %(status)s
where id = %(id)s and status is distinct from %(status)s
returning id

-- name: insert_message_updated_event
-- Realtime: the message changed (the frame re-reads it with mf_message_json).
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.updated',
       jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id)
from messages m where m.id = %(id)s

-- name: select_duplicate_message
-- A message history sync stored under the WhatsApp id the gateway just returned.
select id from messages
where device_id = %(device_id)s and wa_message_id = %(wa_id)s and id <> %(id)s

-- name: merge_duplicate_message
-- Fold the duplicate's receipts, reactions, edits and last-message role into the sent message.
with dup as (
    select * from messages where id = %(dup_id)s
), kept as (
    update messages m
    set delivered_at = least(m.delivered_at, dup.delivered_at),
        read_at = least(m.read_at, dup.read_at),
        edited_at = coalesce(dup.edited_at, m.edited_at),
        text = case when dup.edited_at is not null then dup.text else m.text end,
        revoked_at = least(m.revoked_at, dup.revoked_at)
    from dup where m.id = %(id)s
), reactions as (
    insert into message_reactions (tenant_id, message_id, reactor_jid, emoji, reacted_at)
    select r.tenant_id, %(id)s, r.reactor_jid, r.emoji, r.reacted_at
    from message_reactions r where r.message_id = %(dup_id)s
    on conflict do nothing
), versions as (
    insert into message_versions (tenant_id, message_id, op_id, text, edited_at)
    select v.tenant_id, %(id)s, v.op_id, v.text, v.edited_at
    from message_versions v where v.message_id = %(dup_id)s
    on conflict do nothing
), relinked as (
    update conversations set last_message_id = %(id)s where last_message_id = %(dup_id)s
)
delete from messages where id = %(dup_id)s

-- name: set_wa_message_id
-- The WhatsApp id the gateway assigned; replies in the chat that quote the old id follow it.
with renamed as (
    update messages set wa_message_id = %(wa_id)s where id = %(id)s
    returning id, conversation_id
)
update messages q set quoted_wa_id = %(wa_id)s
from renamed
where q.conversation_id = renamed.conversation_id and q.id > renamed.id
  and q.quoted_wa_id = %(old_wa_id)s

-- name: finish_sent
-- Sent: the outbox row is done; the message is sent (or further along when a receipt came).
with done as (
    update outbox set status = 'sent', last_error = null, updated_at = now()
    where id = %(id)s and status = 'sending' and attempts = %(attempts)s
    returning message_id
)
update messages m
set status = case when m.read_at is not null then 'read'
                  when m.delivered_at is not null then 'delivered' else 'sent' end
from done where m.id = done.message_id
returning m.id

-- name: retry_outbox
-- A failed attempt: back in the queue after the backoff delay.
update outbox
set status = 'queued', last_error = %(error)s, updated_at = now(),
    next_attempt_at = coalesce(%(now)s::timestamptz, now()) + make_interval(secs => %(delay)s)
where id = %(id)s and status = 'sending' and attempts = %(attempts)s
returning id

-- name: fail_outbox
-- Given up: the send failed for good.
update outbox set status = 'failed', last_error = %(error)s, updated_at = now()
where id = %(id)s and status = 'sending' and attempts = %(attempts)s
returning id
