-- Snoozed conversations wake up on their own.
--
-- The gateway process (the one background process serving every tenant) periodically asks which
-- tenants have a conversation whose snooze time has passed, then reopens them in each tenant's
-- own RLS context (webapp/messaging/snooze.py), so the update and its conversation.updated events
-- are written like any other conversation change. This function only names those tenants.

-- The due lookup: only snoozed rows are indexed, by their wake-up time (tenant for index-only
-- scans of the cross-tenant lookup).
create index conversations_snoozed_due_idx
    on conversations (snoozed_until, tenant_id) where status = 'snoozed';

-- The tenants with at least one snoozed conversation due at p_now.
create function mf_tenants_with_due_snoozes(p_now timestamptz)
    returns table (tenant_id bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select distinct c.tenant_id from conversations c
          where c.status = 'snoozed' and c.snoozed_until <= p_now order by 1 $$;

revoke all on function mf_tenants_with_due_snoozes(timestamptz) from public;
grant execute on function mf_tenants_with_due_snoozes(timestamptz) to messageflow_app;
