-- name: select_send_target
-- The conversation a message is sent to, with its device.
select c.id, c.device_id, c.chat_jid, d.status as device_status, d.display_name as device_name,
       d.jid as device_jid
from conversations c join devices d on d.id = c.device_id
where c.id = %(id)s

-- name: select_quoted_wa_id
-- The WhatsApp id of a message of this conversation (the one a reply quotes).
select wa_message_id from messages
where id = %(id)s and conversation_id = %(conversation_id)s

-- name: select_forward_source
-- The message to forward.
select id, text, media, revoked_at from messages where id = %(id)s

-- name: insert_outbound_message
-- A from-me message queued for sending by a member (sent_by 'agent') or a workflow
-- ('automation', no sent_by_user_id), its outbox row, the
-- conversation's new last message and the realtime events, in one statement.
with msg as (
    insert into messages (tenant_id, device_id, conversation_id, wa_message_id, sender_jid,
                          sender_name, from_me, sent_at, original_text, text, media,
                          quoted_wa_id, forwarded, status, sent_by, sent_by_user_id)
    values (mf_current_tenant(), %(device_id)s, %(conversation_id)s, %(wa_id)s, %(sender_jid)s,
            %(sender_name)s, true, now(), %(text)s, %(text)s, %(media)s, %(quoted_wa_id)s,
            %(forwarded)s, 'queued', %(sent_by)s::text,
            case when %(sent_by)s::text = 'agent' then %(user_id)s::bigint end)
    returning id, conversation_id, device_id, sent_at
), box as (
    insert into outbox (tenant_id, message_id, device_id, kind, source_message_id, created_by)
    select mf_current_tenant(), msg.id, msg.device_id, %(kind)s, %(source_id)s, %(user_id)s
    from msg
), bump as (
    update conversations c
    set last_message_id = msg.id, last_message_at = msg.sent_at, updated_at = now()
    from msg
    where c.id = msg.conversation_id
      and (c.last_message_at is null or c.last_message_at <= msg.sent_at)
), created as (
    insert into events (tenant_id, type, data)
    select mf_current_tenant(), e.type, e.data
    from msg cross join lateral (values
        (1, 'message.created', jsonb_build_object('id', msg.id,
                                                  'conversation_id', msg.conversation_id)),
        (2, 'conversation.updated', jsonb_build_object('id', msg.conversation_id)))
        as e(ord, type, data)
    order by e.ord
)
select id from msg

-- name: select_message_json
-- One message as the API shows it.
select mf_message_json(m) as row from messages m where m.id = %(id)s
