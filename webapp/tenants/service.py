"""Members, roles and invitations of a tenant; tenant and user creation for the CLI."""

from __future__ import annotations

import secrets
from typing import Any

from webapp.audit import service as audit
from webapp.auth.service import create_user, token_hash
from webapp.db import Database, set_tenant
from webapp.db.queries import load
from webapp.errors import Conflict, Forbidden, NotFound
from webapp.security import rbac
from webapp.security.principal import Principal, RequestMeta
from webapp.tenants.invitations import invitation_path

Q = load(__file__)


def create_tenant(db: Database, name: str, timezone: str = "UTC") -> int:
    """A new empty tenant (CLI)."""
    with db.system() as conn:
        row = conn.execute("select mf_create_tenant(%s, %s) as id", (name, timezone)).fetchone()
    assert row is not None
    return int(row["id"])


def add_user(db: Database, tenant_id: int, email: str, name: str, password: str,
             role: str) -> int:
    """A new user who is a member of tenant_id with the given role (CLI)."""
    if role not in rbac.RANK:
        raise ValueError(f"unknown role {role!r}")
    with db.system() as conn:
        user_id = create_user(conn, email, name, password)
        set_tenant(conn, tenant_id, user_id)
        if conn.execute("select 1 from tenants").fetchone() is None:
            raise NotFound(f"no tenant {tenant_id}")
        conn.execute("insert into memberships (tenant_id, user_id, role) "
                     "values (mf_current_tenant(), %s, %s)", (user_id, role))
        audit.record(conn, tenant_id, None, "members.create", None, target_type="user",
                     target_id=user_id, after={"email": email, "role": role})
    return user_id


def tenant_count(db: Database) -> int:
    """How many tenants exist (the demo tenant is made only when there are none)."""
    with db.system() as conn:
        row = conn.execute("select count(*) as n from mf_list_tenants()").fetchone()
    return int(row["n"]) if row else 0


def find_tenant_by_name(db: Database, name: str) -> int | None:
    """The id of the oldest tenant with this name (the demo tenant), if any."""
    with db.system() as conn:
        row = conn.execute("select id from mf_list_tenants() where name = %s order by id limit 1",
                           (name,)).fetchone()
    return int(row["id"]) if row else None


def list_members(db: Database, p: Principal) -> list[dict[str, Any]]:
    """Everyone in the principal's tenant."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return conn.execute(Q.list_members).fetchall()


def change_role(db: Database, p: Principal, user_id: int, role: str, meta: RequestMeta) -> None:
    """Change a member's role; admins cannot touch owners; the last owner stays an owner."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        owners = [r["user_id"] for r in conn.execute(Q.lock_owners).fetchall()]
        member = conn.execute(Q.lock_member, {"user_id": user_id}).fetchone()
        if member is None:
            raise NotFound("No such member.")
        current = member["role"]
        allowed = rbac.can_assign(p.role, current, role)
        if allowed and current == "owner" and role != "owner" and owners == [user_id]:
            raise Conflict("The last owner cannot be demoted; make someone else owner first.",
                           code="last_owner")
        if allowed:
            conn.execute(Q.update_member_role, {"user_id": user_id, "role": role})
        audit.record(conn, p.tenant_id, p.user_id, "members.role_change", meta,
                     outcome="allowed" if allowed else "denied", target_type="user",
                     target_id=user_id, before={"role": current}, after={"role": role})
    if not allowed:  # raised after commit so the denial stays in the audit log
        raise Forbidden("Only an owner can grant, change or remove the owner role.",
                        code="owner_only")


def remove_member(db: Database, p: Principal, user_id: int, meta: RequestMeta) -> None:
    """Remove a member and sign them out of this tenant; never the last owner."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        owners = [r["user_id"] for r in conn.execute(Q.lock_owners).fetchall()]
        member = conn.execute(Q.lock_member, {"user_id": user_id}).fetchone()
        if member is None:
            raise NotFound("No such member.")
        if member["role"] == "owner" and p.role != "owner":
            raise Forbidden("Only an owner can remove an owner.", code="owner_only")
        if member["role"] == "owner" and owners == [user_id]:
            raise Conflict("The last owner cannot be removed.", code="last_owner")
        # Membership first: its trigger's "removed" notice (sockets close with 4403) then goes
        # out ahead of the sessions' "signed out" ones (4401), all at commit.
        conn.execute(Q.delete_member, {"user_id": user_id})
        conn.execute(Q.revoke_user_sessions, {"user_id": user_id, "reason": "removed"})
        audit.record(conn, p.tenant_id, p.user_id, "members.remove", meta, target_type="user",
                     target_id=user_id, before={"role": member["role"]})


def invite(db: Database, p: Principal, email: str, role: str, meta: RequestMeta,
           days: int = 7) -> dict[str, Any]:
    """A single-use invitation; the token is returned once and stored only as a hash."""
    if not rbac.can_assign(p.role, None, role) or role == "owner":
        raise Forbidden("You cannot invite someone with that role.", code="role_not_allowed")
    token = secrets.token_urlsafe(32)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.insert_invitation, {
            "email": email.lower(), "role": role, "token_hash": token_hash(token),
            "invited_by": p.user_id, "days": days,
        }).fetchone()
        assert row is not None
        audit.record(conn, p.tenant_id, p.user_id, "invitations.create", meta,
                     target_type="invitation", target_id=row["id"],
                     after={"email": email.lower(), "role": role})
    return {**row, "token": token, "invite_path": invitation_path(token)}


def list_invitations(db: Database, p: Principal) -> list[dict[str, Any]]:
    """The tenant's invitations (tokens are never shown again)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return conn.execute(Q.list_invitations).fetchall()
