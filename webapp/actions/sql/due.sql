-- name: select_due_tenants
-- Tenants with an assigned open item whose due date passed (cross-tenant: SECURITY DEFINER,
-- migration 0030).
select tenant_id from mf_tenants_with_due_action_items(coalesce(%(now)s::timestamptz, now()))

-- name: claim_due_items
-- This tenant's assigned open items whose due date passed in its time zone and whose assignee
-- was not told yet: marked told (for this due date) and returned. SKIP LOCKED: concurrent
-- checkers (several gateway processes) take different rows.
with due as (
    select i.id from action_items i join tenants t on t.id = i.tenant_id
    where i.tenant_id = mf_current_tenant() and i.assignee_id is not null
      and i.due_date is not null and i.status in ('todo', 'in_progress', 'blocked')
      and i.due_notified_for is distinct from i.due_date
      and i.due_date < (coalesce(%(now)s::timestamptz, now()) at time zone t.timezone)::date
    order by i.due_date, i.id
    limit %(limit)s
    for update of i skip locked)
update action_items i set due_notified_for = i.due_date
from due where i.id = due.id
returning i.id, i.title, i.assignee_id, to_char(i.due_date, 'YYYY-MM-DD') as due_date
