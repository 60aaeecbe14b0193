-- Issue 14, the admin side: tenant settings, invitations anyone can accept, accounts in several
-- tenants, and the profile (password change, sign out everywhere).
-- 1. A tenant's business hours (per weekday, local to its time zone; null = closed) and its
--    first-response target in minutes (null = none). The time zone itself already exists
--    (tenants.timezone) and is now editable; analytics and daily summaries read it from here.
-- 2. Invitations can be revoked (a revoked one can no longer be accepted); mf_find_invitation
--    returns the revocation and the tenant's name, for the accept page.
-- 3. Password changes and "sign out everywhere" act across every tenant the user belongs to:
--    sessions live in each tenant's rows, so two narrow SECURITY DEFINER functions do it.
-- 4. Device rows say whether they are simulated.

alter table tenants
    add column business_hours jsonb not null default
        '{"mon": {"start": "09:00", "end": "17:00"}, "tue": {"start": "09:00", "end": "17:00"},
          "wed": {"start": "09:00", "end": "17:00"}, "thu": {"start": "09:00", "end": "17:00"},
          "fri": {"start": "09:00", "end": "17:00"}, "sat": null, "sun": null}'::jsonb,
    add column first_response_target_minutes integer
        check (first_response_target_minutes between 1 and 10080),
    add column updated_at timestamptz not null default now(),
    add constraint tenants_business_hours_object check (jsonb_typeof(business_hours) = 'object');

alter table invitations
    add column revoked_at timestamptz,
    add column revoked_by bigint references users (id) on delete set null;

drop function mf_find_invitation(bytea);
create function mf_find_invitation(p_token_hash bytea)
    returns table (id bigint, tenant_id bigint, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz, tenant_name text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select i.id, i.tenant_id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at,
                 t.name
          from invitations i join tenants t on t.id = i.tenant_id
          where i.token_hash = p_token_hash $$;

-- The password hash of the signed-in user (the app role never reads users.password_hash).
create function mf_user_password_hash(p_user_id bigint) returns text
    language sql stable security definer set search_path = public, pg_temp
    as $$ select password_hash from users where id = p_user_id $$;

create function mf_set_password(p_user_id bigint, p_password_hash text) returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$ update users set password_hash = p_password_hash where id = p_user_id $$;

-- End every live session of a user in every tenant, except p_keep (null: all of them); the
-- sessions' triggers tell each web process to close the matching sockets. Returns how many.
create function mf_revoke_user_sessions(p_user_id bigint, p_keep uuid, p_reason text)
    returns integer
    language sql volatile security definer set search_path = public, pg_temp
    as $$ with ended as (
              update auth_sessions set revoked_at = now(), revoked_reason = p_reason
              where user_id = p_user_id and revoked_at is null
                and (p_keep is null or id <> p_keep)
              returning 1)
          select count(*)::integer from ended $$;

grant execute on function mf_find_invitation(bytea), mf_user_password_hash(bigint),
    mf_set_password(bigint, text), mf_revoke_user_sessions(bigint, uuid, text)
    to messageflow_app;

create or replace function mf_device_json(d devices) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', d.id, 'kind', d.kind, 'simulated', d.kind = 'simulator', 'jid', d.jid,
        'display_name', d.display_name,
        'status', d.status, 'has_qr', d.qr_payload is not null,
        'qr_updated_at', mf_ts(d.qr_updated_at), 'last_seen', mf_ts(d.last_seen),
        'last_error', d.last_error, 'created_at', mf_ts(d.created_at),
        'pair_phone', d.pair_phone, 'has_pair_code', d.pair_code is not null,
        'updated_at', mf_ts(d.updated_at))
    $$;
