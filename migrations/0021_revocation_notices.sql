-- Revocations reach open WebSockets: whatever ends a session or changes a membership announces
-- it on the `mf_revocations` channel, in the same transaction, so it is sent only on commit.
--
-- Triggers rather than calls in each service: no writer can forget (logout, refresh-token reuse,
-- member removal, role change, and any later path such as a password change or a deleted user
-- or tenant, whose cascades delete these rows). Every web process LISTENs on the channel and
-- closes the matching sockets (webapp/realtime/revocations.py). Like `mf_events`, the payload
-- carries ids only: {"t": tenant, "u": user, "s": session id or null for all of the user's
-- sessions in the tenant, "r": "signed_out" | "role_changed" | "removed"}. A session id in a
-- notice is always one that no longer works.

create function mf_notify_session_ended() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('mf_revocations', json_build_object(
        't', old.tenant_id, 'u', old.user_id, 's', old.id::text, 'r', 'signed_out')::text);
    return null;
end $$;

-- Ended = revoked, or its expiry moved into the past; a deleted live session ends too.
create trigger auth_sessions_ended after update of revoked_at, expires_at on auth_sessions
    for each row
    when (old.revoked_at is null and old.expires_at > now()
          and (new.revoked_at is not null or new.expires_at <= now()))
    execute function mf_notify_session_ended();
create trigger auth_sessions_deleted after delete on auth_sessions
    for each row when (old.revoked_at is null)
    execute function mf_notify_session_ended();

create function mf_notify_membership_changed() returns trigger
    language plpgsql
    as $$
declare
    reason text := 'role_changed';
begin
    if tg_op = 'DELETE' or (old.tenant_id, old.user_id) <> (new.tenant_id, new.user_id) then
        reason := 'removed';
    end if;
    perform pg_notify('mf_revocations', json_build_object(
        't', old.tenant_id, 'u', old.user_id, 's', null, 'r', reason)::text);
    return null;
end $$;

create trigger memberships_changed after update on memberships
    for each row
    when (old.role is distinct from new.role
          or (old.tenant_id, old.user_id) <> (new.tenant_id, new.user_id))
    execute function mf_notify_membership_changed();
create trigger memberships_removed after delete on memberships
    for each row execute function mf_notify_membership_changed();
