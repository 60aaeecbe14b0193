-- name: claim_due_pictures
-- Contacts with a direct chat on this device whose picture was never checked or is older than
-- the refresh age; each marked checked now (so another pass or process skips it).
update contacts k
set picture_checked_at = now()
where k.id in (
    select k2.id from contacts k2
    where (k2.picture_checked_at is null
           or k2.picture_checked_at < now() - make_interval(secs => %(max_age)s))
      and exists (select 1 from conversations c
                  where c.contact_id = k2.id and c.device_id = %(device_id)s and not c.is_group)
    order by k2.picture_checked_at nulls first, k2.id
    limit %(limit)s
    for update skip locked)
returning k.id, coalesce(k.phone_jid, k.lid_jid) as jid, k.picture_key

-- name: set_picture
-- The picture found (or none); the contact's direct chats are shown with it.
with changed as (
    update contacts set picture_key = %(key)s, updated_at = now()
    where id = %(id)s and picture_key is distinct from %(key)s
    returning id
), touched as (
    update conversations c set updated_at = now()
    from changed k
    where c.contact_id = k.id and not c.is_group
    returning c.id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', id) from touched

-- name: check_later
-- A check that failed (the device went away): due again after %(delay)s seconds.
update contacts
set picture_checked_at = now() - make_interval(secs => %(max_age)s)
                         + make_interval(secs => %(delay)s)
where id = %(id)s

-- name: select_picture
select picture_key from contacts where id = %(id)s
