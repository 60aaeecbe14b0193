-- Several gateway processes over one database: each device is held by exactly one of them.
--
-- Before this, one `messageflow gateway` served every tenant's devices and a session advisory
-- lock kept a second one out. Now any number may run; a device is served only by the process
-- holding its lease (one row per device in device_leases). A process renews what it holds every
-- few seconds (webapp/whatsapp/leases.py) and takes devices whose lease is free or has expired,
-- up to a fair share; a process that dies stops renewing and its devices are taken over once
-- their leases run out. Leases are compared with the database's clock only.
--
-- Holders announce themselves in gateway_holders (also when they hold nothing yet), which is
-- how the fair share is computed: ceil(devices to serve / live holders).

create table gateway_holders (
    id uuid primary key,                  -- one per process lifetime
    name text not null,                   -- host:pid, for people reading the table
    started_at timestamptz not null default now(),
    seen_until timestamptz not null       -- live while in the future (renewed with the leases)
);
-- No tenant data, and not for the application role: only the functions below touch it.
revoke all on gateway_holders from messageflow_app;

create table device_leases (
    tenant_id bigint not null,
    device_id bigint not null,
    holder uuid not null references gateway_holders (id) on delete cascade,
    holder_name text not null,
    acquired_at timestamptz not null default now(),
    lease_until timestamptz not null,
    primary key (tenant_id, device_id),
    foreign key (tenant_id, device_id) references devices (tenant_id, id) on delete cascade
);
create index device_leases_holder_idx on device_leases (holder, device_id);
alter table device_leases enable row level security;
alter table device_leases force row level security;
-- A tenant may read who holds its devices (the gateway's status writes check it); only the
-- SECURITY DEFINER functions below write leases, so there is no policy for writes.
create policy device_leases_tenant_read on device_leases for select
    using (tenant_id = mf_current_tenant());

-- Announce the holder, release what it gives back, renew what it holds, take free or expired
-- devices up to its fair share, and return what it now holds (with the share, so a holder
-- above it can give devices back). One transaction.
create function mf_gateway_lease(p_holder uuid, p_name text, p_seconds integer,
                                 p_release bigint[])
    returns table (device_id bigint, tenant_id bigint, kind text, jid text, status text,
                   lease_until timestamptz, fair_share integer, live_holders integer)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
declare
    v_until timestamptz := now() + make_interval(secs => p_seconds);
    v_live integer;
    v_share integer;
    v_held integer;
    v_taken integer;
begin
    insert into gateway_holders as h (id, name, seen_until) values (p_holder, p_name, v_until)
    on conflict (id) do update set name = excluded.name, seen_until = excluded.seen_until;
    -- Holders gone for an hour are forgotten (their expired leases go with them).
    delete from gateway_holders h where h.seen_until < now() - interval '1 hour';
    delete from device_leases l
        where l.holder = p_holder and l.device_id = any(coalesce(p_release, '{}'));
    update device_leases l set lease_until = v_until where l.holder = p_holder;

    select count(*) into v_live from gateway_holders h where h.seen_until > now();
    select ceil(count(*)::numeric / greatest(v_live, 1)) into v_share
        from devices d where d.status <> 'logged_out';
    select count(*) into v_held from device_leases l where l.holder = p_holder;
    if v_held < v_share then
        -- Expired leases first, skipping any another holder has locked (it is renewing or
        -- taking them): nobody waits here.
        with expired as (
            select x.tenant_id, x.device_id from device_leases x
            join devices d on d.tenant_id = x.tenant_id and d.id = x.device_id
            where x.lease_until <= now() and x.holder <> p_holder and d.status <> 'logged_out'
            order by x.device_id
            limit v_share - v_held
            for update of x skip locked)
        update device_leases l
        set holder = p_holder, holder_name = p_name, acquired_at = now(), lease_until = v_until
        from expired e where l.tenant_id = e.tenant_id and l.device_id = e.device_id;
        get diagnostics v_taken = row_count;
        -- Then devices nobody holds. Inserted in device order: two holders racing for the
        -- same devices wait on each other in one order only, and the loser's row is skipped.
        insert into device_leases (tenant_id, device_id, holder, holder_name, lease_until)
        select d.tenant_id, d.id, p_holder, p_name, v_until
        from devices d
        where d.status <> 'logged_out'
          and not exists (select 1 from device_leases x
                          where x.tenant_id = d.tenant_id and x.device_id = d.id)
        order by d.id
        limit v_share - v_held - v_taken
        on conflict on constraint device_leases_pkey do nothing;
    end if;

    return query
        select d.id, d.tenant_id, d.kind, d.jid, d.status, l.lease_until, v_share, v_live
        from device_leases l join devices d on d.tenant_id = l.tenant_id and d.id = l.device_id
        where l.holder = p_holder
        order by d.id;
end $$;

-- Give devices back at once (NULL: everything, and forget the holder): a graceful stop or a
-- holder above its fair share, after it has disconnected them.
create function mf_gateway_release(p_holder uuid, p_devices bigint[])
    returns integer
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
declare
    v_count integer;
begin
    if p_devices is null then
        select count(*) into v_count from device_leases l where l.holder = p_holder;
        delete from gateway_holders h where h.id = p_holder;
    else
        delete from device_leases l where l.holder = p_holder and l.device_id = any(p_devices);
        get diagnostics v_count = row_count;
    end if;
    return v_count;
end $$;

revoke all on function mf_gateway_lease(uuid, text, integer, bigint[]) from public;
revoke all on function mf_gateway_release(uuid, bigint[]) from public;
grant execute on function mf_gateway_lease(uuid, text, integer, bigint[]),
    mf_gateway_release(uuid, bigint[]) to messageflow_app;

-- The outbox sender claims only sends of devices its process holds. A send claimed by a
-- process that has since died (its holder is no longer live) is taken over at once by the
-- device's new holder instead of waiting out the 60 s claim lease; the claim guard (status
-- and attempt number) still keeps a late writer from overwriting the new outcome.
alter table outbox add column claimed_by uuid;

