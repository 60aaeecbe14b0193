-- Workflows, continued (webapp.workflows): time-driven triggers, crash recovery, round-robin.
--
-- 1. workflows.since_at: when the workflow was created or last turned on. The time-driven
--    triggers never act on what happened before it: `conversation.unanswered` only counts
--    stretches whose first inbound message was sent after it, `schedule` only fires due
--    minutes after it.
-- 2. workflow_executions.claimed_at / attempts / source: an engine heartbeats `claimed_at`
--    after each action and records each action's result as it goes; an execution still
--    `running` whose claim is older than the engine's timeout belongs to a dead process and
--    is taken over by another engine (an UPDATE that re-checks the age, so only one does),
--    which runs the actions not yet recorded. `source` is what the engine needs to rebuild
--    the run's context (the item and its status change, the conversation, the due minute).
-- 3. workflow_rotations: per (workflow, action), the member a round-robin assignment chose
--    last; the next run takes the next member after it (locked, so two engines never pick
--    the same member for two runs).

alter table workflows add column since_at timestamptz not null default now();

alter table workflow_executions
    add column claimed_at timestamptz not null default now(),
    add column attempts integer not null default 1,
    add column source jsonb not null default '{}'::jsonb;
create index workflow_executions_running_idx on workflow_executions (tenant_id, claimed_at)
    where status = 'running';

create table workflow_rotations (
    tenant_id bigint not null references tenants (id) on delete cascade,
    workflow_id bigint not null,
    action_index integer not null check (action_index >= 0),
    last_user_id bigint,
    turns bigint not null default 0,
    updated_at timestamptz not null default now(),
    primary key (workflow_id, action_index),
    foreign key (tenant_id, workflow_id) references workflows (tenant_id, id) on delete cascade
);
alter table workflow_rotations enable row level security;
alter table workflow_rotations force row level security;
create policy workflow_rotations_tenant on workflow_rotations
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
