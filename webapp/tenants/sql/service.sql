-- name: list_members
-- Members of the current tenant, oldest first, with when they last did something here (a
-- sign-in, a token refresh while the dashboard is open, a sign-out, ...).
select u.id, u.email, u.name, m.role, m.created_at as joined_at, u.last_login_at,
       (select max(a.created_at) from user_activity_logs a where a.user_id = u.id)
           as last_active_at
from memberships m join users u on u.id = m.user_id
order by m.created_at, u.id

-- name: lock_member
-- One member's role, locked while it changes.
select user_id, role from memberships where user_id = %(user_id)s for update

-- name: lock_owners
-- All owners, locked so two concurrent demotions cannot remove the last one.
select user_id from memberships where role = 'owner' for update

-- name: update_member_role
-- Change a member's role.
update memberships set role = %(role)s where user_id = %(user_id)s

-- name: delete_member
-- Remove a member and sign their sessions in this tenant out.
delete from memberships where user_id = %(user_id)s

-- name: revoke_user_sessions
-- Sign out every session of a user in the current tenant.
update auth_sessions set revoked_at = now(), revoked_reason = %(reason)s
where user_id = %(user_id)s and revoked_at is null

-- name: insert_invitation
-- A pending invitation (the token itself is never stored).
insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
values (mf_current_tenant(), %(email)s, %(role)s, %(token_hash)s, %(invited_by)s,
        now() + make_interval(days => %(days)s))
returning id, email, role, expires_at, created_at, 'pending' as status

-- name: list_invitations
-- Invitations of the current tenant, newest first.
select id, email, role, invited_by, expires_at, accepted_at, accepted_by, revoked_at, created_at,
       case when accepted_at is not null then 'accepted'
            when revoked_at is not null then 'revoked'
            when expires_at <= now() then 'expired'
            else 'pending' end as status
from invitations order by id desc limit 200
