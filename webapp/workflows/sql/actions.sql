-- name: role_members
-- Members with this role or a higher one.
select user_id from memberships
where role = any(%(roles)s::text[]) and tenant_id = mf_current_tenant()
order by user_id

-- name: integration_type
-- An active integration's type.
select type from integrations where id = %(id)s and active and deleted_at is null

-- name: role_exact_members
-- Members with exactly this role, by id (a round-robin's rotation order).
select user_id from memberships
where role = %(role)s and tenant_id = mf_current_tenant()
order by user_id

-- name: ensure_rotation
-- A workflow action's rotation row (first run).
insert into workflow_rotations (tenant_id, workflow_id, action_index)
values (mf_current_tenant(), %(workflow_id)s, %(index)s)
on conflict (workflow_id, action_index) do nothing

-- name: lock_rotation
-- The rotation, locked until the next member is chosen.
select last_user_id, turns from workflow_rotations
where workflow_id = %(workflow_id)s and action_index = %(index)s
for update

-- name: advance_rotation
-- The member chosen this turn.
update workflow_rotations
set last_user_id = %(user_id)s, turns = turns + 1, updated_at = now()
where workflow_id = %(workflow_id)s and action_index = %(index)s
