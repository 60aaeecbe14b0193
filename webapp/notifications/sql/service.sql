-- name: insert_notifications
-- One notification per recipient who is a member of the tenant (the actor excepted); a
-- dedupe_key already used for that recipient inserts nothing. Each inserted row appends a
-- notification.created event for its recipient only.
with inserted as (
    insert into notifications (tenant_id, user_id, kind, title, body, link, actor_id, dedupe_key)
    select mf_current_tenant(), m.user_id, %(kind)s, %(title)s, %(body)s, %(link)s,
           %(actor_id)s, %(dedupe_key)s
    from memberships m
    where m.user_id = any(%(user_ids)s)
      and m.user_id is distinct from %(actor_id)s
    order by m.user_id
    on conflict (tenant_id, user_id, dedupe_key) where dedupe_key is not null do nothing
    returning id, user_id
), pushed as (
    insert into events (tenant_id, type, data, for_user_id)
    select mf_current_tenant(), 'notification.created', jsonb_build_object('id', i.id), i.user_id
    from inserted i order by i.id
    returning id
)
select (select count(*) from inserted) as created, (select count(*) from pushed) as pushed

-- name: members_with_roles
-- The members of the tenant whose role is one of these.
select user_id from memberships where role = any(%(roles)s) order by user_id

-- name: is_member
-- Whether a user is a member of the current tenant.
select 1 as found from memberships where user_id = %(user_id)s

-- name: list_inbox
-- A page of my notifications, unread first, then newest first: the unread part after
-- unread_after and the read part after read_after (ids; 0 skips a part), each a keyset walk of
-- notifications_unread_idx / _read_idx, then merged.
select p.id, p.is_read, mf_notification_json(n) as row
from ((select n.id, false as is_read from notifications n
       where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s
         and n.read_at is null and n.id < %(unread_after)s
       order by n.id desc
       limit %(limit)s)
      union all
      (select n.id, true as is_read from notifications n
       where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s
         and n.read_at is not null and n.id < %(read_after)s
       order by n.id desc
       limit %(limit)s)) p
join notifications n on n.id = p.id
order by p.is_read, p.id desc
limit %(limit)s

-- name: count_unread
-- How many of my notifications are unread.
select count(*) as unread from notifications n
where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s and n.read_at is null

-- name: set_read
-- Mark one of my notifications read or unread; its new JSON (no row: not mine).
update notifications n
set read_at = case when %(read)s then coalesce(n.read_at, now()) end
where n.id = %(id)s and n.user_id = %(user_id)s
returning n.id, mf_notification_json(n) as row

-- name: read_all
-- Mark all my unread notifications read.
update notifications n set read_at = now()
where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s and n.read_at is null

-- name: insert_updated_event
-- Realtime, for my other tabs only: one notification's read state changed.
insert into events (tenant_id, type, data, for_user_id)
values (mf_current_tenant(), 'notification.updated', jsonb_build_object('id', %(id)s::bigint),
        %(user_id)s)

-- name: insert_read_all_event
-- Realtime, for my other tabs only: everything is read (frames as this data).
insert into events (tenant_id, type, data, for_user_id)
values (mf_current_tenant(), 'notification.read_all', '{"unread_count": 0}'::jsonb, %(user_id)s)
