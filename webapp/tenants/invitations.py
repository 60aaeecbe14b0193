"""Accepting, previewing and revoking invitations (Flask-free).

An invitation is bound to an email address, single-use, and expires. The person it was sent to
joins either by registering (webapp.auth.service.register, a new account) or, with an existing
account, by accepting it while signed in (`accept`): one account can belong to several tenants
and can rejoin a tenant that removed it; an account that is signed out (or belongs to no
tenant any more) signs in with the token instead: POST /auth/login {email, password,
invitation_token}. The link the inviter shares opens the accept page,
`/invite#token=<token>`: the token travels in the fragment, which browsers never send to the
server, so it stays out of access logs.
"""

from __future__ import annotations

from typing import Any

from webapp.audit import service as audit
from webapp.auth.service import find_invitation, join_invitation
from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import Conflict, NotFound
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


def invitation_path(token: str) -> str:
    """The path of the accept page for a token (prefix it with the site's address)."""
    return f"/invite#token={token}"


def preview(db: Database, token: str) -> dict[str, Any]:
    """What the accept page shows before anyone signs in: the tenant, the invited address,
    the role, and whether that address already has an account (sign in) or not (register)."""
    with db.system() as conn:
        row = find_invitation(conn, token)
        account = conn.execute(Q.select_account_exists, {"email": row["email"]}).fetchone()
    return {"tenant": {"id": int(row["tenant_id"]), "name": row["tenant_name"]},
            "email": row["email"], "role": row["role"], "expires_at": row["expires_at"],
            "account_exists": account is not None}


def accept(db: Database, p: Principal, token: str, meta: RequestMeta) -> dict[str, Any]:
    """Make the signed-in account a member of the inviting tenant (rejoining after a removal
    works the same way). 403 when the invitation was sent to another address; 409 when the
    account is a member already (the invitation then stays unused)."""
    with db.system() as conn:
        row = join_invitation(conn, p.user_id, p.email, token, meta)
    return {"tenant": {"id": int(row["tenant_id"]), "name": row["tenant_name"]},
            "role": row["role"], "user_id": p.user_id}


def revoke(db: Database, p: Principal, invitation_id: int, meta: RequestMeta) -> dict[str, Any]:
    """Withdraw a pending invitation (404 for another tenant's or an unknown id; 409 when it
    was used already)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.lock_invitation, {"id": invitation_id}).fetchone()
        if row is None:
            raise NotFound("No such invitation.", code="invitation_not_found")
        if row["accepted_at"] is not None:
            raise Conflict("This invitation was already accepted.", code="invitation_used")
        if row["revoked_at"] is None:
            row = conn.execute(Q.revoke_invitation, {"id": invitation_id,
                                                     "by": p.user_id}).fetchone()
            assert row is not None
            audit.record(conn, p.tenant_id, p.user_id, "invitations.revoke", meta,
                         target_type="invitation", target_id=invitation_id,
                         before={"email": row["email"], "role": row["role"]})
    return dict(row)
