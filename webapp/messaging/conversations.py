"""Reading and working conversations: the filtered list, one conversation, its messages,
assignment/status/priority changes and mark-as-read (Flask-free).

Every row is built by the SQL serializers (mf_conversation_json, mf_message_json), so the REST
API and the realtime feed show one shape. Lists are keyset-paginated with opaque cursors.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound, ValidationFailed
from webapp.notifications.service import notify
from webapp.pagination import bad_cursor, cursor_int, decode_cursor, encode_cursor
from webapp.security.principal import Principal

Q = load(__file__)
# PATCH fields and the SQL flag saying each was given (absent = unchanged, null = cleared).
CHANGEABLE = {"status": "set_status", "assignee_id": "set_assignee", "priority": "set_priority",
              "snoozed_until": "set_snoozed"}


@dataclass(frozen=True)
class ConversationFilters:
    """The list filters; `assignee` is a user id, "me" or "none"."""

    status: str | None = None
    assignee: str | None = None
    label: str | None = None
    unread: bool | None = None
    device: int | None = None
    q: str | None = None


def cursor_time(cursor: dict[str, Any], key: str) -> dt.datetime:
    """A timestamp field of a decoded cursor (ISO 8601 with an offset), or a 400."""
    value = cursor.get(key)
    if not isinstance(value, str):
        raise bad_cursor()
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise bad_cursor() from exc
    if at.tzinfo is None:  # never left to the session's TimeZone
        raise bad_cursor()
    return at


@dataclass(frozen=True)
class JsonPage:
    """A page whose rows are JSON texts from the SQL serializers, sent without re-encoding."""

    rows: list[str]
    next_cursor: str | None

    def body(self) -> str:
        """The response body: `{"data": [...], "next_cursor": ...}`."""
        return ('{"data":[' + ",".join(self.rows) + '],"next_cursor":'
                + json.dumps(self.next_cursor) + "}")


def make_page(rows: list[dict[str, Any]], limit: int,
              cursor_of: Callable[[dict[str, Any]], dict[str, Any]]) -> JsonPage:
    """A page from limit+1 rows with a `row` column (null ids, from an empty join, dropped)."""
    rows = [r for r in rows if r["id"] is not None]
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor(cursor_of(rows[-1])) if more and rows else None
    return JsonPage([r["row"] for r in rows], nxt)


def like_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _and(clauses: list[sql.SQL]) -> sql.Composable:
    return sql.SQL(" and ").join(clauses) if clauses else sql.SQL("true")


def conversations_query(params: dict[str, Any]) -> sql.Composed:
    """list_conversations with only the filter and keyset fragments these params use."""
    given = [("status", Q.filter_status), ("assignee_id", Q.filter_assignee),
             ("unassigned", Q.filter_unassigned), ("unread", Q.filter_unread),
             ("read", Q.filter_read),
             ("device_id", Q.filter_device), ("label", Q.filter_label), ("like", Q.filter_text)]
    filters = [sql.SQL(fragment) for key, fragment in given if params[key] not in (None, False)]
    active, idle = list(filters), list(filters)
    if params["after_id"] is not None and params["after_at"] is not None:
        active.append(sql.SQL(Q.after_active))
    elif params["after_id"] is not None:
        active.append(sql.SQL("false"))
        idle.append(sql.SQL(Q.after_idle))
    return sql.SQL(Q.list_conversations).format(active=_and(active), idle=_and(idle))


def filter_params(f: ConversationFilters, user_id: int) -> dict[str, Any]:
    """The list_conversations query parameters of these filters, for this user."""
    assignee_id = None
    if f.assignee == "me":
        assignee_id = user_id
    elif f.assignee is not None and f.assignee != "none":
        assignee_id = int(f.assignee)
    label_id = int(f.label) if f.label is not None and f.label.isdigit() else None
    q = (f.q or "").strip() or None
    return {"status": f.status, "assignee_id": assignee_id, "unassigned": f.assignee == "none",
            "unread": f.unread is True, "read": f.unread is False, "device_id": f.device,
            "label": f.label,
            "label_id": label_id, "q": q, "like": like_pattern(q) if q else None}


def _after_conversation(cursor: str | None) -> dict[str, Any]:
    after = decode_cursor(cursor, {"at", "id"})
    if after is None:
        return {"after_id": None, "after_at": None}
    at = None if after.get("at") is None else cursor_time(after, "at")
    return {"after_id": cursor_int(after, "id"), "after_at": at}


def list_conversations(db: Database, p: Principal, filters: ConversationFilters, *,
                       limit: int, cursor: str | None) -> JsonPage:
    """A page of the tenant's conversations, newest activity first."""
    params = {**filter_params(filters, p.user_id), **_after_conversation(cursor),
              "limit": limit + 1}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(conversations_query(params), params).fetchall()

    def cursor_of(r: dict[str, Any]) -> dict[str, Any]:
        at = r["last_message_at"]
        return {"at": at.isoformat() if at is not None else None, "id": r["id"]}

    return make_page(rows, limit, cursor_of)


def conversation_row(conn: Conn, conversation_id: int) -> dict[str, Any]:
    """The serialized conversation, or NotFound (also for another tenant's id)."""
    row = conn.execute(Q.get_conversation, {"id": conversation_id}).fetchone()
    if row is None:
        raise NotFound("No such conversation.")
    result: dict[str, Any] = row["row"]
    return result


