"""Sign-up, sign-in, refresh rotation with reuse detection, sign-out (Flask-free)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from psycopg import Cursor
from psycopg import errors as pg

from webapp.audit import service as audit
from webapp.auth.lockout import LoginLockout
from webapp.db import Database, set_tenant
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from webapp.security.passwords import hash_password, verify_password
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


@dataclass(frozen=True)
class Grant:
    """A new session: who, where, and the ids the tokens will carry."""

    user_id: int
    email: str
    name: str
    role: str
    tenant_id: int
    tenant_name: str
    session_id: str
    refresh_id: str

    def body(self) -> dict[str, Any]:
        """The `user` and `tenant` parts of an auth response."""
        return {
            "user": {"id": self.user_id, "email": self.email, "name": self.name,
                     "role": self.role},
            "tenant": {"id": self.tenant_id, "name": self.tenant_name},
        }


def token_hash(token: str) -> bytes:
    """Invitation tokens are stored hashed."""
    return hashlib.sha256(token.encode()).digest()


def open_session(conn: Conn, user_id: int, meta: RequestMeta, ttl_s: int) -> tuple[str, str]:
    """A new sign-in session of the user in the transaction's tenant; (session id, refresh id)."""
    session_id, refresh_id = str(uuid.uuid4()), str(uuid.uuid4())
    conn.execute(Q.insert_session, {"id": session_id, "user_id": user_id, "ttl": ttl_s,
                                    "ip": meta.ip, "user_agent": meta.user_agent})
    conn.execute(Q.insert_refresh_token, {"id": refresh_id, "session_id": session_id,
                                          "ttl": ttl_s})
    return session_id, refresh_id


def create_user(conn: Conn, email: str, name: str, password: str) -> int:
    """A new global user (409 when the email is taken)."""
    row = conn.execute(
        "select mf_create_user(%s, %s, %s) as id", (email.lower(), name, hash_password(password))
    ).fetchone()
    assert row is not None
    return int(row["id"])


def register(
    db: Database, *, email: str, password: str, name: str, tenant_name: str | None,
    invitation_token: str | None, meta: RequestMeta, ttl_s: int,
) -> Grant:
    """A new tenant with its owner, or a new member of the inviting tenant."""
    if bool(tenant_name) == bool(invitation_token):
        raise ValidationFailed(
            "Give either tenant_name (new team) or invitation_token (join a team).",
            details={"fields": {"tenant_name": "one of tenant_name or invitation_token",
                                "invitation_token": "one of tenant_name or invitation_token"}},
        )
    with db.system() as conn:
        if invitation_token:
            tenant_id, role, invitation_id = check_invitation(conn, invitation_token, email)
        else:
            row = conn.execute("select mf_create_tenant(%s) as id", (tenant_name,)).fetchone()
            assert row is not None
            tenant_id, role, invitation_id = int(row["id"]), "owner", None
        try:
            user_id = create_user(conn, email, name, password)
        except pg.UniqueViolation as exc:
            raise Conflict("An account with this email already exists; sign in.",
                           code="email_taken") from exc
        set_tenant(conn, tenant_id, user_id)
        conn.execute(Q.insert_membership, {"user_id": user_id, "role": role})
        if invitation_id is not None:
            conn.execute(Q.accept_invitation, {"id": invitation_id, "user_id": user_id})
        session_id, refresh_id = open_session(conn, user_id, meta, ttl_s)
        tname = conn.execute("select name from tenants where id = %s", (tenant_id,)).fetchone()
        audit.record(conn, tenant_id, user_id, "auth.register", meta, target_type="user",
                     target_id=user_id, after={"email": email, "role": role})
        audit.activity(conn, user_id, "register", meta)
    assert tname is not None
    return Grant(user_id, email, name, role, tenant_id, tname["name"], session_id, refresh_id)


def find_invitation(conn: Conn, token: str) -> dict[str, Any]:
    """An invitation that can still be accepted, or NotFound saying why not (its code:
    invalid_invitation, invitation_used, invitation_revoked, invitation_expired)."""
    row = conn.execute("select * from mf_find_invitation(%s)", (token_hash(token),)).fetchone()
    if row is None:
        raise NotFound("This invitation is not valid (unknown, used or expired).",
                       code="invalid_invitation")
    if row["accepted_at"] is not None:
        raise NotFound("This invitation has already been used.", code="invitation_used")
    if row["revoked_at"] is not None:
        raise NotFound("This invitation was withdrawn; ask for a new one.",
                       code="invitation_revoked")
    if row["expires_at"] <= dt.datetime.now(dt.UTC):
        raise NotFound("This invitation has expired; ask for a new one.",
                       code="invitation_expired")
    return row


