-- Integrations (Slack, email, outbound/incoming webhooks) and their durable delivery queue
-- (webapp.integrations).
--
-- 1. integrations: one row per configured destination. `config` holds what may be shown; the
--    secrets (Slack webhook URL or bot token, SMTP password, webhook signing secret) are one
--    AES-256-GCM blob under MASTER_KEY (`secrets_encrypted`, bound to the tenant) with masked
--    hints beside it, and `secret_destination` records where they were saved to go
--    (scheme://host:port): moving it needs the secrets again.
-- 2. deliveries: the queue. A worker thread of every web process claims, per integration, the
--    OLDEST unfinished delivery (in order per integration) when it is due, through
--    mf_claim_deliveries (FOR UPDATE SKIP LOCKED + a lease); a failed attempt is retried with
--    exponential backoff and jitter until max_attempts, then the row is `dead` (dead letter).
--    Dead rows do not block the ones behind them; a replay makes a row due again.
--    Product e-mail through the deployment's SMTP_URL has no integration (integration_id null).
-- 3. delivery_attempts: one row per attempt (status code, error, duration) for the log.
-- 4. incoming_webhook_receipts: ids of accepted incoming webhooks, so a reused id is refused.

create table integrations (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    type text not null check (type in ('slack', 'email', 'webhook')),
    name text not null check (length(name) between 1 and 100),
    config jsonb not null default '{}'::jsonb,
    secrets_encrypted text,
    secret_hints jsonb not null default '{}'::jsonb,
    secret_destination text,
    active boolean not null default true,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    unique (tenant_id, id)
);
create unique index integrations_name_key on integrations (tenant_id, lower(name))
    where deleted_at is null;
alter table integrations enable row level security;
alter table integrations force row level security;
create policy integrations_tenant on integrations
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table deliveries (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    integration_id bigint,
    channel text not null check (channel in ('slack', 'email', 'webhook')),
    event_type text not null,
    source text not null default 'event'
        check (source in ('event', 'test', 'product', 'workflow')),
    message_id text not null,               -- webhook-id: the same for every attempt
    payload jsonb not null default '{}'::jsonb,
    sealed text,                            -- the payload encrypted, when it carries a secret
    summary text not null default '',
    status text not null default 'pending'
        check (status in ('pending', 'delivering', 'failed', 'delivered', 'dead')),
    attempts integer not null default 0,
    max_attempts integer not null default 6 check (max_attempts between 1 and 50),
    next_attempt_at timestamptz not null default now(),
    locked_until timestamptz,
    last_status_code integer,
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    delivered_at timestamptz,
    foreign key (tenant_id, integration_id) references integrations (tenant_id, id)
        on delete cascade
);
create index deliveries_integration_idx on deliveries (tenant_id, integration_id, id desc);
create index deliveries_unfinished_idx on deliveries (coalesce(integration_id, -tenant_id), id)
    where status in ('pending', 'delivering', 'failed');
alter table deliveries enable row level security;
alter table deliveries force row level security;
create policy deliveries_tenant on deliveries
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table delivery_attempts (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    delivery_id bigint not null references deliveries (id) on delete cascade,
    attempt integer not null,
    outcome text not null check (outcome in ('delivered', 'failed')),
    status_code integer,
    error text,
    duration_ms integer not null default 0,
    created_at timestamptz not null default now()
);
create index delivery_attempts_delivery_idx on delivery_attempts (tenant_id, delivery_id, id);
alter table delivery_attempts enable row level security;
alter table delivery_attempts force row level security;
create policy delivery_attempts_tenant on delivery_attempts
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table incoming_webhook_receipts (
    tenant_id bigint not null references tenants (id) on delete cascade,
    integration_id bigint not null,
    webhook_id text not null,
    kind text not null,
    result jsonb not null default '{}'::jsonb,
    received_at timestamptz not null default now(),
    primary key (integration_id, webhook_id),
    foreign key (tenant_id, integration_id) references integrations (tenant_id, id)
        on delete cascade
);
alter table incoming_webhook_receipts enable row level security;
alter table incoming_webhook_receipts force row level security;
create policy incoming_webhook_receipts_tenant on incoming_webhook_receipts
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Claim up to p_limit due deliveries of every tenant, at most one per integration (its oldest
-- unfinished one, so each integration is served in order), each leased for p_lease_s seconds.
-- A lease that ran out (the worker died) makes the row claimable again: at least once.
create function mf_claim_deliveries(p_limit integer, p_lease_s integer)
    returns table (id bigint, tenant_id bigint)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
#variable_conflict use_column
declare
    heads bigint[];
begin
    select array_agg(h.id) into heads from (
        select distinct on (coalesce(d.integration_id, -d.tenant_id)) d.id
        from deliveries d
        where d.status in ('pending', 'delivering', 'failed')
        order by coalesce(d.integration_id, -d.tenant_id), d.id
    ) h;
    if heads is null then
        return;
    end if;
    return query
    update deliveries d
    set status = 'delivering', attempts = d.attempts + 1, updated_at = now(),
        locked_until = now() + make_interval(secs => p_lease_s)
    where d.id in (
        select c.id from deliveries c
        where c.id = any(heads) and c.next_attempt_at <= now()
          and (c.status in ('pending', 'failed')
               or (c.status = 'delivering' and c.locked_until < now()))
        order by c.next_attempt_at, c.id
        limit p_limit
        for update skip locked)
    returning d.id, d.tenant_id;
end
$$;

-- The tenant of an integration that accepts incoming webhooks (an active webhook integration),
-- for the one unauthenticated route that must find it before it can check the signature.
create function mf_incoming_webhook_tenant(p_integration_id bigint) returns bigint
    language sql stable security definer set search_path = public, pg_temp
    as $$ select tenant_id from integrations
          where id = p_integration_id and type = 'webhook' and active and deleted_at is null $$;

grant execute on function mf_claim_deliveries(integer, integer),
    mf_incoming_webhook_tenant(bigint) to messageflow_app;
