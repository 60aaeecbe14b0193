-- The daily Dagster pipelines: per-tenant day digests and per-conversation day summaries, the
-- LLM cost rollup by tenant-local day, and budget alerts. Partition key D always means "each
-- tenant's local day D" (tenants.timezone); budget months are UTC months, like the limits that
-- enforce the budgets. Every table carries tenant_id with ENABLE + FORCE ROW LEVEL SECURITY.

-- Daily summaries and the Parquet export read one tenant-day of messages by time.
create index if not exists messages_tenant_sent_at_idx on messages (tenant_id, sent_at);

-- A per-conversation summary written by the daily job carries its local day; a re-run of the
-- day replaces exactly these rows (day is NULL for on-demand summaries, which it never touches).
alter table conversation_summaries add column day date;
create unique index conversation_summaries_day_key
    on conversation_summaries (tenant_id, day, conversation_id) where day is not null;

-- One digest per tenant and local day (the daily_summary feature), replaced on re-run.
create table daily_summaries (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    day date not null,
    timezone text not null,
    window_start timestamptz not null,
    window_end timestamptz not null,
    summary text not null,
    highlights jsonb not null default '[]'::jsonb,
    open_issues jsonb not null default '[]'::jsonb,
    action_items jsonb not null default '[]'::jsonb,
    messages integer not null default 0 check (messages >= 0),
    inbound integer not null default 0 check (inbound >= 0),
    outbound integer not null default 0 check (outbound >= 0),
    conversations integer not null default 0 check (conversations >= 0),
    important integer not null default 0 check (important >= 0),
    conversation_summaries integer not null default 0 check (conversation_summaries >= 0),
    usage_log_id bigint references llm_usage_logs (id) on delete set null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    prompt_version text not null,
    heuristic boolean not null default false,
    created_at timestamptz not null default now(),
    unique (tenant_id, day),
    check (window_end > window_start),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
);
alter table daily_summaries enable row level security;
alter table daily_summaries force row level security;
create policy daily_summaries_tenant on daily_summaries
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The ledger rolled up: tenant x provider x model x feature x local day. provider_id is NULL
-- for the built-in local analyser (hence NULLS NOT DISTINCT); cost_usd is NULL when no call of
-- the group was priced; latency percentiles are over successful calls.
create table llm_cost_daily (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    day date not null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    feature text not null,
    calls integer not null check (calls >= 0),
    failures integer not null check (failures >= 0),
    invalid_outputs integer not null check (invalid_outputs >= 0),
    input_tokens bigint not null check (input_tokens >= 0),
    output_tokens bigint not null check (output_tokens >= 0),
    cost_usd numeric(18, 8) check (cost_usd >= 0),
    unpriced_calls integer not null check (unpriced_calls >= 0),
    latency_p50_ms double precision,
    latency_p95_ms double precision,
    computed_at timestamptz not null default now(),
    unique nulls not distinct (tenant_id, day, provider_id, provider_kind, model, feature)
);
create index llm_cost_daily_provider_idx on llm_cost_daily (tenant_id, provider_id, day);
alter table llm_cost_daily enable row level security;
alter table llm_cost_daily force row level security;
create policy llm_cost_daily_tenant on llm_cost_daily
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- A provider's month-to-date spend crossed 80% or 100% of its monthly budget: recorded once per
-- threshold per UTC month (the unique key), and only the inserting transaction appends the
-- provider.budget event, so the feed pushes each alert exactly once.
create table llm_budget_alerts (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint not null,
    month date not null check (extract(day from month) = 1),
    threshold smallint not null check (threshold in (80, 100)),
    spend_usd numeric(18, 8) not null check (spend_usd >= 0),
    budget_usd numeric(14, 6) not null check (budget_usd >= 0),
    created_at timestamptz not null default now(),
    unique (tenant_id, provider_id, month, threshold),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
alter table llm_budget_alerts enable row level security;
alter table llm_budget_alerts force row level security;
create policy llm_budget_alerts_tenant on llm_budget_alerts
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