drop function mf_claim_outbox(integer, timestamptz, integer);
create function mf_claim_outbox(p_limit integer, p_now timestamptz, p_lease_seconds integer,
                                p_holder uuid)
    returns table (id bigint, tenant_id bigint, device_id bigint, message_id bigint,
                   attempts integer)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    with due as (
        select o.id from outbox o
        where o.status in ('queued', 'sending')
          and (o.next_attempt_at <= coalesce(p_now, now())
               or (p_holder is not null and o.status = 'sending'
                   and o.claimed_by is distinct from p_holder
                   and not exists (select 1 from gateway_holders h
                                   where h.id = o.claimed_by and h.seen_until > now())))
          and (p_holder is null
               or exists (select 1 from device_leases l
                          where l.tenant_id = o.tenant_id and l.device_id = o.device_id
                            and l.holder = p_holder and l.lease_until > now()))
        order by o.next_attempt_at, o.id
        limit p_limit
        for update of o skip locked)
    update outbox o set status = 'sending', attempts = o.attempts + 1, updated_at = now(),
                        claimed_by = p_holder,
                        next_attempt_at = coalesce(p_now, now())
                                          + make_interval(secs => p_lease_seconds)
    from due where o.id = due.id
    returning o.id, o.tenant_id, o.device_id, o.message_id, o.attempts
    $$;
revoke all on function mf_claim_outbox(integer, timestamptz, integer, uuid) from public;
grant execute on function mf_claim_outbox(integer, timestamptz, integer, uuid)
    to messageflow_app;

-- The one-gateway advisory lock is gone with the old function; mf_gateway_devices stays (the
-- devices API tests and tools list what the gateways should serve with it).
