-- name: select_contacts_by_jids
-- Contacts known by any of these phone JIDs or LIDs, with their name and its time.
select id, phone_jid, lid_jid, push_name, push_name_at from contacts
where phone_jid = any(%(jids)s) or lid_jid = any(%(jids)s)

-- name: insert_contacts
-- New contacts, one per person, with the newest name the batch gave them and its time.
insert into contacts (tenant_id, phone_jid, lid_jid, push_name, push_name_at)
select mf_current_tenant(), u.phone, u.lid, u.name, u.name_at
from unnest(%(phones)s::text[], %(lids)s::text[], %(names)s::text[],
            %(names_at)s::timestamptz[]) as u(phone, lid, name, name_at)
returning id, phone_jid, lid_jid

-- name: complete_contacts
-- Fill in an identifier a contact did not have yet; take a name only from a record newer than
-- the one the stored name came from (mf_name_newer, migration 0023), so the newest record's
-- name wins whatever the arrival order. The time is kept even when the name is the same (an
-- older record must not win over it later).
update contacts c
set phone_jid = coalesce(c.phone_jid, u.phone), lid_jid = coalesce(c.lid_jid, u.lid),
    push_name = case when mf_name_newer(u.name, u.name_at, c.push_name, c.push_name_at)
                     then u.name else c.push_name end,
    push_name_at = case when mf_name_newer(u.name, u.name_at, c.push_name, c.push_name_at)
                        then u.name_at else c.push_name_at end,
    updated_at = now()
from unnest(%(ids)s::bigint[], %(phones)s::text[], %(lids)s::text[], %(names)s::text[],
            %(names_at)s::timestamptz[]) as u(id, phone, lid, name, name_at)
where c.id = u.id
  and (c.phone_jid is distinct from coalesce(c.phone_jid, u.phone)
       or c.lid_jid is distinct from coalesce(c.lid_jid, u.lid)
       or mf_name_newer(u.name, u.name_at, c.push_name, c.push_name_at))

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
       u.is_group, u.contact_id, coalesce(ct.push_name, u.title, ''), u.title_at
from unnest(%(keys)s::text[], %(jids)s::text[], %(groups)s::boolean[], %(contacts)s::bigint[],
            %(titles)s::text[], %(titles_at)s::timestamptz[])
     as u(chat_key, chat_jid, is_group, contact_id, title, title_at)
