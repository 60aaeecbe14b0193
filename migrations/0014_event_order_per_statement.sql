-- The commit-order lock of 0013, taken once per statement instead of once per row.
--
-- 0013's per-row plpgsql trigger cost ingest about a fifth of its rate (one trigger call, one
-- lock call and a second nextval for every event). Inserts by the application always carry the
-- transaction's tenant (row-level security demands it), and a BEFORE STATEMENT trigger runs
-- before the statement draws any identity value, so one lock of that tenant per statement gives
-- the same guarantee: ids are drawn only while the tenant's lock is held. Rows of another tenant
-- than the transaction's (cross-tenant SECURITY DEFINER writers, which run without a tenant
-- setting) still go through 0013's row trigger, which locks that row's tenant and then draws its
-- id; the WHEN clause keeps it off the common path without calling plpgsql.
create function mf_event_order_statement() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
declare
    t bigint := mf_current_tenant();
begin
    if t is not null then
        perform pg_advisory_xact_lock(1296452691, (t % 2147483647)::integer);
    end if;
    return null;
end $$;
revoke all on function mf_event_order_statement() from public;

drop trigger events_commit_order on events;
create trigger events_commit_order_statement before insert on events
    for each statement execute function mf_event_order_statement();
create trigger events_commit_order_other_tenant before insert on events
    for each row when (new.tenant_id is distinct from mf_current_tenant())
    execute function mf_event_order();
