-- name: select_due_snooze_tenants
-- Tenants with a snoozed conversation due now (cross-tenant: SECURITY DEFINER, migration 0015).
select tenant_id from mf_tenants_with_due_snoozes(coalesce(%(now)s::timestamptz, now()))

-- name: wake_snoozed_conversations
-- Reopen the current tenant's due snoozed conversations (a batch, oldest due first) with one
-- conversation.updated event each. Rows another waker holds are skipped, and a row it already
-- woke no longer matches when its lock is taken, so no conversation is woken (or announced) twice.
with due as (
    select c.id from conversations c
    where c.status = 'snoozed' and c.snoozed_until <= coalesce(%(now)s::timestamptz, now())
    order by c.snoozed_until, c.id
    limit %(limit)s
    for update skip locked
), woken as (
    update conversations c
    set status = 'open', snoozed_until = null, updated_at = now()
    from due where c.id = due.id
    returning c.id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', w.id)
from woken w order by w.id
returning (data ->> 'id')::bigint as id
