-- name: select_conversations
-- Conversations of a device by chat key.
select id, chat_key, chat_jid, title, is_group from conversations
where device_id = %(device_id)s and chat_key = any(%(keys)s)

-- name: insert_conversations
-- New conversations (a concurrent insert of the same chat is left to the other writer). A
-- direct chat is addressed and titled by its contact; a group by the batch's newest subject.
insert into conversations (tenant_id, device_id, chat_key, chat_jid, is_group, contact_id, title,
                           title_at)
select mf_current_tenant(), %(device_id)s, u.chat_key, coalesce(ct.jid, u.chat_jid),
       u.is_group, u.contact_id, coalesce(ct.display_name, ct.push_name, u.title, ''),
       u.title_at
from unnest(%(keys)s::text[], %(jids)s::text[], %(groups)s::boolean[], %(contacts)s::bigint[],
            %(titles)s::text[], %(titles_at)s::timestamptz[])
     as u(chat_key, chat_jid, is_group, contact_id, title, title_at)
left join lateral (select coalesce(c.phone_jid, c.lid_jid) as jid, c.push_name, c.display_name
                   from contacts c
                   where c.id = u.contact_id) ct on true
on conflict (tenant_id, device_id, chat_key) do nothing
returning id, chat_key

-- name: retitle_groups
-- A group's subject, when it comes from a record newer than the one the title came from
-- (mf_name_newer, migration 0023): the newest subject wins whatever the arrival order.
update conversations c set title = u.title, title_at = u.title_at, updated_at = now()
from unnest(%(ids)s::bigint[], %(titles)s::text[], %(titles_at)s::timestamptz[])
     as u(id, title, title_at)
where c.id = u.id and c.is_group
  and mf_name_newer(u.title, u.title_at, nullif(c.title, ''), c.title_at)

-- name: insert_messages
-- New messages (ones already stored for the device are skipped), each with its
-- message.created event (ids only; frames are built by mf_event_frame; `history` marks a
-- message brought by history sync, which workflows leave alone).
with inserted as (
insert into messages (tenant_id, device_id, conversation_id, wa_message_id, sender_jid,
                      sender_contact_id, sender_name, from_me, sent_at, original_text, text,
                      media, quoted_wa_id, forwarded, status, history)
select mf_current_tenant(), %(device_id)s, u.conversation_id, u.wa_id, u.sender_jid,
       u.sender_contact_id, u.sender_name, u.from_me, u.sent_at, u.body, u.body, u.media,
       u.quoted, u.forwarded, case when u.from_me then 'sent' else 'received' end,
       %(history)s::boolean
from unnest(%(conversation_ids)b::bigint[], %(wa_ids)b::text[], %(senders)b::text[],
            %(sender_contacts)b::bigint[], %(sender_names)b::text[], %(from_me)b::boolean[],
            %(sent_at)b::timestamptz[], %(bodies)b::text[], %(medias)b::jsonb[],
            %(quoted)b::text[], %(forwarded)b::boolean[])
     as u(conversation_id, wa_id, sender_jid, sender_contact_id, sender_name, from_me, sent_at,
          body, media, quoted, forwarded)
on conflict (tenant_id, device_id, wa_message_id) do nothing
returning id, wa_message_id, conversation_id, from_me, sent_at
), created as (
    insert into events (tenant_id, type, data)
    select mf_current_tenant(), 'message.created',
           jsonb_build_object('id', i.id, 'conversation_id', i.conversation_id)
           || case when %(history)s::boolean then '{"history": true}'::jsonb
                   else '{}'::jsonb end
    from inserted i order by i.id
)
select * from inserted order by id

-- name: insert_ops
-- Operations by their own id; ones seen before are skipped (idempotent replays).
insert into message_ops (tenant_id, device_id, op_id, kind, target_wa_id, record)
select mf_current_tenant(), %(device_id)s, u.op_id, u.kind, u.target, u.record
from unnest(%(op_ids)s::text[], %(kinds)s::text[], %(targets)s::text[], %(records)s::jsonb[])
     as u(op_id, kind, target, record)
on conflict do nothing
returning op_id, kind, target_wa_id

-- name: bump_conversations
-- New messages: latest activity, last message, unread count; inbound traffic reopens. The last
-- message is the newest by WhatsApp time (then id, as GET .../messages lists them), so an old
-- message brought by history sync never becomes the preview; new ids are the highest, hence >=.
update conversations c
set last_message_id = case when c.last_message_at is null or s.max_at >= c.last_message_at
                           then s.newest_id else c.last_message_id end,
    last_message_at = greatest(c.last_message_at, s.max_at),
    unread_count = c.unread_count + s.inbound,
    status = case when s.inbound > 0 and c.status in ('resolved', 'snoozed') then 'open'
                  else c.status end,
    snoozed_until = case when s.inbound > 0 then null else c.snoozed_until end,
    updated_at = now()
from (select u.conversation_id, max(u.sent_at) as max_at,
             (array_agg(u.id order by u.sent_at desc, u.id desc))[1] as newest_id,
             count(*) filter (where not u.from_me) as inbound
      from unnest(%(conversation_ids)b::bigint[], %(ids)b::bigint[],
                  %(sent_at)b::timestamptz[], %(from_me)b::boolean[])
           as u(conversation_id, id, sent_at, from_me)
      group by u.conversation_id) s
where c.id = s.conversation_id

-- name: insert_message_update_events
-- Realtime: messages changed by edits, revokes, reactions or receipts.
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.updated',
       jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id)
from messages m where m.id = any(%(ids)s) order by m.id

-- name: insert_conversation_events
-- Realtime: one event per touched conversation.
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', u.id)
from unnest(%(ids)s::bigint[]) as u(id) order by u.id

-- name: touch_presence
-- Presence: when a contact was last seen online.
update contacts set last_seen_at = greatest(last_seen_at, %(at)s)
where phone_jid = %(jid)s or lid_jid = %(jid)s

-- name: select_default_device
-- The tenant's first device that was not removed.
select id from devices where removed_at is null order by id limit 1

-- name: select_tenant_device
-- The device, if it is this tenant's (RLS hides every other tenant's devices).
select id from devices where id = %(device_id)s

-- name: select_current_tenant
-- The tenant itself, if it exists (RLS shows only the current tenant's row).
select id from tenants

-- name: insert_simulator_device
-- A simulator device for demo traffic and replays.
insert into devices (tenant_id, kind, display_name, status, jid, last_seen)
values (mf_current_tenant(), 'simulator', %(name)s, 'connected', null, now())
returning id
