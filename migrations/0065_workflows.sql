-- Workflows: rules that act on messages (webapp.workflows).
--
-- 1. workflows: a trigger, conditions and ordered actions (jsonb, validated by the API against
--    the vocabulary in webapp/workflows/vocabulary.py). `since_event_id` is the last event of
--    the tenant when the workflow was created or turned on: it never acts on older events.
-- 2. workflow_executions: one row per (workflow, event). UNIQUE (workflow_id, event_key) is the
--    claim: every engine (a thread in every web process) inserts with ON CONFLICT DO NOTHING
--    and only the one that inserted runs the actions, so a workflow acts once per event however
--    many processes run. Dry runs (POST /workflows/:id/test) write nothing.
-- 3. workflow_cursors: per tenant, the last event the engines have looked at (a watermark;
--    advanced with greatest(), so a slower engine never moves it back).
-- mf_workflow_tenants() lists the tenants with enabled workflows for the engines, which run
-- without a tenant.

create table workflows (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    name text not null check (length(name) between 1 and 100),
    enabled boolean not null default true,
    trigger jsonb not null,
    conditions jsonb not null default '{}'::jsonb,
    actions jsonb not null default '[]'::jsonb,
    since_event_id bigint not null default 0,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, id)
);
create index workflows_enabled_idx on workflows (tenant_id) where enabled;
alter table workflows enable row level security;
alter table workflows force row level security;
create policy workflows_tenant on workflows
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table workflow_executions (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    workflow_id bigint not null,
    event_key text not null,
    event_id bigint,
    trigger text not null,
    message_id bigint,
    status text not null default 'running' check (status in ('running', 'done')),
    matched boolean not null default false,
    skipped text,
    results jsonb not null default '[]'::jsonb,
    duration_ms integer not null default 0,
    error text,
    dry_run boolean not null default false,
    created_at timestamptz not null default now(),
    unique (workflow_id, event_key),
    foreign key (tenant_id, workflow_id) references workflows (tenant_id, id) on delete cascade
);
create index workflow_executions_list_idx on workflow_executions (tenant_id, workflow_id, id desc);
alter table workflow_executions enable row level security;
alter table workflow_executions force row level security;
create policy workflow_executions_tenant on workflow_executions
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table workflow_cursors (
    tenant_id bigint primary key references tenants (id) on delete cascade,
    last_event_id bigint not null default 0
);
alter table workflow_cursors enable row level security;
alter table workflow_cursors force row level security;
create policy workflow_cursors_tenant on workflow_cursors
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create function mf_workflow_tenants() returns table (tenant_id bigint)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select distinct w.tenant_id from workflows w where w.enabled order by 1 $$;
grant execute on function mf_workflow_tenants() to messageflow_app;
