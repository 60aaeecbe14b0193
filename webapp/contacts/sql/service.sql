-- name: search
-- The tenant's contacts whose name or number contains %(q)s (all when null), by name, keyset
-- paged on (name, id).
select k.id
from contacts k
where (%(q)s::text is null
       or lower(coalesce(k.display_name, '') || ' ' || coalesce(k.push_name, ''))
          like '%%' || lower(%(q)s) || '%%'
       or k.phone_jid like '%%' || %(digits)s || '%%@%%')
  and (%(after_name)s::text is null
       or (lower(coalesce(k.display_name, k.push_name, '')), k.id)
          > (%(after_name)s, %(after_id)s::bigint))
order by lower(coalesce(k.display_name, k.push_name, '')), k.id
limit %(limit)s

-- name: contacts_json
-- These contacts as the API shows them (in no particular order).
select jsonb_build_object(
    'id', k.id, 'name', coalesce(k.display_name, k.push_name),
    'display_name', k.display_name, 'push_name', k.push_name,
    'phone_jid', k.phone_jid, 'lid_jid', k.lid_jid,
    'phone', case when split_part(k.phone_jid, '@', 1) ~ '^[0-9]+$'
                  then '+' || split_part(k.phone_jid, '@', 1) end,
    'notes', k.notes, 'attributes', k.attributes,
    'has_picture', k.picture_key is not null,
    'labels', coalesce((select jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name,
                                                            'color', l.color) order by l.name)
                        from contact_labels cl join labels l on l.id = cl.label_id
                        where cl.contact_id = k.id), '[]'::jsonb),
    'last_seen_at', mf_ts(k.last_seen_at),
    'created_at', mf_ts(k.created_at), 'updated_at', mf_ts(k.updated_at),
    'sort_name', lower(coalesce(k.display_name, k.push_name, ''))) as row
from contacts k where k.id = any(%(ids)s)

-- name: contact_conversations
-- The conversations the contact takes part in: their direct chats, and groups they wrote in.
select mf_conversation_json(c) as row
from conversations c
where c.contact_id = %(id)s
   or (c.is_group and exists (select 1 from messages m
                              where m.conversation_id = c.id and m.sender_contact_id = %(id)s))
order by c.last_message_at desc nulls last, c.id desc
limit 50

-- name: lock_contact
select id, display_name, notes, attributes from contacts where id = %(id)s for update

-- name: update_contact
update contacts
set display_name = %(display_name)s, notes = %(notes)s, attributes = %(attributes)s,
    updated_by = %(user_id)s, updated_at = now()
where id = %(id)s

-- name: find_labels
select id from labels where id = any(%(ids)s)

-- name: set_labels
-- Replace the contact's labels with exactly these.
with gone as (
    delete from contact_labels where contact_id = %(id)s and label_id <> all(%(ids)s)
)
insert into contact_labels (tenant_id, contact_id, label_id)
select mf_current_tenant(), %(id)s, unnest(%(ids)s::bigint[])
on conflict do nothing

-- name: retitle_direct_chats
-- The contact's direct chats take its saved name (else its WhatsApp name); each changed one
-- gets a conversation.updated event.
with changed as (
    update conversations c
    set title = coalesce(%(display_name)s, k.push_name, c.title), updated_at = now()
    from contacts k
    where k.id = %(id)s and c.contact_id = k.id and not c.is_group
      and c.title is distinct from coalesce(%(display_name)s, k.push_name, c.title)
    returning c.id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', id) from changed

-- name: touch_conversations
-- The contact's direct chats are shown with its details: tell open dashboards.
with touched as (
    update conversations set updated_at = now()
    where contact_id = %(id)s and not is_group
    returning id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', id) from touched
