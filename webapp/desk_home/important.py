"""Important messages as people work them: the list, status and priority changes, feedback.

A person's acknowledgement, dismissal, reopening or priority change is stored on the row (who
and when) and as a feedback row next to the model's call (provider, model, the model's
priority), from which `override_stats` measures how often people overrule each provider.
Every change appends an `important_message.updated` event framed like the REST item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound
from webapp.pagination import cursor_id, encode_cursor
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)

STATUSES = ("open", "acknowledged", "dismissed")
PRIORITIES = ("urgent", "high", "medium", "low")
# The feedback kind a status change records.
STATUS_FEEDBACK = {"acknowledged": "acknowledged", "dismissed": "dismissed", "open": "reopened"}


@dataclass(frozen=True)
class Filters:
    """The list's filters (None: not filtered)."""

    status: str | None = None
    priority: str | None = None
    since: dt.datetime | None = None
    conversation_id: int | None = None
    assignee_id: int | None = None


@dataclass(frozen=True)
class Flagged:
    """An important message locked for a change, with the call that flagged it."""

    id: int
    status: str
    priority: str
    message_id: int
    analysis_id: int | None
    provider_id: int | None
    provider_kind: str
    model: str
    model_priority: str


@dataclass(frozen=True)
class OverrideStats:
    """One provider's flags in a range and how people treated them."""

    provider_id: int | None
    flagged: int
    reviewed: int
    overridden: int


def list_important(db: Database, p: Principal, filters: Filters, limit: int,
                   cursor: str | None) -> dict[str, Any]:
    """A page of the tenant's important messages, newest first."""
    params = {"status": filters.status, "priority": filters.priority, "since": filters.since,
              "conversation_id": filters.conversation_id, "assignee_id": filters.assignee_id,
              "before_id": cursor_id(cursor), "limit": limit + 1}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(Q.list_important, params).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": [r["item"] for r in rows],
            "next_cursor": encode_cursor({"id": rows[-1]["id"]}) if more else None}


def _item(conn: Conn, important_id: int) -> dict[str, Any]:
    row = conn.execute(Q.get_important, {"id": important_id}).fetchone()
    if row is None:
        raise NotFound("No such important message.")
    item: dict[str, Any] = row["item"]
    return item


def get_important(db: Database, p: Principal, important_id: int) -> dict[str, Any]:
    """One important message (404 when it is not the tenant's)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return _item(conn, important_id)


def _feedback(conn: Conn, row: Flagged, kind: str, user_id: int,
              new_priority: str | None = None) -> None:
    conn.execute(Q.insert_feedback, {
        "id": row.id, "message_id": row.message_id, "analysis_id": row.analysis_id,
        "provider_id": row.provider_id, "provider_kind": row.provider_kind, "model": row.model,
        "kind": kind, "model_priority": row.model_priority, "new_priority": new_priority,
        "user_id": user_id})


def update_important(db: Database, p: Principal, important_id: int, status: str | None,
                     priority: str | None, meta: RequestMeta | None = None) -> dict[str, Any]:
    """Set status and/or priority (who and when kept); unchanged values change nothing."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = fetch_one(conn, Flagged, Q.lock_important, {"id": important_id})
        if row is None:
            raise NotFound("No such important message.")
        changed: dict[str, Any] = {}
        if status is not None and status != row.status:
            conn.execute(Q.update_status, {"id": row.id, "status": status, "user_id": p.user_id})
            _feedback(conn, row, STATUS_FEEDBACK[status], p.user_id)
            changed["status"] = status
        if priority is not None and priority != row.priority:
            conn.execute(Q.update_priority, {"id": row.id, "priority": priority,
                                             "user_id": p.user_id})
            _feedback(conn, row, "priority_changed", p.user_id, priority)
            changed["priority"] = priority
        if changed:
            conn.execute(Q.insert_updated_event, {"id": row.id})
            audit.record(conn, p.tenant_id, p.user_id, "important.update", meta,
                         target_type="important_message", target_id=row.id,
                         before={k: getattr(row, k) for k in changed}, after=changed)
        return _item(conn, row.id)


def override_stats(conn: Conn, start: dt.datetime, end: dt.datetime
                   ) -> dict[int | None, OverrideStats]:
    """Per provider id (None: the built-in analyser): flags in [start, end) and overrides."""
    rows = fetch_all(conn, OverrideStats, Q.select_override_stats, {"start": start, "end": end})
    return {r.provider_id: r for r in rows}


def override_fields(stats: OverrideStats | None) -> dict[str, Any]:
    """The comparison's fields: flags, reviews, overrides and the override rate (overridden
    share of the reviewed flags; None before anyone reviewed one)."""
    if stats is None:
        return {"important_flagged": 0, "important_reviewed": 0, "important_overridden": 0,
                "override_rate": None}
    rate = round(stats.overridden / stats.reviewed, 4) if stats.reviewed else None
    return {"important_flagged": stats.flagged, "important_reviewed": stats.reviewed,
            "important_overridden": stats.overridden, "override_rate": rate}
