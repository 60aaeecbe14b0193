-- The two routed LLM tasks that had no product path: conversation scoring (a stored score per
-- run, the latest one is the conversation's current score) and action extraction (proposed
-- action items with origin 'extraction', keeping their source message and the ledger row of
-- the call that proposed them). Every table carries tenant_id with ENABLE + FORCE RLS.

create table conversation_scores (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    usage_log_id bigint references llm_usage_logs (id) on delete set null,
    provider_id bigint,
    provider_kind text not null,
    model text not null,
    prompt_version text not null,
    heuristic boolean not null default false,
    message_count integer not null check (message_count > 0),
    first_message_at timestamptz,
    last_message_at timestamptz,
    score integer not null check (score between 0 and 100),
    urgency text not null check (urgency in ('urgent', 'high', 'medium', 'low')),
    satisfaction text not null check (satisfaction in ('satisfied', 'neutral', 'dissatisfied')),
    reason text not null default '',
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, provider_id) references llm_providers (tenant_id, id)
);
create index conversation_scores_idx on conversation_scores (tenant_id, conversation_id, id desc);
alter table conversation_scores enable row level security;
alter table conversation_scores force row level security;
create policy conversation_scores_tenant on conversation_scores
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Items proposed by the action_extraction feature; the call that proposed an item (extraction
-- and later ones) is kept so its provider, model and prompt version can be traced in the ledger.
alter table action_items drop constraint action_items_origin_check;
alter table action_items add constraint action_items_origin_check
    check (origin in ('analysis', 'summary', 'manual', 'extraction'));
alter table action_items add column usage_log_id bigint
    references llm_usage_logs (id) on delete set null;
