"""Labels of a tenant and the labels on its conversations (Flask-free).

Names are unique per tenant ignoring case (migration 0012). A change to what a conversation
shows (a label attached, detached, renamed, recoloured or deleted) bumps the conversation's
`updated_at` and appends a `conversation.updated` event, as PATCH /conversations/:id does, so
open dashboards re-read it.
"""

from __future__ import annotations

from typing import Any

from psycopg import errors as pg

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import Conflict, NotFound
from webapp.messaging.conversations import conversation_row
from webapp.messaging.rows import ConversationJson
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
DEFAULT_COLOR = "#64748b"


def name_taken(name: str) -> Conflict:
    """The 409 for a name another label of the tenant already has (in any letter case)."""
    return Conflict(f"A label named {name!r} already exists.", code="label_name_taken",
                    details={"fields": {"name": "already used by another label"}})


def _label(conn: Conn, label_id: int) -> dict[str, Any]:
    row = conn.execute(Q.get_label, {"id": label_id}).fetchone()
    if row is None:
        raise NotFound("No such label.")
    return row


def list_labels(db: Database, p: Principal) -> list[dict[str, Any]]:
    """Every label of the tenant by name, with its conversation count."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return conn.execute(Q.list_labels).fetchall()


def create_label(db: Database, p: Principal, name: str, color: str | None,
                 meta: RequestMeta | None = None) -> dict[str, Any]:
    """A new label; Conflict when the tenant has one with that name in any letter case."""
    color = color or DEFAULT_COLOR
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.insert_label, {"name": name, "color": color}).fetchone()
        if row is None:
            raise name_taken(name)
        audit.record(conn, p.tenant_id, p.user_id, "labels.create", meta, target_type="label",
                     target_id=row["id"], after={"name": name, "color": color})
    return row


def update_label(db: Database, p: Principal, label_id: int, changes: dict[str, Any],
                 meta: RequestMeta | None = None) -> dict[str, Any]:
    """Rename or recolour a label; the conversations carrying it get an update event."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.lock_label, {"id": label_id}).fetchone()
        if before is None:
            raise NotFound("No such label.")
        after = {"name": changes.get("name") or before["name"],
                 "color": changes.get("color") or before["color"]}
        if after == {"name": before["name"], "color": before["color"]}:
            return _label(conn, label_id)
        try:
            with conn.transaction():  # a savepoint: the duplicate name becomes a clean 409
                conn.execute(Q.update_label, {**after, "id": label_id})
        except pg.UniqueViolation as exc:
            raise name_taken(after["name"]) from exc
        conn.execute(Q.touch_labelled_conversations, {"label_id": label_id})
        audit.record(conn, p.tenant_id, p.user_id, "labels.update", meta, target_type="label",
                     target_id=label_id,
                     before={"name": before["name"], "color": before["color"]}, after=after)
        return _label(conn, label_id)


def delete_label(db: Database, p: Principal, label_id: int,
                 meta: RequestMeta | None = None) -> dict[str, Any]:
    """Delete a label and take it off every conversation (each gets an update event)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        if conn.execute(Q.lock_label, {"id": label_id}).fetchone() is None:
            raise NotFound("No such label.")
        label = _label(conn, label_id)
        conn.execute(Q.touch_labelled_conversations, {"label_id": label_id})
        conn.execute(Q.delete_label, {"id": label_id})
        audit.record(conn, p.tenant_id, p.user_id, "labels.delete", meta, target_type="label",
                     target_id=label_id, before={"name": label["name"], "color": label["color"],
                                                 "conversation_count": label["conversation_count"]})
    return label


def _check_both(conn: Conn, conversation_id: int, label_id: int) -> None:
    """NotFound unless the conversation and the label are both the tenant's (RLS)."""
    if conn.execute(Q.find_conversation, {"id": conversation_id}).fetchone() is None:
        raise NotFound("No such conversation.")
    if conn.execute(Q.find_label, {"id": label_id}).fetchone() is None:
        raise NotFound("No such label.", details={"fields": {"label_id": "no such label"}})


def attach_label(db: Database, p: Principal, conversation_id: int,
                 label_id: int) -> ConversationJson:
    """Put a label on a conversation (already there: nothing changes); the conversation."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        _check_both(conn, conversation_id, label_id)
        params = {"conversation_id": conversation_id, "label_id": label_id}
        if conn.execute(Q.attach_label, params).fetchone() is not None:
            conn.execute(Q.touch_conversation, {"id": conversation_id})
        return conversation_row(conn, conversation_id)


def detach_label(db: Database, p: Principal, conversation_id: int,
                 label_id: int) -> ConversationJson:
    """Take a label off a conversation (not there: nothing changes); the conversation."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        _check_both(conn, conversation_id, label_id)
        params = {"conversation_id": conversation_id, "label_id": label_id}
        if conn.execute(Q.detach_label, params).fetchone() is not None:
            conn.execute(Q.touch_conversation, {"id": conversation_id})
        return conversation_row(conn, conversation_id)
