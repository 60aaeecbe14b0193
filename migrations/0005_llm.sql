-- LLM providers and their routing, limits and health; the usage ledger of every call; analyses,
-- important messages, proposed action items, conversation summaries and the analysis queue.
-- Every table carries tenant_id with ENABLE + FORCE ROW LEVEL SECURITY; references between
-- tenant tables are composite (tenant_id, id) foreign keys, so a row can never point at another
-- tenant's provider even though foreign-key checks ignore RLS.

create table llm_providers (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    name text not null check (length(name) between 1 and 100),
    kind text not null
        check (kind in ('anthropic', 'openai', 'cohere', 'openai_compatible', 'local')),
    model text not null check (length(model) between 1 and 200),
    api_key_encrypted text,          -- v1:<key id>:<nonce|ciphertext>, aad binds the tenant
    api_key_hint text,               -- "sk-…3f9a", the only form of the key the API shows
    api_base text,
    temperature numeric(3, 2) not null default 0 check (temperature between 0 and 2),
    max_tokens integer not null default 2048 check (max_tokens between 1 and 200000),
    timeout_s numeric(6, 1) not null default 30 check (timeout_s > 0 and timeout_s <= 600),
    rpm integer check (rpm > 0),
    rpd integer check (rpd > 0),
    monthly_budget_usd numeric(14, 6) check (monthly_budget_usd >= 0),
    price_input_per_mtok numeric(12, 6) check (price_input_per_mtok >= 0),
    price_output_per_mtok numeric(12, 6) check (price_output_per_mtok >= 0),
    active boolean not null default true,
    is_default boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,          -- soft delete: the ledger and history keep pointing here
    unique (tenant_id, id),
    check ((price_input_per_mtok is null) = (price_output_per_mtok is null)),
    check (kind <> 'openai_compatible' or api_base is not null)
);
create unique index llm_providers_name_key on llm_providers (tenant_id, lower(name))
    where deleted_at is null;
create unique index llm_providers_default_key on llm_providers (tenant_id)
    where is_default and deleted_at is null;
