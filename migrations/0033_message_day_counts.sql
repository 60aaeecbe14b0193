-- Messages in and out per tenant per local day (the tenant's time zone), for the Home
-- dashboard's 7- and 30-day windows (webapp/desk_home/sql/dashboard.sql): the window's whole
-- days before today are read here (a row a day) and only today's messages from the messages
-- table, so the counters stay exactly the live counts while the window reads ~30 rows instead
-- of ~50,000 index entries per tenant at the benchmark's volume.
--
-- Kept exact by triggers on messages: inserts and deletes by statement (the ingest inserts a
-- batch in one statement: one grouped upsert per batch), and an update that moves a message
-- to another day or direction by row (rare; status updates do not fire it). A tenant's time
-- zone change recounts that tenant's rows. Bulk loads that bypass triggers
-- (session_replication_role = replica, the benchmarks) call mf_rebuild_message_day_counts.
-- Rows are locked in (tenant, day) order, so concurrent batches wait, never deadlock.

create table message_day_counts (
    tenant_id bigint not null references tenants (id) on delete cascade,
    day date not null,
    inbound bigint not null default 0,
    outbound bigint not null default 0,
    primary key (tenant_id, day)
);
alter table message_day_counts enable row level security;
alter table message_day_counts force row level security;
create policy message_day_counts_tenant on message_day_counts
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert, update, delete on message_day_counts to messageflow_app;

create function mf_message_day_counts_inserted() returns trigger
    language plpgsql
    as $$
begin
    insert into message_day_counts as d (tenant_id, day, inbound, outbound)
    select n.tenant_id, (n.sent_at at time zone t.timezone)::date,
           count(*) filter (where not n.from_me), count(*) filter (where n.from_me)
    from new_rows n join tenants t on t.id = n.tenant_id
    group by 1, 2
    order by 1, 2
    on conflict (tenant_id, day) do update
        set inbound = d.inbound + excluded.inbound, outbound = d.outbound + excluded.outbound;
    return null;
end
$$;

create function mf_message_day_counts_deleted() returns trigger
    language plpgsql
    as $$
begin
    -- only existing rows change: when a tenant is deleted its rows (and the tenant) are gone
    update message_day_counts d
    set inbound = d.inbound - o.inbound, outbound = d.outbound - o.outbound
    from (select x.tenant_id, (x.sent_at at time zone t.timezone)::date as day,
                 count(*) filter (where not x.from_me) as inbound,
                 count(*) filter (where x.from_me) as outbound
          from old_rows x join tenants t on t.id = x.tenant_id
          group by 1, 2) o
    where d.tenant_id = o.tenant_id and d.day = o.day;
    return null;
end
$$;

create function mf_message_day_counts_moved() returns trigger
    language plpgsql
    as $$
declare
    old_day date;
    new_day date;
begin
    select (old.sent_at at time zone t.timezone)::date into old_day
    from tenants t where t.id = old.tenant_id;
    select (new.sent_at at time zone t.timezone)::date into new_day
    from tenants t where t.id = new.tenant_id;
    update message_day_counts d
    set inbound = d.inbound - (not old.from_me)::int, outbound = d.outbound - old.from_me::int
    where d.tenant_id = old.tenant_id and d.day = old_day;
    insert into message_day_counts as d (tenant_id, day, inbound, outbound)
    values (new.tenant_id, new_day, (not new.from_me)::int, new.from_me::int)
    on conflict (tenant_id, day) do update
        set inbound = d.inbound + excluded.inbound, outbound = d.outbound + excluded.outbound;
    return null;
end
$$;

create trigger messages_day_counts_insert after insert on messages
    referencing new table as new_rows
    for each statement execute function mf_message_day_counts_inserted();
create trigger messages_day_counts_delete after delete on messages
    referencing old table as old_rows
    for each statement execute function mf_message_day_counts_deleted();
create trigger messages_day_counts_update after update of sent_at, from_me, tenant_id on messages
    for each row
    when (old.sent_at is distinct from new.sent_at or old.from_me is distinct from new.from_me
          or old.tenant_id is distinct from new.tenant_id)
    execute function mf_message_day_counts_moved();

-- A tenant's rows recounted from its messages (a time zone change; bulk loads).
create function mf_rebuild_message_day_counts(p_tenant_id bigint) returns void
    language sql
    as $$
    delete from message_day_counts where tenant_id = p_tenant_id;
    insert into message_day_counts (tenant_id, day, inbound, outbound)
    select m.tenant_id, (m.sent_at at time zone t.timezone)::date,
           count(*) filter (where not m.from_me), count(*) filter (where m.from_me)
    from messages m join tenants t on t.id = m.tenant_id
    where m.tenant_id = p_tenant_id
    group by 1, 2;
    $$;
grant execute on function mf_rebuild_message_day_counts(bigint) to messageflow_app;

create function mf_message_day_counts_rezoned() returns trigger
    language plpgsql
    as $$
begin
    perform mf_rebuild_message_day_counts(new.id);
    return null;
end
$$;
create trigger tenants_day_counts_timezone after update of timezone on tenants
    for each row when (old.timezone is distinct from new.timezone)
    execute function mf_message_day_counts_rezoned();

insert into message_day_counts (tenant_id, day, inbound, outbound)
select m.tenant_id, (m.sent_at at time zone t.timezone)::date,
       count(*) filter (where not m.from_me), count(*) filter (where m.from_me)
from messages m join tenants t on t.id = m.tenant_id
group by 1, 2;
