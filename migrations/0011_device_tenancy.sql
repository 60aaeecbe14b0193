-- A device belongs to exactly one tenant, and so does everything stored for it.
-- Foreign keys are checked without row-level security, so `device_id references devices (id)`
-- let a tenant-A row point at tenant B's device (A's conversations on B's number; B removing the
-- device would cascade-delete A's data). Every table that references devices now does so by
-- (tenant_id, device_id) -> devices (tenant_id, id): a row can only name a device of its own
-- tenant. ON DELETE CASCADE is kept as it was.

-- Refuse to start from a database that already mixes tenants (the constraints below would fail
-- with a less helpful message): such rows need a person to decide whose they are.
do $$
declare
    bad text;
begin
    select string_agg(format('%s: %s row(s)', t, n), ', ') into bad
    from (
        select 'conversations' as t, count(*) as n from conversations c
            join devices d on d.id = c.device_id where d.tenant_id <> c.tenant_id
        union all
        select 'messages', count(*) from messages m
            join devices d on d.id = m.device_id where d.tenant_id <> m.tenant_id
        union all
        select 'message_ops', count(*) from message_ops o
            join devices d on d.id = o.device_id where d.tenant_id <> o.tenant_id
        union all
        select 'outbox', count(*) from outbox o
            join devices d on d.id = o.device_id where d.tenant_id <> o.tenant_id
    ) counts
    where n > 0;
    if bad is not null then
        raise exception 'rows reference another tenant''s device (%); fix them before migrating',
            bad;
    end if;
end
$$;

alter table devices add constraint devices_tenant_id_id_key unique (tenant_id, id);

alter table conversations drop constraint conversations_device_id_fkey,
    add constraint conversations_device_fkey foreign key (tenant_id, device_id)
        references devices (tenant_id, id) on delete cascade;

alter table messages drop constraint messages_device_id_fkey,
    add constraint messages_device_fkey foreign key (tenant_id, device_id)
        references devices (tenant_id, id) on delete cascade;

alter table message_ops drop constraint message_ops_device_id_fkey,
    add constraint message_ops_device_fkey foreign key (tenant_id, device_id)
        references devices (tenant_id, id) on delete cascade;

alter table outbox drop constraint outbox_device_id_fkey,
    add constraint outbox_device_fkey foreign key (tenant_id, device_id)
        references devices (tenant_id, id) on delete cascade;

-- conversations, messages and message_ops already have an index led by (tenant_id, device_id)
-- (their unique keys); the outbox gets one so removing a device does not scan it.
create index outbox_device_idx on outbox (tenant_id, device_id);