def get_conversation(db: Database, p: Principal, conversation_id: int) -> dict[str, Any]:
    """One conversation."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return conversation_row(conn, conversation_id)


def _message_position(cursor: str | None) -> dict[str, Any]:
    """The list_messages parameters of a cursor: a page cursor is the last message's
    (WhatsApp time, id), a catch-up cursor the last id returned. Anything else is a 400."""
    after = decode_cursor(cursor, {"at", "id"}, {"after_id"})
    if after is None:
        return {"before_at": None, "before_id": None, "after_id": None}
    if "after_id" in after:
        return {"before_at": None, "before_id": None, "after_id": cursor_int(after, "after_id")}
    return {"before_at": cursor_time(after, "at"), "before_id": cursor_int(after, "id"),
            "after_id": None}


def messages_query(params: dict[str, Any]) -> sql.SQL | sql.Composed:
    """The list_messages statement for these parameters: a catch-up after `after_id`, else a
    page before (`before_at`, `before_id`) or the newest page."""
    if params["after_id"] is not None:
        return sql.SQL(Q.list_messages_after)
    before = sql.SQL(Q.messages_before if params["before_id"] is not None else "true")
    return sql.SQL(Q.list_messages).format(before=before)


def list_messages(db: Database, p: Principal, conversation_id: int, *, limit: int,
                  cursor: str | None, after_id: int | None = None) -> JsonPage:
    """Messages newest first by WhatsApp time (then id); with after_id (or a catch-up cursor),
    those stored after it, in arrival order."""
    position = _message_position(cursor)
    if position["after_id"] is None and position["before_id"] is None:
        position["after_id"] = after_id
    params = {"conversation_id": conversation_id, "limit": limit + 1, **position}
    catch_up = params["after_id"] is not None
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(messages_query(params), params).fetchall()
    if not rows:
        raise NotFound("No such conversation.")
    if catch_up:
        return make_page(rows, limit, lambda r: {"after_id": r["id"]})
    return make_page(rows, limit, lambda r: {"at": r["sent_at"].isoformat(), "id": r["id"]})


def check_changes(changes: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Refuse an empty change or a bad snooze; a snooze time alone implies status snoozed."""
    if not changes:
        names = ", ".join(CHANGEABLE)
        raise ValidationFailed(f"Send at least one of: {names}.",
                               details={"required_one_of": list(CHANGEABLE)})
    until = changes.get("snoozed_until")
    if until is None:
        return changes
    if until.tzinfo is None:  # API times are UTC; never left to the session's TimeZone
        until = changes["snoozed_until"] = until.replace(tzinfo=dt.UTC)
    if until <= (now or dt.datetime.now(dt.UTC)):
        raise ValidationFailed("snoozed_until must be in the future.",
                               details={"fields": {"snoozed_until": "must be in the future"}})
    status = changes.setdefault("status", "snoozed")
    if status != "snoozed":
        raise ValidationFailed(
            f"snoozed_until goes with status snoozed, not {status}.",
            details={"fields": {"snoozed_until": "only with status snoozed"}})
    return changes


def update_conversation(db: Database, p: Principal, conversation_id: int,
                        changes: dict[str, Any]) -> dict[str, Any]:
    """Change status, assignee (a member of the tenant, or None), priority or snooze time."""
    changes = check_changes(dict(changes))
    params: dict[str, Any] = {"id": conversation_id}
    for field, flag in CHANGEABLE.items():
        params[flag] = field in changes
        params[field] = changes.get(field)
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        assignee = changes.get("assignee_id")
        if assignee is not None and conn.execute(Q.is_member, {"user_id": assignee}) \
                .fetchone() is None:
            raise ValidationFailed(
                "assignee_id must be a member of this team.",
                details={"fields": {"assignee_id": "not a member of this tenant"}})
        row = conn.execute(Q.update_conversation, params).fetchone()
        if row is None:
            raise NotFound("No such conversation.")
        conn.execute(Q.insert_conversation_event, {"id": conversation_id})
        _record_changes(conn, p, row)
        return conversation_row(conn, conversation_id)


def _record_changes(conn: Conn, p: Principal, row: dict[str, Any]) -> None:
    """Team activity for an assignment or a status change; the new assignee is notified once."""
    cid, title = int(row["id"]), row["title"] or "a conversation"
    if row["status"] != row["old_status"]:
        audit.activity(conn, p.user_id, "conversation.status_changed", None,
                       {"conversation_id": cid, "title": title, "from": row["old_status"],
                        "to": row["status"]})
    if row["assignee_id"] != row["old_assignee_id"]:
        audit.activity(conn, p.user_id, "conversation.assigned", None,
                       {"conversation_id": cid, "title": title,
                        "assignee_id": row["assignee_id"]})
        if row["assignee_id"] is not None:
            notify(conn, tenant_id=p.tenant_id, user_ids=[row["assignee_id"]],
                   kind="assignment", title=f"Conversation assigned to you: {title}",
                   link=f"/app/conversations/{cid}",
                   dedupe_key=f"conversation:{cid}:assigned:{row['assignee_id']}",
                   actor_id=p.user_id)


def mark_read(db: Database, p: Principal, conversation_id: int) -> dict[str, Any]:
    """Unread count back to zero, with a conversation.updated event when it changed."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        if conn.execute(Q.mark_conversation_read, {"id": conversation_id}).fetchone():
            conn.execute(Q.insert_conversation_event, {"id": conversation_id})
        return conversation_row(conn, conversation_id)
