"""Comments on action items (Flask-free), with @mentions resolved when they are written.

A mentioned member gets one notification per comment. A comment is deleted by its author, or by
a manager and up; anyone else gets a 403 that is audited (in its own transaction, the request
being about to fail). Each change appends `comment.created|deleted` and `action_item.updated`
(the item's comment count changed).
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import Forbidden, NotFound
from webapp.notifications.mentions import resolve_mentions
from webapp.notifications.service import notify
from webapp.pagination import cursor_id, page
from webapp.security import rbac
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


def _item(conn: Conn, item_id: int) -> dict[str, Any]:
    row = conn.execute(Q.find_item, {"id": item_id}).fetchone()
    if row is None:
        raise NotFound("No such action item.")
    return row


def _comment(conn: Conn, comment_id: int) -> dict[str, Any]:
    row = conn.execute(Q.get_comment, {"id": comment_id}).fetchone()
    if row is None:
        raise NotFound("No such comment.")
    result: dict[str, Any] = row["row"]
    return result


def list_comments(db: Database, p: Principal, item_id: int, *, limit: int,
                  cursor: str | None) -> dict[str, Any]:
    """A page of an action item's comments, oldest first."""
    after = cursor_id(cursor) or 0  # a bad cursor is a 400 whatever the item
    with db.tenant(p.tenant_id, p.user_id) as conn:
        _item(conn, item_id)
        rows = conn.execute(Q.list_comments, {"item_id": item_id, "limit": limit + 1,
                                              "after_id": after}).fetchall()
    result = page(rows, limit)
    result["data"] = [r["row"] for r in result["data"]]
    return result


def create_comment(db: Database, p: Principal, item_id: int, body: str,
                   meta: RequestMeta | None = None) -> dict[str, Any]:
    """A new comment by the caller; mentioned members are notified once."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        item = _item(conn, item_id)
        mentions = resolve_mentions(conn, p.tenant_id, body)
        row = conn.execute(Q.insert_comment, {
            "item_id": item_id, "author_id": p.user_id, "body": body,
            "mentions": Jsonb([m.as_json() for m in mentions])}).fetchone()
        assert row is not None
        comment_id = int(row["id"])
        conn.execute(Q.insert_comment_events, {"type": "comment.created", "id": comment_id,
                                               "item_id": item_id})
        audit.activity(conn, p.user_id, "comment.created", meta,
                       {"action_item_id": item_id, "comment_id": comment_id,
                        "title": item["title"]})
        for m in mentions:
            notify(conn, tenant_id=p.tenant_id, user_ids=[m.user_id], kind="mention",
                   title=f"{p.name} mentioned you on: {item['title']}", body=body[:300],
                   link=f"/app/action-items/{item_id}#comment-{comment_id}",
                   dedupe_key=f"comment:{comment_id}:mention", actor_id=p.user_id)
        return _comment(conn, comment_id)


def delete_comment(db: Database, p: Principal, comment_id: int,
                   meta: RequestMeta | None = None) -> dict[str, Any]:
    """Delete a comment: its author, or a manager and up (others: 403, audited)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = conn.execute(Q.lock_comment, {"id": comment_id}).fetchone()
        if row is None:
            raise NotFound("No such comment.")
        allowed = row["author_id"] == p.user_id or rbac.RANK[p.role] >= rbac.RANK["manager"]
        if allowed:
            conn.execute(Q.delete_comment, {"id": comment_id})
            conn.execute(Q.insert_comment_events, {"type": "comment.deleted", "id": comment_id,
                                                   "item_id": row["action_item_id"]})
            audit.record(conn, p.tenant_id, p.user_id, "comments.delete", meta,
                         target_type="comment", target_id=comment_id,
                         before={"author_id": row["author_id"], "body": row["body"],
                                 "action_item_id": row["action_item_id"]})
            return {"status": "deleted", "id": comment_id,
                    "action_item_id": row["action_item_id"]}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        audit.record(conn, p.tenant_id, p.user_id, "comments.delete", meta, outcome="denied",
                     target_type="comment", target_id=comment_id,
                     details={"reason": "not the author"})
    raise Forbidden("Only its author or a manager can delete this comment.",
                    details={"action": "comments.delete", "required_role": "manager"})
