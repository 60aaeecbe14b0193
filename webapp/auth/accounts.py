"""One account, several tenants: memberships, switching tenant, the profile (name, password)
and signing out everywhere (Flask-free).

A session belongs to one tenant (tokens carry `tid` and `sid`), so switching opens a session in
the other tenant and ends the current one. Ending "every other session" reaches the account's
sessions in all its tenants through mf_revoke_user_sessions (SECURITY DEFINER, migration 0050).
"""

from __future__ import annotations

from typing import Any

from webapp.audit import service as audit
from webapp.auth.lockout import LoginLockout
from webapp.auth.service import Grant, open_session
from webapp.db import Database, set_tenant
from webapp.db.queries import load
from webapp.errors import NotFound, ValidationFailed
from webapp.security.passwords import hash_password, verify_password
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


def memberships(db: Database, p: Principal) -> list[dict[str, Any]]:
    """Every tenant the signed-in user belongs to, with their role there (oldest first)."""
    with db.system() as conn:
        rows = conn.execute(Q.select_memberships, {"user_id": p.user_id}).fetchall()
    return [{"tenant_id": int(r["tenant_id"]), "tenant_name": r["tenant_name"],
             "role": r["role"], "current": int(r["tenant_id"]) == p.tenant_id} for r in rows]


def switch_tenant(db: Database, p: Principal, tenant_id: int, meta: RequestMeta,
                  ttl_s: int) -> Grant:
    """A session in another tenant of the user (NotFound when not a member); the current
    session ends once the new one exists."""
    with db.system() as conn:
        rows = conn.execute(Q.select_memberships, {"user_id": p.user_id}).fetchall()
        target = next((r for r in rows if int(r["tenant_id"]) == tenant_id), None)
        if target is None:
            raise NotFound("You are not a member of that tenant.", code="not_a_member")
        set_tenant(conn, tenant_id, p.user_id)
        session_id, refresh_id = open_session(conn, p.user_id, meta, ttl_s)
        audit.activity(conn, p.user_id, "switch_tenant", meta,
                       {"from_tenant_id": p.tenant_id})
    if tenant_id != p.tenant_id:
        with db.tenant(p.tenant_id, p.user_id) as conn:
            conn.execute(Q.revoke_own_session, {"id": p.session_id, "reason": "switched"})
    return Grant(p.user_id, p.email, p.name, str(target["role"]), tenant_id,
                 str(target["tenant_name"]), session_id, refresh_id)


def profile(db: Database, p: Principal) -> dict[str, Any]:
    """The signed-in user's own account."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_profile).fetchone()
    if row is None:
        raise NotFound("No such user.")
    return {**row, "memberships": memberships(db, p)}


def update_profile(db: Database, p: Principal, name: str, meta: RequestMeta) -> dict[str, Any]:
    """Change the user's display name (the same in every tenant)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        conn.execute(Q.update_profile_name, {"name": name})
        audit.activity(conn, p.user_id, "profile_update", meta, {"name": name})
    return profile(db, p)


def change_password(db: Database, p: Principal, current: str, new: str, meta: RequestMeta,
                    lockout: LoginLockout | None = None) -> int:
    """Set a new password after checking the current one; every other session of the account
    (in every tenant) ends, this one stays. Returns how many sessions ended.

    A wrong current password counts as a failed sign-in for the address (the same lockout)."""
    if lockout is not None:
        lockout.check(p.email)
    with db.system() as conn:
        row = conn.execute(Q.select_password_hash, {"user_id": p.user_id}).fetchone()
    if row is None or not verify_password(row["hash"], current):
        if lockout is not None:
            lockout.record_failure(p.email)
        raise ValidationFailed("The current password is wrong.", code="wrong_password",
                               details={"fields": {"current_password": "is wrong"}})
    with db.tenant(p.tenant_id, p.user_id) as conn:
        conn.execute(Q.set_password, {"user_id": p.user_id, "hash": hash_password(new)})
        ended = conn.execute(Q.revoke_user_sessions, {
            "user_id": p.user_id, "keep": p.session_id, "reason": "password_changed"}).fetchone()
        audit.record(conn, p.tenant_id, p.user_id, "auth.password_change", meta,
                     target_type="user", target_id=p.user_id,
                     details={"other_sessions_ended": ended["n"] if ended else 0})
    return int(ended["n"]) if ended else 0


def sign_out_everywhere(db: Database, p: Principal, meta: RequestMeta) -> int:
    """End every session of the account in every tenant, this one included."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        ended = conn.execute(Q.revoke_user_sessions, {
            "user_id": p.user_id, "keep": None, "reason": "signed_out_everywhere"}).fetchone()
        audit.activity(conn, p.user_id, "logout_everywhere", meta)
    return int(ended["n"]) if ended else 0
