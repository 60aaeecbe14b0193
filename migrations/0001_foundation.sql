-- Foundation: the app role, tenancy helpers, tenants/users/memberships, auth sessions,
-- invitations, audit and activity logs, and the realtime events table. Every table that
-- carries tenant_id has ENABLE + FORCE ROW LEVEL SECURITY and a policy on app.tenant_id.

do $$
begin
    if not (select rolsuper or rolbypassrls from pg_roles where rolname = current_user) then
        raise exception 'migrations must run as a superuser or a role with BYPASSRLS: '
            'the mf_* cross-tenant functions are owned by the migrating role';
    end if;
end $$;

-- The role every application query runs as: not a superuser, not the owner, no BYPASSRLS.
do $$
begin
    create role messageflow_app nologin nosuperuser nobypassrls noinherit;
exception when duplicate_object then null;
end $$;

do $$
begin
    if not (select rolsuper from pg_roles where rolname = current_user) then
        execute format('grant messageflow_app to %I', current_user);
    end if;
end $$;

grant usage on schema public to messageflow_app;
grant select on schema_migrations to messageflow_app;
alter default privileges in schema public
    grant select, insert, update, delete on tables to messageflow_app;
alter default privileges in schema public
    grant usage, select on sequences to messageflow_app;
alter default privileges in schema public revoke execute on functions from public;

-- The tenant and user of the current transaction (NULL when unset: no rows, not an error).
create function mf_current_tenant() returns bigint
    language sql stable
    as $$ select nullif(current_setting('app.tenant_id', true), '')::bigint $$;
create function mf_current_user() returns bigint
    language sql stable
    as $$ select nullif(current_setting('app.user_id', true), '')::bigint $$;
grant execute on function mf_current_tenant(), mf_current_user() to messageflow_app;

create table tenants (
    id bigint generated always as identity primary key,
    name text not null check (length(name) between 1 and 200),
    timezone text not null default 'UTC',
    created_at timestamptz not null default now()
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenants_self on tenants
    using (id = mf_current_tenant()) with check (id = mf_current_tenant());

create table users (
    id bigint generated always as identity primary key,
    email text not null,
    name text not null,
    password_hash text not null,
    created_at timestamptz not null default now(),
    last_login_at timestamptz
);
create unique index users_email_key on users (lower(email));

create table memberships (
    tenant_id bigint not null references tenants (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    role text not null check (role in ('owner', 'admin', 'manager', 'member', 'viewer')),
    created_at timestamptz not null default now(),
    primary key (tenant_id, user_id)
);
create index memberships_user_idx on memberships (user_id);
alter table memberships enable row level security;
alter table memberships force row level security;
create policy memberships_tenant on memberships
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Users are global; a tenant sees its members and the signed-in user sees themself.
alter table users enable row level security;
alter table users force row level security;
create policy users_visible on users
    using (id = mf_current_user()
           or exists (select 1 from memberships m where m.user_id = users.id));

create table invitations (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    email text not null,
    role text not null check (role in ('admin', 'manager', 'member', 'viewer')),
    token_hash bytea not null unique,
    invited_by bigint references users (id) on delete set null,
    expires_at timestamptz not null,
    accepted_at timestamptz,
    accepted_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now()
);
create index invitations_tenant_idx on invitations (tenant_id, id desc);
alter table invitations enable row level security;
alter table invitations force row level security;
create policy invitations_tenant on invitations
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- A sign-in session: access tokens carry its id (revoking it kills them); refresh tokens rotate.
create table auth_sessions (
    id uuid primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    revoked_reason text,
    ip inet,
    user_agent text
);
create index auth_sessions_user_idx on auth_sessions (tenant_id, user_id);
alter table auth_sessions enable row level security;
alter table auth_sessions force row level security;
create policy auth_sessions_tenant on auth_sessions
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table refresh_tokens (
    id uuid primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    session_id uuid not null references auth_sessions (id) on delete cascade,
    expires_at timestamptz not null,
    used_at timestamptz,
    replaced_by uuid,
    created_at timestamptz not null default now()
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);
alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;
create policy refresh_tokens_tenant on refresh_tokens
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table audit_logs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    actor_user_id bigint references users (id) on delete set null,
    action text not null,
    outcome text not null check (outcome in ('allowed', 'denied')),
    target_type text,
    target_id text,
    before jsonb,
    after jsonb,
    details jsonb not null default '{}'::jsonb,
    ip inet,
    user_agent text,
    created_at timestamptz not null default now()
);
create index audit_logs_tenant_idx on audit_logs (tenant_id, id desc);
create index audit_logs_actor_idx on audit_logs (tenant_id, actor_user_id, id desc);
alter table audit_logs enable row level security;
alter table audit_logs force row level security;
create policy audit_logs_tenant on audit_logs
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table user_activity_logs (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    user_id bigint references users (id) on delete set null,
    activity text not null,
    ip inet,
    user_agent text,
    details jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now()
);
create index user_activity_logs_idx on user_activity_logs (tenant_id, user_id, id desc);
alter table user_activity_logs enable row level security;
alter table user_activity_logs force row level security;
create policy user_activity_logs_tenant on user_activity_logs
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The realtime feed: one row per change; NOTIFY carries "<tenant>:<id>", never data.
create table events (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    type text not null,
    data jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now()
);
create index events_tenant_idx on events (tenant_id, id);
alter table events enable row level security;
alter table events force row level security;
create policy events_tenant on events
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create function mf_notify_event() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('mf_events', new.tenant_id::text || ':' || new.id::text);
    return null;
end $$;
create trigger events_notify after insert on events
    for each row execute function mf_notify_event();

-- Cross-tenant paths: narrow SECURITY DEFINER functions, each named for its one job.
create function mf_login_lookup(p_email text)
    returns table (user_id bigint, name text, password_hash text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, name, password_hash from users where lower(email) = lower(p_email) $$;

create function mf_user_tenants(p_user_id bigint)
    returns table (tenant_id bigint, tenant_name text, role text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select t.id, t.name, m.role from memberships m join tenants t on t.id = m.tenant_id
          where m.user_id = p_user_id order by m.created_at, t.id $$;

create function mf_create_tenant(p_name text, p_timezone text default 'UTC') returns bigint
    language sql volatile security definer set search_path = public, pg_temp
    as $$ insert into tenants (name, timezone) values (p_name, p_timezone) returning id $$;

create function mf_create_user(p_email text, p_name text, p_password_hash text) returns bigint
    language sql volatile security definer set search_path = public, pg_temp
    as $$ insert into users (email, name, password_hash) values (p_email, p_name, p_password_hash)
          returning id $$;

create function mf_touch_login(p_user_id bigint) returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$ update users set last_login_at = now() where id = p_user_id $$;

create function mf_find_invitation(p_token_hash bytea)
    returns table (id bigint, tenant_id bigint, email text, role text,
                   expires_at timestamptz, accepted_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, tenant_id, email, role, expires_at, accepted_at from invitations
          where token_hash = p_token_hash $$;

create function mf_list_tenants()
    returns table (id bigint, name text, timezone text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, name, timezone from tenants order by id $$;

grant execute on function mf_login_lookup(text), mf_user_tenants(bigint),
    mf_create_tenant(text, text), mf_create_user(text, text, text), mf_touch_login(bigint),
    mf_find_invitation(bytea), mf_list_tenants() to messageflow_app;

-- The app role never reads password hashes nor creates users directly.
revoke select, insert, update on users from messageflow_app;
grant select (id, email, name, created_at, last_login_at) on users to messageflow_app;
grant update (name) on users to messageflow_app;
