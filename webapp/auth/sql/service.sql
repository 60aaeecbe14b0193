-- name: insert_session
-- A new sign-in session in the current tenant.
insert into auth_sessions (id, tenant_id, user_id, expires_at, ip, user_agent)
values (%(id)s, mf_current_tenant(), %(user_id)s, now() + make_interval(secs => %(ttl)s),
        %(ip)s, %(user_agent)s)

-- name: insert_refresh_token
-- A refresh token of a session; it can be used once.
insert into refresh_tokens (id, tenant_id, session_id, expires_at)
values (%(id)s, mf_current_tenant(), %(session_id)s, now() + make_interval(secs => %(ttl)s))

-- name: lock_refresh_token
-- The refresh token and its session, locked for rotation.
select r.id, r.used_at, r.expires_at, s.id as session_id, s.user_id, s.revoked_at
from refresh_tokens r
join auth_sessions s on s.id = r.session_id
where r.id = %(id)s
for update of r

-- name: mark_refresh_used
-- Rotation: the old refresh token is spent and points at its successor.
update refresh_tokens set used_at = now(), replaced_by = %(new_id)s where id = %(id)s

-- name: revoke_session
-- Sign a session out (all its access and refresh tokens stop working).
update auth_sessions set revoked_at = now(), revoked_reason = %(reason)s
where id = %(id)s and revoked_at is null

-- name: select_session_end
-- Why a session of this user stopped working (null: not revoked, e.g. expired or unknown).
select revoked_reason from auth_sessions where id = %(sid)s and user_id = %(uid)s

-- name: select_principal
-- The member behind a live session, with their current role.
select m.role, u.email, u.name, t.name as tenant_name
from auth_sessions s
join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
join users u on u.id = s.user_id
join tenants t on t.id = s.tenant_id
where s.id = %(sid)s and s.user_id = %(uid)s and s.revoked_at is null and s.expires_at > now()

-- name: insert_membership
-- Make a user a member of the current tenant.
insert into memberships (tenant_id, user_id, role) values (mf_current_tenant(), %(user_id)s, %(role)s)

-- name: accept_invitation
-- Mark an invitation used by the user who joined with it (once: a concurrent use finds it taken).
update invitations set accepted_at = now(), accepted_by = %(user_id)s
where id = %(id)s and accepted_at is null and revoked_at is null
returning id

-- name: select_membership
-- Whether the user is a member of the current tenant.
select role from memberships where user_id = %(user_id)s
