-- webapp/tenants/settings.py: the signed-in tenant's settings.

-- name: select_tenant_settings
-- The current tenant's settings.
select id, name, timezone, business_hours, first_response_target_minutes, created_at, updated_at
from tenants

-- name: lock_tenant_settings
-- The current tenant's settings, locked while they change.
select id, name, timezone, business_hours, first_response_target_minutes, created_at, updated_at
from tenants for update

-- name: update_tenant_settings
-- Write the current tenant's settings back.
update tenants set name = %(name)s, timezone = %(timezone)s,
                   business_hours = %(business_hours)s,
                   first_response_target_minutes = %(first_response_target_minutes)s,
                   updated_at = now()
where id = mf_current_tenant()
returning id, name, timezone, business_hours, first_response_target_minutes, created_at,
          updated_at

-- name: select_known_timezone
-- Whether PostgreSQL knows a time zone name (tenant-local days are cut with it).
select 1 from pg_timezone_names where name = %(name)s