alter table llm_providers enable row level security;
alter table llm_providers force row level security;
create policy llm_providers_tenant on llm_providers
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Configuration changes of a provider, field by field; the key only as "changed" + its hint.
create table llm_provider_history (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint not null,
    actor_user_id bigint references users (id) on delete set null,
    action text not null check (action in ('created', 'updated', 'deleted')),
    changes jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
create index llm_provider_history_idx on llm_provider_history (tenant_id, provider_id, id desc);
alter table llm_provider_history enable row level security;
alter table llm_provider_history force row level security;
create policy llm_provider_history_tenant on llm_provider_history
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table llm_feature_routes (
    tenant_id bigint not null references tenants (id) on delete cascade,
    feature text not null check (feature in ('importance_detection', 'action_extraction',
                                             'summarization', 'daily_summary',
                                             'conversation_scoring')),
    provider_id bigint not null,
    priority integer not null default 100 check (priority between 0 and 10000),
    created_at timestamptz not null default now(),
    primary key (tenant_id, feature, provider_id),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
alter table llm_feature_routes enable row level security;
alter table llm_feature_routes force row level security;
create policy llm_feature_routes_tenant on llm_feature_routes
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The ledger: one row per attempt (failed ones included). provider_id is NULL for the built-in
-- local analyser that every route ends with. cost_usd is NULL when the price is unknown.
create table llm_usage_logs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    feature text not null,
    conversation_id bigint,
    message_id bigint,
    message_count integer not null default 0 check (message_count >= 0),
    prompt_version text,
    input_tokens integer not null default 0 check (input_tokens >= 0),
    output_tokens integer not null default 0 check (output_tokens >= 0),
    cost_usd numeric(18, 8) check (cost_usd >= 0),
    unpriced boolean not null default false,
    latency_ms numeric(12, 1) not null default 0,
    status text not null
        check (status in ('ok', 'error', 'timeout', 'rate_limited', 'invalid_output')),
    error_class text,
    error_message text,              -- scrubbed of credentials by webapp.llm.errors.scrub
    valid_output boolean not null default false,
    created_at timestamptz not null default now(),
    check (unpriced = (cost_usd is null)),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
);
create index llm_usage_logs_tenant_time_idx on llm_usage_logs (tenant_id, created_at);
create index llm_usage_logs_provider_idx on llm_usage_logs (tenant_id, provider_id, created_at);
alter table llm_usage_logs enable row level security;
alter table llm_usage_logs force row level security;
create policy llm_usage_logs_tenant on llm_usage_logs
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Circuit breaker and rolling health of each provider (one row per provider).
create table llm_health (
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint not null,
    status text not null default 'unknown'
        check (status in ('unknown', 'healthy', 'degraded', 'unhealthy')),
    circuit text not null default 'closed' check (circuit in ('closed', 'open')),
    consecutive_failures integer not null default 0,
    trips integer not null default 0,
    cooldown_until timestamptz,
    probe_until timestamptz,         -- a half-open probe is in flight until then
    last_check_at timestamptz,
    last_success_at timestamptz,
    last_failure_at timestamptz,
    last_error_class text,
    updated_at timestamptz not null default now(),
    primary key (tenant_id, provider_id),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
alter table llm_health enable row level security;
alter table llm_health force row level security;
create policy llm_health_tenant on llm_health
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Requests and spend per provider and UTC day / month, maintained by every settled call;
-- held_* are reservations of calls in flight (settled or expired back to zero).
create table llm_rate_counters (
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint not null,
    period text not null check (period in ('day', 'month')),
    period_start date not null,
    requests integer not null default 0,
    held_requests integer not null default 0,
    spent_usd numeric(18, 8) not null default 0,
    held_usd numeric(18, 8) not null default 0,
    primary key (tenant_id, provider_id, period, period_start),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
alter table llm_rate_counters enable row level security;
alter table llm_rate_counters force row level security;
create policy llm_rate_counters_tenant on llm_rate_counters
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table llm_reservations (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    provider_id bigint not null,
    day date not null,
    month date not null,
    estimated_usd numeric(18, 8) not null default 0,
    actual_usd numeric(18, 8),
    status text not null default 'held' check (status in ('held', 'settled', 'expired')),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    settled_at timestamptz,
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
        on delete cascade
);
create index llm_reservations_held_idx on llm_reservations (tenant_id, provider_id, expires_at)
    where status = 'held';
create index llm_reservations_age_idx on llm_reservations (tenant_id, provider_id, created_at);
alter table llm_reservations enable row level security;
alter table llm_reservations force row level security;
create policy llm_reservations_tenant on llm_reservations
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The current analysis of each message (re-analysis replaces it).
create table message_analyses (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    usage_log_id bigint references llm_usage_logs (id) on delete set null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    prompt_version text not null,
    heuristic boolean not null default false,
    is_important boolean not null,
    priority text not null check (priority in ('urgent', 'high', 'medium', 'low')),
    reason text not null default '',
    sentiment text not null check (sentiment in ('positive', 'neutral', 'negative')),
    sentiment_score real not null check (sentiment_score between -1 and 1),
    topics text[] not null default '{}',
    language text not null,
    confidence real not null check (confidence between 0 and 1),
    created_at timestamptz not null default now(),
    unique (tenant_id, message_id),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
);
create index message_analyses_conversation_idx on message_analyses (tenant_id, conversation_id);
alter table message_analyses enable row level security;
alter table message_analyses force row level security;
create policy message_analyses_tenant on message_analyses
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table important_messages (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    analysis_id bigint references message_analyses (id) on delete set null,
    priority text not null check (priority in ('urgent', 'high', 'medium', 'low')),
    reason text not null default '',
    status text not null default 'open' check (status in ('open', 'handled', 'dismissed')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, message_id)
);
create index important_messages_open_idx on important_messages (tenant_id, status, id desc);
alter table important_messages enable row level security;
alter table important_messages force row level security;
create policy important_messages_tenant on important_messages
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Action items: proposed by analyses and summaries (keeping their source message), later
-- worked on a kanban (open -> in_progress -> done, or dismissed).
create table action_items (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    conversation_id bigint references conversations (id) on delete cascade,
    source_message_id bigint references messages (id) on delete set null,
    analysis_id bigint references message_analyses (id) on delete set null,
    description text not null check (length(description) between 1 and 500),
    due_date date,
    status text not null default 'proposed'
        check (status in ('proposed', 'open', 'in_progress', 'done', 'dismissed')),
    origin text not null default 'analysis' check (origin in ('analysis', 'summary', 'manual')),
    assignee_id bigint references users (id) on delete set null,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- Re-analysing a message does not propose the same item twice.
create unique index action_items_proposal_key
    on action_items (tenant_id, source_message_id, md5(lower(description)))
    where source_message_id is not null;
create index action_items_board_idx on action_items (tenant_id, status, id desc);
create index action_items_conversation_idx on action_items (tenant_id, conversation_id);
alter table action_items enable row level security;
alter table action_items force row level security;
create policy action_items_tenant on action_items
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table conversation_summaries (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    usage_log_id bigint references llm_usage_logs (id) on delete set null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    prompt_version text not null,
    heuristic boolean not null default false,
    since timestamptz,
    first_message_at timestamptz,
    last_message_at timestamptz,
    message_count integer not null,
    summary text not null,
    key_points jsonb not null default '[]'::jsonb,
    action_items jsonb not null default '[]'::jsonb,
    sentiment text not null check (sentiment in ('positive', 'neutral', 'negative')),
    topics text[] not null default '{}',
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
);
create index conversation_summaries_idx
    on conversation_summaries (tenant_id, conversation_id, id desc);
alter table conversation_summaries enable row level security;
alter table conversation_summaries force row level security;
create policy conversation_summaries_tenant on conversation_summaries
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The analysis queue: a job per request, an item per message, claimed FOR UPDATE SKIP LOCKED.
create table analysis_jobs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    status text not null default 'queued'
        check (status in ('queued', 'running', 'done', 'failed')),
    scope jsonb not null default '{}'::jsonb,
    total integer not null default 0,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    unique (tenant_id, id)
);
create index analysis_jobs_tenant_idx on analysis_jobs (tenant_id, id desc);
alter table analysis_jobs enable row level security;
alter table analysis_jobs force row level security;
create policy analysis_jobs_tenant on analysis_jobs
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table analysis_job_items (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    job_id bigint not null,
    message_id bigint not null references messages (id) on delete cascade,
    status text not null default 'queued'
        check (status in ('queued', 'running', 'done', 'failed', 'dead')),
    attempts integer not null default 0,
    last_error text,
    locked_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (job_id, message_id),
    foreign key (tenant_id, job_id) references analysis_jobs (tenant_id, id) on delete cascade
);
create index analysis_job_items_due_idx on analysis_job_items (id)
    where status in ('queued', 'running');
create index analysis_job_items_job_idx on analysis_job_items (tenant_id, job_id, status);
alter table analysis_job_items enable row level security;
alter table analysis_job_items force row level security;
create policy analysis_job_items_tenant on analysis_job_items
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The analysis worker serves every tenant: it claims due items here (queued ones, and running
-- ones whose lease expired after a crash), then analyses them inside each item's tenant.
create function mf_claim_analysis_items(p_limit integer, p_lease_seconds integer)
    returns table (id bigint, tenant_id bigint, job_id bigint, message_id bigint,
                   attempts integer)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    update analysis_job_items i
       set status = 'running', attempts = i.attempts + 1, updated_at = now(),
           locked_until = now() + make_interval(secs => p_lease_seconds)
    where i.id in (select id from analysis_job_items
                   where status = 'queued' or (status = 'running' and locked_until < now())
                   order by id
                   limit p_limit
                   for update skip locked)
    returning i.id, i.tenant_id, i.job_id, i.message_id, i.attempts
    $$;
grant execute on function mf_claim_analysis_items(integer, integer) to messageflow_app;
