"""Notifications per recipient (Flask-free): created by the service that causes them.

`notify(...)` is the one way to create them, inside the caller's tenant transaction (opened with
`events=True`: each row appends a `notification.created` event addressed to its recipient only,
`events.for_user_id`). Read-state changes append `notification.updated` (the notification) or
`notification.read_all` for the reader's other tabs. Recipients who are not members of the
tenant, and the actor, are skipped. A `dedupe_key` makes a cause notify each recipient once (a
unique key per recipient), so a later edit of the same thing does not notify again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound, ValidationFailed
from webapp.inputs import INT64_MAX
from webapp.pagination import bad_cursor, cursor_int, decode_cursor, encode_cursor
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
TITLE_MAX, BODY_MAX, LINK_MAX = 200, 2000, 500


def notify(conn: Conn, *, tenant_id: int, user_ids: Sequence[int], kind: str, title: str,
           body: str = "", link: str | None = None, dedupe_key: str | None = None,
           actor_id: int | None = None) -> int:
    """Notify members of the tenant (the actor excepted); the number of rows created."""
    del tenant_id  # the rows' tenant is the transaction's (RLS WITH CHECK enforces it)
    recipients = sorted({int(u) for u in user_ids if u is not None})
    if not recipients:
        return 0
    row = conn.execute(Q.insert_notifications, {
        "user_ids": recipients, "kind": kind, "title": title[:TITLE_MAX],
        "body": body[:BODY_MAX], "link": None if link is None else link[:LINK_MAX],
        "actor_id": actor_id, "dedupe_key": dedupe_key}).fetchone()
    return 0 if row is None else int(row["created"])


def members_with_roles(conn: Conn, roles: Sequence[str]) -> list[int]:
    """The tenant's members having one of these roles."""
    return [int(r["user_id"]) for r in
            conn.execute(Q.members_with_roles, {"roles": list(roles)}).fetchall()]


def _after(cursor: str | None, unread_only: bool) -> dict[str, int]:
    """Where each part of the inbox continues (0: skip that part)."""
    unread_after = read_after = INT64_MAX
    after = decode_cursor(cursor, {"read", "id"})
    if after is not None:
        if not isinstance(after["read"], bool):
            raise bad_cursor()
        last = cursor_int(after, "id")
        if after["read"]:
            unread_after, read_after = 0, last
        else:
            unread_after = last
    return {"unread_after": unread_after, "read_after": 0 if unread_only else read_after}


def list_notifications(db: Database, p: Principal, *, unread: bool, limit: int,
                       cursor: str | None) -> dict[str, Any]:
    """My notifications, unread first then newest; with the unread count."""
    params: dict[str, Any] = {"user_id": p.user_id, "limit": limit + 1,
                              **_after(cursor, unread)}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(Q.list_inbox, params).fetchall()
        unread_count = conn.execute(Q.count_unread, {"user_id": p.user_id}).fetchone()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = (encode_cursor({"read": rows[-1]["is_read"], "id": rows[-1]["id"]})
           if more and rows else None)
    return {"data": [r["row"] for r in rows], "next_cursor": nxt,
            "unread_count": int(unread_count["unread"]) if unread_count else 0}


def unread_count(db: Database, p: Principal) -> int:
    """How many of my notifications are unread (the bell's number)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.count_unread, {"user_id": p.user_id}).fetchone()
    return int(row["unread"]) if row else 0


def mark_read(db: Database, p: Principal, notification_id: int, read: bool) -> dict[str, Any]:
    """Mark one of my notifications read or unread; NotFound for anyone else's."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = conn.execute(Q.set_read, {"id": notification_id, "user_id": p.user_id,
                                        "read": read}).fetchone()
        if row is None:
            raise NotFound("No such notification.")
        conn.execute(Q.insert_updated_event, {"id": row["id"], "user_id": p.user_id})
    result: dict[str, Any] = row["row"]
    return result


def read_all(db: Database, p: Principal) -> int:
    """Mark all my notifications read; how many changed."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        changed = max(conn.execute(Q.read_all, {"user_id": p.user_id}).rowcount, 0)
        if changed:
            conn.execute(Q.insert_read_all_event, {"user_id": p.user_id})
        return changed


def send(db: Database, p: Principal, *, user_id: int | None, role: str | None, title: str,
         body: str, link: str | None, meta: RequestMeta | None = None) -> int:
    """A manager's message to one member or to every member of a role; rows created."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        if user_id is not None:
            if conn.execute(Q.is_member, {"user_id": user_id}).fetchone() is None:
                raise ValidationFailed("user_id must be a member of this team.",
                                       details={"fields": {"user_id": "not a member of this "
                                                                      "tenant"}})
            recipients = [user_id]
        else:
            recipients = members_with_roles(conn, [role or ""])
        created = notify(conn, tenant_id=p.tenant_id, user_ids=recipients, kind="message",
                         title=title, body=body, link=link, actor_id=p.user_id)
        audit.record(conn, p.tenant_id, p.user_id, "notifications.send", meta,
                     target_type="user" if user_id is not None else "role",
                     target_id=user_id if user_id is not None else role,
                     after={"title": title, "recipients": created})
    return created
