-- Canned responses (issue 13): the team's saved replies, inserted from the composer with "/".
-- `shortcut` is what follows the slash (lower case letters, digits, "-" and "_"), unique per
-- tenant; `body` may hold {{variables}} (contact.name, agent.name, ...) that are filled in
-- when the response is rendered for a conversation (webapp.canned.variables).
create table canned_responses (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    shortcut text not null check (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    title text not null check (length(title) between 1 and 100),
    body text not null check (length(body) between 1 and 4096),
    created_by bigint references users (id) on delete set null,
    updated_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, shortcut)
);
alter table canned_responses enable row level security;
alter table canned_responses force row level security;
create policy canned_responses_tenant on canned_responses
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