left join lateral (select coalesce(c.phone_jid, c.lid_jid) as jid, c.push_name from contacts c
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
-- message.created event (ids only; frames are built by mf_event_frame).
with inserted as (
insert into messages (tenant_id, device_id, conversation_id, wa_message_id, sender_jid,
                      sender_contact_id, sender_name, from_me, sent_at, original_text, text,
                      media, quoted_wa_id, forwarded, status)
select mf_current_tenant(), %(device_id)s, u.conversation_id, u.wa_id, u.sender_jid,
       u.sender_contact_id, u.sender_name, u.from_me, u.sent_at, u.body, u.body, u.media,
       u.quoted, u.forwarded, case when u.from_me then 'sent' else 'received' end
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

-- name: select_applicable_ops
-- Unapplied operations whose target message is now stored.
select o.op_id, o.kind, o.target_wa_id, o.record, m.id as message_id
from message_ops o
join messages m on m.tenant_id = o.tenant_id and m.device_id = o.device_id
               and m.wa_message_id = o.target_wa_id
where o.device_id = %(device_id)s and o.applied_at is null and o.target_wa_id = any(%(targets)s)

-- name: mark_ops_applied
-- Operations that have been applied.
update message_ops set applied_at = now()
where device_id = %(device_id)s and applied_at is null
  and (kind, op_id, target_wa_id) in (
      select * from unnest(%(kinds)s::text[], %(op_ids)s::text[], %(targets)s::text[]))

-- name: insert_versions
-- Edit history: one row per edit.
insert into message_versions (tenant_id, message_id, op_id, text, edited_at)
select mf_current_tenant(), u.message_id, u.op_id, u.text, u.edited_at
from unnest(%(message_ids)s::bigint[], %(op_ids)s::text[], %(texts)s::text[],
            %(edited_at)s::timestamptz[]) as u(message_id, op_id, text, edited_at)
on conflict (message_id, op_id) do nothing

-- name: refresh_edited_text
-- The current text is the latest edit (by its timestamp), whatever order edits arrived in.
update messages m
set text = coalesce(v.text, m.original_text), edited_at = v.edited_at
from (select distinct on (message_id) message_id, text, edited_at from message_versions
      where message_id = any(%(message_ids)s)
      order by message_id, edited_at desc, op_id desc) v
where m.id = v.message_id

-- name: apply_revokes
-- Deleted for everyone (the earliest revoke time wins).
update messages m set revoked_at = least(coalesce(m.revoked_at, u.at), u.at)
from unnest(%(message_ids)s::bigint[], %(at)s::timestamptz[]) as u(message_id, at)
where m.id = u.message_id

-- name: upsert_reactions
-- One reaction per person per message; the latest wins ('' = removed).
insert into message_reactions (tenant_id, message_id, reactor_jid, emoji, reacted_at)
select mf_current_tenant(), u.message_id, u.reactor, u.emoji, u.at
from unnest(%(message_ids)s::bigint[], %(reactors)s::text[], %(emojis)s::text[],
            %(at)s::timestamptz[]) as u(message_id, reactor, emoji, at)
on conflict (message_id, reactor_jid) do update
set emoji = excluded.emoji, reacted_at = excluded.reacted_at
where (excluded.reacted_at, excluded.emoji) > (message_reactions.reacted_at,
                                               message_reactions.emoji)

-- name: apply_receipts
-- Delivery and read times (earliest wins); outbound status follows them.
update messages m
set delivered_at = least(coalesce(m.delivered_at, u.delivered), u.delivered),
    read_at = least(coalesce(m.read_at, u.read), u.read),
    status = case when m.status in ('queued', 'sending', 'failed', 'received') then m.status
                  when u.read is not null or m.read_at is not null then 'read'
                  else 'delivered' end
from unnest(%(message_ids)s::bigint[], %(delivered)s::timestamptz[], %(read)s::timestamptz[])
     as u(message_id, delivered, read)
where m.id = u.message_id

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
-- The tenant's first device.
select id from devices order by id limit 1

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

-- name: merge_contact
-- Two contacts turned out to be one person: keep the older one.
with moved as (
    update messages set sender_contact_id = %(keep)s where sender_contact_id = %(drop)s
)
update conversations set contact_id = %(keep)s where contact_id = %(drop)s

-- name: merge_contact_conversations
-- The dropped contact's direct chats become the kept contact's (unless it has one there).
update conversations set chat_key = %(keep)s
where chat_key = %(drop)s
  and not exists (select 1 from conversations c2
                  where c2.chat_key = %(keep)s and c2.device_id = conversations.device_id)

-- name: absorb_contact
-- Delete the duplicate contact and keep its identifiers on the survivor, and the newer of the
-- two names (mf_name_newer), so the newest record's name survives any merge order.
with gone as (
    delete from contacts where id = %(drop)s
    returning phone_jid, lid_jid, push_name, push_name_at
)
update contacts c
set phone_jid = coalesce(c.phone_jid, gone.phone_jid), lid_jid = coalesce(c.lid_jid, gone.lid_jid),
    push_name = case when mf_name_newer(gone.push_name, gone.push_name_at, c.push_name,
                                        c.push_name_at)
                     then gone.push_name else c.push_name end,
    push_name_at = case when mf_name_newer(gone.push_name, gone.push_name_at, c.push_name,
                                           c.push_name_at)
                        then gone.push_name_at else c.push_name_at end,
    updated_at = now()
from gone where c.id = %(keep)s

-- name: sync_direct_chats
-- A direct chat follows its contact: addressed by the phone JID when known, else the LID, and
-- titled with the contact's name (the newest one). Returns the conversations that changed.
update conversations c
set chat_jid = coalesce(ct.phone_jid, ct.lid_jid), title = coalesce(ct.push_name, c.title),
    updated_at = now()
from contacts ct
where ct.id = c.contact_id and ct.id = any(%(ids)s) and not c.is_group
  and (c.chat_jid is distinct from coalesce(ct.phone_jid, ct.lid_jid)
       or c.title is distinct from coalesce(ct.push_name, c.title))
returning c.id
