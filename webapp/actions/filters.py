"""The action-item list's query: filters, order and keyset cursors, composed from named SQL
fragments so that every combination is a plain, index-backed statement (no `x is null or`)."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import sql
from pydantic import Field, field_validator

from webapp.db.queries import load
from webapp.inputs import Day, Id
from webapp.pagination import PageQuery, cursor_int, cursor_number, decode_cursor, encode_cursor

Q = load(__file__)
STATUSES = ("proposed", "todo", "in_progress", "blocked", "done", "rejected")


class ItemFilters(PageQuery):
    """Filters of GET /action-items (combined with AND) and the order of the list."""

    status: str | None = Field(None, max_length=100,
                               description="one status or several, comma-separated: "
                                           + ", ".join(STATUSES))
    assignee: str | None = Field(None, max_length=20, pattern=r"^(me|none|[1-9][0-9]{0,18})$",
                                 description="a member id, `me` or `none` (unassigned)")
    due_before: Day | None = Field(None, description="due before this day (YYYY-MM-DD)")
    conversation_id: Id | None = None
    origin: Literal["manual", "proposed"] | None = None
    order: Literal["newest", "position"] = Field(
        "newest", description="newest first, or `position`: column order (the kanban)")

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: str | None) -> str | None:
        if value is not None:
            bad = [s for s in value.split(",") if s not in STATUSES]
            if bad or not value:
                raise ValueError("must be one or more of " + ", ".join(STATUSES))
        return value


def _after(q: ItemFilters) -> dict[str, Any]:
    if q.order == "position":
        after = decode_cursor(q.cursor, {"position", "id"})
        return {} if after is None else {"after_position": cursor_number(after, "position"),
                                         "after_id": cursor_int(after, "id")}
    after = decode_cursor(q.cursor, {"id"})
    return {} if after is None else {"after_id": cursor_int(after, "id")}


def compose(q: ItemFilters, user_id: int) -> tuple[sql.Composed, dict[str, Any]]:
    """The list statement and its parameters."""
    statuses = sorted(set(q.status.split(","))) if q.status else []
    assignee = None if q.assignee in (None, "none") else (
        user_id if q.assignee == "me" else int(q.assignee or 0))
    params: dict[str, Any] = {
        "status": statuses, "one_status": statuses[0] if len(statuses) == 1 else None,
        "assignee_id": assignee, "due_before": q.due_before,
        "conversation_id": q.conversation_id, "limit": q.limit + 1, **_after(q)}
    given = [(len(statuses) == 1, Q.filter_one_status), (len(statuses) > 1, Q.filter_status),
             (assignee is not None, Q.filter_assignee), (q.assignee == "none", Q.filter_unassigned),
             (q.due_before is not None, Q.filter_due_before),
             (q.conversation_id is not None, Q.filter_conversation),
             (q.origin == "manual", Q.filter_manual), (q.origin == "proposed", Q.filter_proposed),
             ("after_id" in params, Q.after_position if q.order == "position" else Q.after_newest)]
    filters = [sql.SQL(fragment) for wanted, fragment in given if wanted]
    where = sql.SQL(" and ").join(filters) if filters else sql.SQL("true")
    order = sql.SQL(Q.order_position if q.order == "position" else Q.order_newest)
    return sql.SQL(Q.list_items).format(filters=where, order=order), params


def page_of(rows: list[dict[str, Any]], q: ItemFilters) -> dict[str, Any]:
    """`{"data": [...], "next_cursor": ...}` from limit+1 rows."""
    more = len(rows) > q.limit
    rows = rows[:q.limit]
    nxt = None
    if more and rows:
        last = rows[-1]
        nxt = encode_cursor({"position": last["position"], "id": last["id"]}
                            if q.order == "position" else {"id": last["id"]})
    return {"data": [r["row"] for r in rows], "next_cursor": nxt}
