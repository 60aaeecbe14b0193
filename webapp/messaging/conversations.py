"""Reading and working conversations: the filtered list, one conversation, its messages,
assignment/status/priority changes and mark-as-read (Flask-free).

Every row is built by the SQL serializers (mf_conversation_json, mf_message_json), so the REST
API and the realtime feed show one shape (typed as webapp/messaging/rows.py's ConversationJson
and MessageJson). Lists are keyset-paginated with opaque cursors; their lines are read with
`class_row` and keep the JSON as text, sent on without re-encoding.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from psycopg import sql

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound, ValidationFailed
from webapp.inputs import INT64_MAX
from webapp.messaging.rows import ConversationJson
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


def _label_id(label: str | None) -> int | None:
    """The label filter as a label id when it is one (ASCII digits within bigint), else None:
    `label=²` passed str.isdigit() and crashed int() (found by the fuzzing)."""
    if label is None or not label.isascii() or not label.isdigit():
        return None
    value = int(label)
    return value if 1 <= value <= INT64_MAX else None


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


class JsonLine(Protocol):
    """A line of a list query: the row's id and its JSON text (both null on the one line an
    empty left join gives)."""

    @property
    def id(self) -> int | None:
        """The row's id (its keyset position with the cursor's other columns)."""

    @property
    def row(self) -> str | None:
        """The row as the API shows it, JSON text from a SQL serializer."""


L = TypeVar("L", bound=JsonLine)


@dataclass(frozen=True, slots=True)
class ConversationLine:
    """A line of list_conversations: its keyset position and its mf_conversation_json text."""

    id: int
    last_message_at: dt.datetime | None
    row: str


@dataclass(frozen=True, slots=True)
class MessageLine:
    """A line of list_messages (all null when the conversation has no message on the page)."""

    id: int | None
    sent_at: dt.datetime | None
    row: str | None


@dataclass(frozen=True, slots=True)
class CatchUpLine:
    """A line of list_messages_after (null when nothing arrived after the id)."""

    id: int | None
    row: str | None


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """What update_conversation changed: the status and the assignee before and after."""

    id: int
    title: str
    assignee_id: int | None
    status: str
    old_assignee_id: int | None
    old_status: str


def make_page(lines: list[L], limit: int, cursor_of: Callable[[L], dict[str, Any]]) -> JsonPage:
    """A page from limit+1 lines (null ids, from an empty join, dropped)."""
    lines = [line for line in lines if line.id is not None]
    more = len(lines) > limit
    lines = lines[:limit]
    nxt = encode_cursor(cursor_of(lines[-1])) if more and lines else None
    return JsonPage([line.row for line in lines if line.row is not None], nxt)


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
    label_id = _label_id(f.label)
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
        lines = fetch_all(conn, ConversationLine, conversations_query(params), params)

    def cursor_of(line: ConversationLine) -> dict[str, Any]:
        at = line.last_message_at
        return {"at": at.isoformat() if at is not None else None, "id": line.id}

    return make_page(lines, limit, cursor_of)


def conversation_row(conn: Conn, conversation_id: int) -> ConversationJson:
    """The serialized conversation, or NotFound (also for another tenant's id)."""
    row = conn.execute(Q.get_conversation, {"id": conversation_id}).fetchone()
    if row is None:
        raise NotFound("No such conversation.")
    result: ConversationJson = row["row"]
    return result


def get_conversation(db: Database, p: Principal, conversation_id: int) -> ConversationJson:
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
    query = messages_query(params)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        caught = fetch_all(conn, CatchUpLine, query, params) if catch_up else []
        lines = [] if catch_up else fetch_all(conn, MessageLine, query, params)
    if not caught and not lines:
        raise NotFound("No such conversation.")
    if catch_up:
        return make_page(caught, limit, lambda line: {"after_id": line.id})
    return make_page(lines, limit, _message_cursor)


def _message_cursor(line: MessageLine) -> dict[str, Any]:
    assert line.sent_at is not None  # make_page passes on only lines with a message
    return {"at": line.sent_at.isoformat(), "id": line.id}


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
                        changes: dict[str, Any]) -> ConversationJson:
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
            raise NotFound(  # an unknown id, like every other reference (was a 400)
                "assignee_id must be a member of this team.", code="assignee_not_found",
                details={"fields": {"assignee_id": "not a member of this tenant"}})
        change = fetch_one(conn, ConversationChange, Q.update_conversation, params)
        if change is None:
            raise NotFound("No such conversation.")
        conn.execute(Q.insert_conversation_event, {"id": conversation_id})
        _record_changes(conn, p, change)
        return conversation_row(conn, conversation_id)


def _record_changes(conn: Conn, p: Principal, change: ConversationChange) -> None:
    """Team activity for an assignment or a status change; the new assignee is notified once."""
    cid, title = change.id, change.title or "a conversation"
    if change.status != change.old_status:
        audit.activity(conn, p.user_id, "conversation.status_changed", None,
                       {"conversation_id": cid, "title": title, "from": change.old_status,
                        "to": change.status})
    if change.assignee_id != change.old_assignee_id:
        audit.activity(conn, p.user_id, "conversation.assigned", None,
                       {"conversation_id": cid, "title": title,
                        "assignee_id": change.assignee_id})
        if change.assignee_id is not None:
            notify(conn, tenant_id=p.tenant_id, user_ids=[change.assignee_id],
                   kind="assignment", title=f"Conversation assigned to you: {title}",
                   link=f"/app/conversations/{cid}",
                   dedupe_key=f"conversation:{cid}:assigned:{change.assignee_id}",
                   actor_id=p.user_id)


def mark_read(db: Database, p: Principal, conversation_id: int) -> ConversationJson:
    """Unread count back to zero, with a conversation.updated event when it changed."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        if conn.execute(Q.mark_conversation_read, {"id": conversation_id}).fetchone():
            conn.execute(Q.insert_conversation_event, {"id": conversation_id})
        return conversation_row(conn, conversation_id)