def check_invitation(conn: Conn, token: str, email: str) -> tuple[int, str, int]:
    """(tenant id, role, invitation id) of a valid invitation sent to `email`."""
    row = find_invitation(conn, token)
    if row["email"].lower() != email.lower():
        raise ValidationFailed("This invitation was sent to another email address.",
                               details={"fields": {"email": "does not match the invitation"}})
    return int(row["tenant_id"]), str(row["role"]), int(row["id"])


def join_invitation(conn: Conn, user_id: int, email: str, token: str,
                    meta: RequestMeta | None) -> dict[str, Any]:
    """Make an existing account a member of the inviting tenant (a second tenant, or the same
    one again after a removal); leaves the transaction in that tenant. 403 when the invitation
    was sent to another address, 409 when the account is a member already (the invitation then
    stays unused). Returns the invitation row (tenant_id, tenant_name, role, ...)."""
    row = find_invitation(conn, token)
    if row["email"].lower() != email.lower():
        raise Forbidden("This invitation was sent to another email address; sign in with "
                        "that account to accept it.", code="invitation_email_mismatch")
    set_tenant(conn, int(row["tenant_id"]), user_id)
    if conn.execute(Q.select_membership, {"user_id": user_id}).fetchone() is not None:
        raise Conflict("You are already a member of this tenant.", code="already_member")
    conn.execute(Q.insert_membership, {"user_id": user_id, "role": row["role"]})
    if conn.execute(Q.accept_invitation, {"id": row["id"], "user_id": user_id}).fetchone() is None:
        raise NotFound("This invitation has already been used.", code="invitation_used")
    audit.record(conn, int(row["tenant_id"]), user_id, "invitations.accept", meta,
                 target_type="invitation", target_id=row["id"],
                 after={"user_id": user_id, "email": email.lower(), "role": row["role"]})
    return row


def login(
    db: Database, *, email: str, password: str, tenant_id: int | None, meta: RequestMeta,
    ttl_s: int, lockout: LoginLockout | None = None, invitation_token: str | None = None,
) -> Grant:
    """Check the password (argon2) and open a session in one of the user's tenants.

    With a `lockout`, an address with too many recent failures is refused (LoginLocked, 429)
    before anything else, the password unchecked; a wrong password or unknown address counts
    as one more failure (after the transaction, so no connection is held for it).
    With an `invitation_token` the account first joins the inviting tenant (join_invitation)
    and the session opens there: how an existing account accepts an invitation, even one
    that belongs to no tenant any more (removed from its only one)."""
    if lockout is None:
        return _login(db, email, password, tenant_id, meta, ttl_s, invitation_token)
    lockout.check(email)
    try:
        return _login(db, email, password, tenant_id, meta, ttl_s, invitation_token)
    except Unauthorized as exc:
        if exc.code == "invalid_credentials":
            lockout.record_failure(email)
        raise


def _login(db: Database, email: str, password: str, tenant_id: int | None, meta: RequestMeta,
           ttl_s: int, invitation_token: str | None = None) -> Grant:
    with db.system() as conn:
        user = conn.execute("select * from mf_login_lookup(%s)", (email,)).fetchone()
        if not verify_password(user["password_hash"] if user else None, password) or not user:
            raise Unauthorized("Wrong email or password.", code="invalid_credentials")
        user_id = int(user["user_id"])
        if invitation_token:
            joined = join_invitation(conn, user_id, email, invitation_token, meta)
            tenant_id = int(joined["tenant_id"])
        tenants = conn.execute("select * from mf_user_tenants(%s)", (user_id,)).fetchall()
        chosen = [t for t in tenants if tenant_id is None or t["tenant_id"] == tenant_id]
        if not chosen:
            raise Unauthorized("You are not a member of that tenant.", code="no_membership")
        tenant = chosen[0]
        conn.execute("select mf_touch_login(%s)", (user_id,))
        set_tenant(conn, tenant["tenant_id"], user_id)
        session_id, refresh_id = open_session(conn, user_id, meta, ttl_s)
        audit.activity(conn, user_id, "login", meta)
    return Grant(user_id, email.lower(), user["name"], tenant["role"], int(tenant["tenant_id"]),
                 tenant["tenant_name"], session_id, refresh_id)


