-- Requests from the web process to the gateway process about one device (issue 13): the web
-- process cannot reach the gateway directly, so it writes a row here and the gateway process
-- that holds the device (webapp.whatsapp.device_requests) claims it on its next pass, runs it
-- with the device's client and stores the outcome. Today one kind: `sync_contacts`, read the
-- paired phone's address book (neonize's contact store) into contacts.display_name.
--   state    pending -> running (claimed; leased until lease_until) -> done | failed
--   result   what the run found (counts), shown on the WhatsApp numbers screen
create table device_requests (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    device_id bigint not null,
    kind text not null check (kind in ('sync_contacts')),
    state text not null default 'pending'
        check (state in ('pending', 'running', 'done', 'failed')),
    requested_by bigint references users (id) on delete set null,
    attempts integer not null default 0,
    lease_until timestamptz,
    result jsonb,
    error text,
    created_at timestamptz not null default now(),
    finished_at timestamptz,
    unique (tenant_id, id),
    foreign key (tenant_id, device_id) references devices (tenant_id, id) on delete cascade
);
create index device_requests_open_idx on device_requests (device_id, id)
    where state in ('pending', 'running');
alter table device_requests enable row level security;
alter table device_requests force row level security;
create policy device_requests_tenant on device_requests
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
grant select, insert, update, delete on device_requests to messageflow_app;

-- A request as the API and its contacts.synced event show it.
create function mf_device_request_json(r device_requests) returns jsonb
    language sql stable as $$
    select jsonb_build_object(
        'id', r.id, 'device_id', r.device_id, 'kind', r.kind, 'state', r.state,
        'result', r.result, 'error', r.error, 'created_at', mf_ts(r.created_at),
        'finished_at', mf_ts(r.finished_at))
$$;
