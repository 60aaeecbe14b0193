"""Writing and reading audit_logs and user_activity_logs (Flask-free)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.pagination import cursor_id, page
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


def record(
    conn: Conn,
    tenant_id: int,
    actor_id: int | None,
    action: str,
    meta: RequestMeta | None,
    *,
    outcome: str = "allowed",
    target_type: str | None = None,
    target_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit row inside the caller's tenant transaction; returns its id."""
    del tenant_id  # the row's tenant is the transaction's (RLS WITH CHECK enforces it)
    row = conn.execute(
        Q.insert_audit_log,
        {
            "actor": actor_id, "action": action, "outcome": outcome,
            "target_type": target_type,
            "target_id": None if target_id is None else str(target_id),
            "before": None if before is None else Jsonb(before),
            "after": None if after is None else Jsonb(after),
            "details": Jsonb(details or {}),
            "ip": meta.ip if meta else None,
            "user_agent": meta.user_agent if meta else None,
        },
    ).fetchone()
    assert row is not None
    return int(row["id"])


def activity(
    conn: Conn, user_id: int, activity_name: str, meta: RequestMeta | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one user activity row (sign-in, refresh, sign-out)."""
    conn.execute(
        Q.insert_activity,
        {"user_id": user_id, "activity": activity_name, "ip": meta.ip if meta else None,
         "user_agent": meta.user_agent if meta else None, "details": Jsonb(details or {})},
    )


def list_logs(
    db: Database, tenant_id: int, user_id: int, *, limit: int, cursor: str | None,
    actor: int | None = None, action: str | None = None,
    since: dt.datetime | None = None, until: dt.datetime | None = None,
) -> dict[str, Any]:
    """A page of the tenant's audit log, newest first; `action` also matches `action.*`."""
    params = {
        "actor": actor, "action": action,
        "action_prefix": None if action is None else action.replace("%", "") + ".%",
        "since": since, "until": until,
        "before_id": cursor_id(cursor), "limit": limit + 1,
    }
    with db.tenant(tenant_id, user_id) as conn:
        rows = conn.execute(Q.list_audit_logs, params).fetchall()
    return page(rows, limit)


def record_client_entry(
    db: Database, p: Principal, action: str, meta: RequestMeta, *,
    target_type: str | None, target_id: str | None, details: dict[str, Any],
) -> dict[str, Any]:
    """Store an audit entry reported by a client, namespaced as `client.<action>`."""
    name = f"client.{action}"
    with db.tenant(p.tenant_id, p.user_id) as conn:
        entry_id = record(conn, p.tenant_id, p.user_id, name, meta, target_type=target_type,
                          target_id=target_id, details=details)
    return {"id": entry_id, "action": name}
