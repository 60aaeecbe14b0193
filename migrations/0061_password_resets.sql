-- Password reset (webapp.password_reset): a single-use token valid for one hour, stored hashed.
-- Users are global, so the table has no tenant and the application role cannot touch it: only
-- the two functions below do, each named for its one job.

create table password_reset_tokens (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    token_hash bytea not null unique,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id);
revoke all on password_reset_tokens from messageflow_app;

-- Store a token for the account with this e-mail, if there is one, and return whom to write to
-- and through which tenant (the first the user joined). No row: no such account.
create function mf_password_reset_issue(p_email text, p_token_hash bytea, p_ttl_s integer)
    returns table (user_id bigint, name text, email text, tenant_id bigint)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
#variable_conflict use_column
declare
    u users;
    t bigint;
begin
    select * into u from users where lower(users.email) = lower(p_email);
    if not found then
        return;
    end if;
    select m.tenant_id into t from memberships m where m.user_id = u.id
    order by m.created_at, m.tenant_id limit 1;
    if t is null then
        return;
    end if;
    insert into password_reset_tokens (user_id, token_hash, expires_at)
    values (u.id, p_token_hash, now() + make_interval(secs => p_ttl_s));
    return query select u.id, u.name, u.email, t;
end
$$;

-- Spend a token (unused, unexpired): set the new password hash, spend every other token of the
-- user and end all the user's sessions in every tenant. Returns the user and their tenants;
-- no row when the token is unknown, used or expired.
create function mf_password_reset_confirm(p_token_hash bytea, p_password_hash text)
    returns table (user_id bigint, tenant_ids bigint[])
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
#variable_conflict use_column
declare
    v_user bigint;
begin
    update password_reset_tokens r set used_at = now()
    where r.token_hash = p_token_hash and r.used_at is null and r.expires_at > now()
    returning r.user_id into v_user;
    if v_user is null then
        return;
    end if;
    update password_reset_tokens r set used_at = now()
    where r.user_id = v_user and r.used_at is null;
    update users set password_hash = p_password_hash where id = v_user;
    update auth_sessions s set revoked_at = now(), revoked_reason = 'password_reset'
    where s.user_id = v_user and s.revoked_at is null;
    return query select v_user, coalesce(array_agg(m.tenant_id order by m.tenant_id), '{}')
                 from memberships m where m.user_id = v_user;
end
$$;

grant execute on function mf_password_reset_issue(text, bytea, integer),
    mf_password_reset_confirm(bytea, text) to messageflow_app;
