"""Realtime reads and relays (Flask-free): event frames under the tenant's RLS context."""

from __future__ import annotations

from typing import Any, TypedDict

from webapp.db import Database
from webapp.db.queries import load

Q = load(__file__)

EVENTS_CHANNEL = "mf_events"
EPHEMERAL_CHANNEL = "mf_ephemeral"
REVOCATIONS_CHANNEL = "mf_revocations"  # sent by triggers on auth_sessions and memberships

class Frame(TypedDict):
    """An event as sockets receive it. `data` is what mf_event_frame serialized: a message.*
    event carries the message (webapp.messaging.rows.MessageJson), a conversation.* event the
    conversation (ConversationJson), other events their own JSON."""

    id: int
    type: str
    data: Any


def _frame(row: dict[str, Any]) -> Frame:
    return {"id": int(row["id"]), "type": row["type"], "data": row["data"]}


def audience(row: dict[str, Any]) -> int | None:
    """The one member an event is for (None: the whole tenant)."""
    user_id = row.get("for_user_id")
    return int(user_id) if user_id is not None else None


def events_since(db: Database, tenant_id: int, since_id: int, limit: int,
                 user_id: int | None = None) -> list[Frame]:
    """Up to `limit` of the frames with id > since_id that `user_id` may see (None: the
    tenant-wide ones only), in id order."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.select_events_since,
                            {"since": since_id, "limit": limit, "user_id": user_id}).fetchall()
    return [_frame(r) for r in rows]


def events_by_ids(db: Database, tenant_id: int, ids: list[int]) -> list[Frame]:
    """The tenant's frames among these event ids, in id order (one query for all)."""
    return [frame for frame, _ in addressed_events_by_ids(db, tenant_id, ids)]


def addressed_events_by_ids(db: Database, tenant_id: int,
                            ids: list[int]) -> list[tuple[Frame, int | None]]:
    """`events_by_ids` with the member each frame is for (None: every member)."""
    if not ids:
        return []
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.select_events_by_ids, {"ids": ids}).fetchall()
    return [(_frame(r), audience(r)) for r in rows]


def event_ids_since(db: Database, tenant_id: int, since_id: int, limit: int) -> list[int]:
    """Up to `limit` of the tenant's event ids after since_id, in id order."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.select_event_ids_since,
                            {"since": since_id, "limit": limit}).fetchall()
    return [int(r["id"]) for r in rows]


def last_event_id(db: Database, tenant_id: int) -> int:
    """The tenant's latest event id (0 when it has none)."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute(Q.select_last_event_id).fetchone()
    return int(row["id"]) if row else 0


def session_states(db: Database, tenant_id: int,
                   pairs: list[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """{(session id, user id): {"live", "role"}} for the tenant's open sockets, in one query."""
    if not pairs:
        return {}
    params = {"sids": [p[0] for p in pairs], "uids": [p[1] for p in pairs]}
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.select_session_states, params).fetchall()
    return {(r["session_id"], int(r["user_id"])): {"live": bool(r["live"]), "role": r["role"]}
            for r in rows}


def relay_typing(db: Database, tenant_id: int, user_id: int, conversation_id: int,
                 payload: str) -> bool:
    """NOTIFY a typing payload; False when the conversation is not the tenant's."""
    with db.tenant(tenant_id, user_id) as conn:
        row = conn.execute(Q.notify_typing,
                           {"payload": payload, "conversation_id": conversation_id}).fetchone()
    return row is not None


def relay_ephemeral(db: Database, tenant_id: int | None, payload: str) -> None:
    """NOTIFY a small presence payload (in the tenant's context, or none for process sync)."""
    if tenant_id is None:
        with db.system() as conn:
            conn.execute(Q.notify_ephemeral, {"payload": payload})
        return
    with db.tenant(tenant_id) as conn:
        conn.execute(Q.notify_ephemeral, {"payload": payload})
