-- name: role_members
-- Members with this role or a higher one.
select user_id from memberships
where role = any(%(roles)s::text[]) and tenant_id = mf_current_tenant()
order by user_id

-- name: integration_type
-- An active integration's type.
select type from integrations where id = %(id)s and active and deleted_at is null
