-- webapp/auth/accounts.py: memberships, switching tenant, the profile, password, sign-outs.

-- name: select_memberships
-- Every tenant of a user with their role (SECURITY DEFINER: crosses tenants by design).
select tenant_id, tenant_name, role from mf_user_tenants(%(user_id)s)

-- name: revoke_own_session
-- End the caller's session in the current tenant.
update auth_sessions set revoked_at = now(), revoked_reason = %(reason)s
where id = %(id)s and user_id = mf_current_user() and revoked_at is null

-- name: select_profile
-- The signed-in user's account.
select id, email, name, created_at, last_login_at from users where id = mf_current_user()

-- name: update_profile_name
-- Rename the signed-in user.
update users set name = %(name)s where id = mf_current_user()

-- name: select_password_hash
-- The signed-in user's password hash (SECURITY DEFINER; the app role cannot read the column).
select mf_user_password_hash(%(user_id)s) as hash

-- name: set_password
-- Store a new password hash for the signed-in user.
select mf_set_password(%(user_id)s, %(hash)s)

-- name: revoke_user_sessions
-- End a user's sessions in every tenant except `keep` (null: all); how many ended.
select mf_revoke_user_sessions(%(user_id)s, %(keep)s::uuid, %(reason)s) as n
