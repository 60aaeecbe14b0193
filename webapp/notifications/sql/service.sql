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
-- A page of my notifications, unread first, then newest first (notifications_inbox_idx).
select n.id, (n.read_at is not null) as is_read, mf_notification_json(n) as row
from notifications n
where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s and {filters}
order by (n.read_at is not null), n.id desc
limit %(limit)s

-- name: filter_unread
-- Filter: unread only.
(n.read_at is not null) = false

-- name: after_position
-- Keyset: after (is_read, id) of the previous page's last row.
((n.read_at is not null) > %(after_read)s
 or ((n.read_at is not null) = %(after_read)s and n.id < %(after_id)s))

-- name: count_unread
-- How many of my notifications are unread.
select count(*) as unread from notifications n
where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s
  and (n.read_at is not null) = false

-- name: set_read
-- Mark one of my notifications read or unread; its new JSON (no row: not mine).
update notifications n
set read_at = case when %(read)s then coalesce(n.read_at, now()) end
where n.id = %(id)s and n.user_id = %(user_id)s
returning mf_notification_json(n) as row

-- name: read_all
-- Mark all my unread notifications read.
update notifications n set read_at = now()
where n.tenant_id = mf_current_tenant() and n.user_id = %(user_id)s
  and (n.read_at is not null) = false
