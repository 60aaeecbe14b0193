-- Event ids in commit order, per tenant.
--
-- Readers of the feed keep a cursor (the highest event id they have seen) and ask for ids above
-- it. An identity column hands out ids at insert time, not at commit time, so an event inserted
-- by a long transaction (an ingest batch) could commit after a later id had been read, and a
-- client reconnecting with `since` would never see it. Here every insert into events first takes
-- a transaction-level advisory lock for its tenant and only then draws the id: a transaction that
-- holds an id for tenant T keeps T's lock until it commits, so any later id of T is drawn after
-- that commit is visible. Different tenants never wait on each other.
create function mf_event_order() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
begin
    perform pg_advisory_xact_lock(1296452691, (new.tenant_id % 2147483647)::integer);
    new.id := nextval(pg_get_serial_sequence('public.events', 'id'));
    return new;
end $$;
revoke all on function mf_event_order() from public;

create trigger events_commit_order before insert on events
    for each row execute function mf_event_order();
