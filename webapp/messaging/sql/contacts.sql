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
-- titled with the contact's name (the saved one, else the newest WhatsApp name). Returns the
-- conversations that changed.
update conversations c
set chat_jid = coalesce(ct.phone_jid, ct.lid_jid),
    title = coalesce(ct.display_name, ct.push_name, c.title),
    updated_at = now()
from contacts ct
where ct.id = c.contact_id and ct.id = any(%(ids)s) and not c.is_group
  and (c.chat_jid is distinct from coalesce(ct.phone_jid, ct.lid_jid)
       or c.title is distinct from coalesce(ct.display_name, ct.push_name, c.title))
returning c.id