def rotate_refresh(
    db: Database, *, tenant_id: int, user_id: int, session_id: str, refresh_id: str,
    meta: RequestMeta, ttl_s: int,
) -> Grant:
    """Spend a refresh token for a new one; a reused token signs the whole session out."""
    reused = False
    with db.tenant(tenant_id, user_id) as conn:
        row = conn.execute(Q.lock_refresh_token, {"id": refresh_id}).fetchone()
        if row is None or str(row["session_id"]) != session_id or row["user_id"] != user_id:
            raise Unauthorized("Unknown refresh token.", code="invalid_token")
        if row["revoked_at"] is not None:
            raise signed_out(db, tenant_id, user_id, session_id)
        if row["used_at"] is not None:
            conn.execute(Q.revoke_session, {"id": session_id, "reason": "refresh_reuse"})
            audit.record(conn, tenant_id, user_id, "auth.refresh_reuse", meta,
                         outcome="denied", target_type="session", target_id=session_id)
            reused = True
        else:
            new_id = str(uuid.uuid4())
            conn.execute(Q.insert_refresh_token, {"id": new_id, "session_id": session_id,
                                                  "ttl": ttl_s})
            conn.execute(Q.mark_refresh_used, {"id": refresh_id, "new_id": new_id})
            audit.activity(conn, user_id, "refresh", meta)
    if reused:  # raised after commit so the revocation sticks
        raise Unauthorized("This refresh token was already used; the session is signed out.",
                           code="token_reused")
    principal = load_principal(db, tenant_id, user_id, session_id)
    if principal is None:
        raise signed_out(db, tenant_id, user_id, session_id)
    return Grant(user_id, principal.email, principal.name, principal.role, tenant_id,
                 principal.tenant_name, session_id, new_id)


def logout(db: Database, principal: Principal, meta: RequestMeta) -> None:
    """Revoke the session: its access and refresh tokens stop working at once."""
    with db.tenant(principal.tenant_id, principal.user_id) as conn:
        conn.execute(Q.revoke_session, {"id": principal.session_id, "reason": "logout"})
        audit.activity(conn, principal.user_id, "logout", meta)


def signed_out(db: Database, tenant_id: int, user_id: int, session_id: str) -> Unauthorized:
    """The 401 for a session that no longer works. A member removed from the team is told so
    (`membership_revoked`: the dashboard says why on the sign-in page); any other end (signed
    out here or elsewhere, password changed, expired) is `token_revoked`."""
    reason = None
    if is_session_id(session_id):
        with db.tenant(tenant_id, user_id) as conn:
            row = conn.execute(Q.select_session_end, {"sid": session_id, "uid": user_id}).fetchone()
        reason = row["revoked_reason"] if row else None
    if reason == "removed":
        return Unauthorized("You no longer have access to that team.", code="membership_revoked")
    return Unauthorized("This session has been signed out.", code="token_revoked")


def is_session_id(value: str) -> bool:
    """Whether a token's session id is well-formed (a UUID); anything else is no session."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def select_principal(conn: Conn, session_id: str, user_id: int) -> Cursor[dict[str, Any]]:
    """Send the select of the member behind a live session (role, email, name, tenant name);
    returns its cursor unread, so it can go out in a pipeline. No row: revoked, expired or no
    longer a member."""
    return conn.execute(Q.select_principal, {"sid": session_id, "uid": user_id})


def load_principal(db: Database, tenant_id: int, user_id: int, session_id: str) -> Principal | None:
    """The member behind a live session (None when revoked, expired or no longer a member)."""
    if not is_session_id(session_id):
        return None
    with db.tenant(tenant_id, user_id) as conn:
        row = select_principal(conn, session_id, user_id).fetchone()
    if row is None:
        return None
    return Principal(user_id=user_id, tenant_id=tenant_id, role=row["role"],
                     session_id=session_id, email=row["email"], name=row["name"],
                     tenant_name=row["tenant_name"])
