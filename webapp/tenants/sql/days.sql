-- webapp/tenants/days.py: tenants with their time zones and their local day windows.

-- name: select_tenants_with_timezones
-- Every tenant and its time zone (cross-tenant: the SECURITY DEFINER listing).
select id, name, timezone from mf_list_tenants()

-- name: select_tenant_day_window
-- A local day as UTC bounds, cut the way analytics/sql/live.sql cuts it.
select (%(day)s::date::timestamp at time zone %(tz)s) as start,
       ((%(day)s::date + 1)::timestamp at time zone %(tz)s) as "end"
