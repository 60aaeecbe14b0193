-- Writers take their tenant's event lock before any row lock, so they cannot deadlock.
--
-- The commit-order lock of 0013/0014 (a transaction-level advisory lock per tenant) used to be
-- taken only when a statement inserted events. Agents' writes lock a row first and then insert
-- their event (PATCH /conversations/:id, mark read), while ingest inserted its message.created
-- events first and then updated the same conversations: lock orders crossed, and PostgreSQL
-- aborted one side with a deadlock (seen as a 503 on "mark read" while messages arrived). Row
-- locks come in more forms than UPDATE (SELECT ... FOR UPDATE, the KEY SHARE lock a foreign key
-- check takes on the row it points at, an INSERT waiting on a unique key), so the rule is:
-- - every transaction that writes events takes the lock as its first statement: the application
--   opens it with `Database.tenant(..., events=True)`, which calls mf_lock_tenant_events() in the
--   same round trip as the tenant settings (webapp/db/pool.py);
-- - as a safety net, any UPDATE of a conversation, message or contact takes it before the
--   statement locks its first row (a BEFORE ... FOR EACH STATEMENT trigger, the one 0014 put on
--   events), whoever forgot the flag.
-- Advisory locks are re-entrant within a transaction, so taking it again costs nothing more.
-- Event writers of one tenant thus run one at a time, from their first statement; they are
-- short and never wait on the network.

create function mf_lock_tenant_events() returns void
    language plpgsql security definer set search_path = public, pg_temp
    as $$
declare
    t bigint := mf_current_tenant();
begin
    if t is not null then
        perform pg_advisory_xact_lock(1296452691, (t % 2147483647)::integer);
    end if;
end $$;
revoke all on function mf_lock_tenant_events() from public;
grant execute on function mf_lock_tenant_events() to messageflow_app;

-- 0014's statement trigger on events now calls the same function (one place for the lock key
-- of the transaction's tenant; 0013's row trigger still locks other tenants' rows itself).
create or replace function mf_event_order_statement() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
begin
    perform mf_lock_tenant_events();
    return null;
end $$;

create trigger conversations_event_lock_first before update on conversations
    for each statement execute function mf_event_order_statement();
create trigger messages_event_lock_first before update on messages
    for each statement execute function mf_event_order_statement();
create trigger contacts_event_lock_first before update on contacts
    for each statement execute function mf_event_order_statement();
