-- webapp/tenants/invitations.py: accepting and revoking invitations.

-- name: select_account_exists
-- Whether an address already has an account (SECURITY DEFINER lookup by email).
select 1 from mf_login_lookup(%(email)s)

-- name: lock_invitation
-- One invitation of the current tenant, locked.
select id, email, role, invited_by, expires_at, accepted_at, accepted_by, revoked_at, created_at,
       case when accepted_at is not null then 'accepted' when revoked_at is not null then 'revoked'
            when expires_at <= now() then 'expired' else 'pending' end as status
from invitations where id = %(id)s for update

-- name: revoke_invitation
-- Withdraw a pending invitation.
update invitations set revoked_at = now(), revoked_by = %(by)s
where id = %(id)s and accepted_at is null and revoked_at is null
returning id, email, role, invited_by, expires_at, accepted_at, accepted_by, revoked_at,
          created_at, 'revoked' as status
