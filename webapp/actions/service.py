"""Action items (Flask-free): the kanban's cards, proposed by the analysis or written by people.

One status vocabulary everywhere (STATUSES). Accepting a proposal moves it to `todo`; rejecting
keeps it as `rejected` (feedback on the model's call, never deleted). The assignee must be a
member of the tenant. Every change appends an `action_item.*` event (the frame is the REST
shape, mf_action_item_json), a team-activity row, and, for a new assignee, one notification.
Changes to someone else's item (created by or assigned to another person, or a proposal) are
audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb

from webapp.actions import filters as list_filters
from webapp.actions.filters import STATUSES
from webapp.actions.positions import position_at
from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.watermark_cache import WatermarkCache
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.notifications.service import notify
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
OPEN_STATUSES = ("todo", "in_progress", "blocked")
__all__ = ["STATUSES", "OPEN_STATUSES"]
FIELDS = ("title", "description", "status", "priority", "due_date", "assignee_id", "position")


def _invalid(field: str, problem: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"fields": {field: problem}})


def item_row(conn: Conn, item_id: int) -> dict[str, Any]:
    """The serialized action item, or NotFound (also for another tenant's id)."""
    row = conn.execute(Q.get_item, {"id": item_id}).fetchone()
    if row is None:
        raise NotFound("No such action item.")
    result: dict[str, Any] = row["row"]
    return result


def _check_assignee(conn: Conn, user_id: int | None) -> None:
    if user_id is not None and conn.execute(Q.is_member, {"user_id": user_id}).fetchone() is None:
        raise _invalid("assignee_id", "not a member of this tenant",
                       "assignee_id must be a member of this team.")


def _check_due(conn: Conn, due: dt.date | None) -> None:
    row = conn.execute(Q.tenant_today).fetchone()
    if due is not None and row is not None and due < row["today"]:
        raise _invalid("due_date", "must not be in the past",
                       f"due_date {due.isoformat()} is in the past.")


def _links(conn: Conn, conversation_id: int | None,
           message_id: int | None) -> tuple[int | None, int | None]:
    """The conversation and source message (the tenant's, consistent), or a 400 naming them."""
    if message_id is not None:
        msg = conn.execute(Q.find_message, {"id": message_id}).fetchone()
        if msg is None:
            raise _invalid("source_message_id", "no such message", "No such source message.")
        if conversation_id is not None and conversation_id != msg["conversation_id"]:
            raise _invalid("source_message_id", "not a message of this conversation",
                           "The source message is in another conversation.")
        conversation_id = int(msg["conversation_id"])
    if conversation_id is not None and \
            conn.execute(Q.find_conversation, {"id": conversation_id}).fetchone() is None:
        raise _invalid("conversation_id", "no such conversation", "No such conversation.")
    return conversation_id, message_id


def list_items(db: Database, p: Principal, query: list_filters.ItemFilters,
               encode: Callable[[dict[str, Any]], bytes],
               cache: WatermarkCache[bytes] | None = None) -> bytes:
    """A page of the tenant's action items (filters and order as the query gives them), as the
    response body `encode` makes of it. With a cache, the body is reused while no action-item
    event came after it (every write to an item or its comments has one), so a reused page
    costs neither the statement nor the encoding; names of people and conversations shown on it
    may lag a rename by the cache's max age."""
    statement, params = list_filters.compose(query, p.user_id)
    with db.tenant(p.tenant_id, p.user_id) as conn:

        def page() -> bytes:
            return encode(list_filters.page_of(conn.execute(statement, params).fetchall(), query))

        if cache is None:
            return page()
        mark = conn.execute(Q.select_items_mark).fetchone()
        assert mark is not None
        return cache.get_or_compute(p.tenant_id, (p.user_id, query.model_dump_json()),
                                    mark["mark"], page)


def get_item(db: Database, p: Principal, item_id: int) -> dict[str, Any]:
    """One action item."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return item_row(conn, item_id)


def _assigned(conn: Conn, p: Principal, item_id: int, title: str, assignee: int | None) -> None:
    if assignee is None:
        return
    audit.activity(conn, p.user_id, "action_item.assigned", None,
                   {"action_item_id": item_id, "title": title, "assignee_id": assignee})
    notify(conn, tenant_id=p.tenant_id, user_ids=[assignee], kind="assignment",
           title=f"Action item assigned to you: {title}", link=f"/app/action-items/{item_id}",
           dedupe_key=f"action_item:{item_id}:assigned:{assignee}", actor_id=p.user_id)


def create_item(db: Database, p: Principal, data: dict[str, Any],
                meta: RequestMeta | None = None, *, automation: bool = False) -> dict[str, Any]:
    """A new manual action item (created by the caller); its serialized form. `automation`:
    a workflow creates it (its event says so: workflows do not fire on their own items)."""
    status = data.get("status") or "todo"
    if status in ("proposed", "rejected"):
        raise _invalid("status", "a new item starts as todo, in_progress, blocked or done",
                       f"A new action item cannot start as {status}.")
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        _check_assignee(conn, data.get("assignee_id"))
        _check_due(conn, data.get("due_date"))
        conversation_id, message_id = _links(conn, data.get("conversation_id"),
                                             data.get("source_message_id"))
        index = data.get("position")
        row = conn.execute(Q.insert_item, {
            "title": data["title"], "description": data.get("description") or "",
            "status": status, "priority": data.get("priority") or "normal",
            "due_date": data.get("due_date"), "assignee_id": data.get("assignee_id"),
            "conversation_id": conversation_id, "source_message_id": message_id,
            "created_by": p.user_id,
            "position": None if index is None else position_at(conn, 0, status, index),
        }).fetchone()
        assert row is not None
        item_id = int(row["id"])
        conn.execute(Q.insert_event, {"type": "action_item.created", "id": item_id,
                                      "extra": Jsonb({"automation": True} if automation else {})})
        audit.activity(conn, p.user_id, "action_item.created", meta,
                       {"action_item_id": item_id, "title": data["title"], "status": status})
        _assigned(conn, p, item_id, data["title"], data.get("assignee_id"))
        return item_row(conn, item_id)


def _someone_elses(before: dict[str, Any], p: Principal) -> bool:
    others = {before["assignee_id"], before["created_by"]} - {None, p.user_id}
    return bool(others) or before["origin"] != "manual"


def _apply(conn: Conn, p: Principal, before: dict[str, Any],
           changes: dict[str, Any]) -> dict[str, Any]:
    """Validate the changes against the row; the full new values."""
    after = {f: before[f] for f in FIELDS} | {k: v for k, v in changes.items() if k in FIELDS}
    if after["status"] == "proposed" and before["status"] != "proposed":
        raise _invalid("status", "only the analysis proposes items",
                       "An item cannot go back to proposed.")
    if "assignee_id" in changes and changes["assignee_id"] != before["assignee_id"]:
        _check_assignee(conn, changes["assignee_id"])
    if "due_date" in changes and changes["due_date"] != before["due_date"]:
        _check_due(conn, changes["due_date"])
    if "position" in changes:
        after["position"] = position_at(conn, before["id"], after["status"], changes["position"])
    elif after["status"] != before["status"]:
        after["position"] = before["position"]  # the trigger puts it last in its new column
    return after


def update_item(db: Database, p: Principal, item_id: int, changes: dict[str, Any],
                meta: RequestMeta | None = None, *, action: str = "actions.update",
                expect_status: str | None = None) -> dict[str, Any]:
    """Change fields of an action item; moving it (status and/or position) reorders."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.lock_item, {"id": item_id}).fetchone()
        if before is None:
            raise NotFound("No such action item.")
        if expect_status is not None and before["status"] != expect_status:
            raise Conflict(f"Only a {expect_status} item can be {action.split('.')[-1]}ed; "
                           f"this one is {before['status']}.", code="not_proposed")
        after = _apply(conn, p, before, changes)
        conn.execute(Q.update_item, {**after, "id": item_id})
        changed = {f: (before[f], after[f]) for f in FIELDS if before[f] != after[f]}
        moved = {"status_from": before["status"], "status_to": after["status"]} \
            if "status" in changed else {}
        conn.execute(Q.insert_event, {"type": "action_item.updated", "id": item_id,
                                      "extra": Jsonb(moved)})
        if "status" in changed or "position" in changed:
            audit.activity(conn, p.user_id, "action_item.moved", meta, {
                "action_item_id": item_id, "title": after["title"],
                "from": before["status"], "to": after["status"]})
        if "assignee_id" in changed:
            _assigned(conn, p, item_id, after["title"], after["assignee_id"])
        if changed and (_someone_elses(before, p) or expect_status is not None):
            audit.record(conn, p.tenant_id, p.user_id, action, meta, target_type="action_item",
                         target_id=item_id, before={k: str(v[0]) for k, v in changed.items()},
                         after={k: str(v[1]) for k, v in changed.items()})
        return item_row(conn, item_id)


def delete_item(db: Database, p: Principal, item_id: int,
                meta: RequestMeta | None = None) -> None:
    """Delete an action item and its comments (audited)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.lock_item, {"id": item_id}).fetchone()
        if before is None:
            raise NotFound("No such action item.")
        conn.execute(Q.delete_item, {"id": item_id})
        conn.execute(Q.insert_deleted_event, {"id": item_id, "status": before["status"],
                                              "conversation_id": before["conversation_id"]})
        audit.record(conn, p.tenant_id, p.user_id, "actions.delete", meta,
                     target_type="action_item", target_id=item_id,
                     before={"title": before["title"], "status": before["status"],
                             "assignee_id": before["assignee_id"]})
        audit.activity(conn, p.user_id, "action_item.deleted", meta,
                       {"action_item_id": item_id, "title": before["title"]})
