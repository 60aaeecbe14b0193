"""Private notes (Flask-free): written by members, listed beside the thread, deleted by their
author or a manager and up (others: 403, audited). Never sent to WhatsApp.

@mentions are resolved when a note is written (webapp.notifications.mentions): each mentioned
member is notified once; a name that is not a member's stays plain text and notifies nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.errors import Forbidden, NotFound
from webapp.notifications.mentions import resolve_mentions
from webapp.notifications.service import notify
from webapp.pagination import cursor_id, page
from webapp.security import rbac
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


@dataclass(frozen=True, slots=True)
class NotedConversation:
    """The conversation a note is on (find_conversation): its title names it in mentions."""

    id: int
    title: str


def _conversation(conn: Conn, conversation_id: int) -> NotedConversation:
    row = fetch_one(conn, NotedConversation, Q.find_conversation, {"id": conversation_id})
    if row is None:
        raise NotFound("No such conversation.", details={"conversation_id": conversation_id})
    return row


def list_notes(db: Database, p: Principal, conversation_id: int, *, limit: int,
               cursor: str | None) -> dict[str, Any]:
    """A page of a conversation's notes, oldest first."""
    after = cursor_id(cursor) or 0
    with db.tenant(p.tenant_id, p.user_id) as conn:
        _conversation(conn, conversation_id)
        rows = conn.execute(Q.list_notes, {"conversation_id": conversation_id,
                                           "after_id": after, "limit": limit + 1}).fetchall()
    result = page(rows, limit)
    result["data"] = [r["row"] for r in result["data"]]
    return result


def create_note(db: Database, p: Principal, conversation_id: int, body: str,
                meta: RequestMeta | None = None) -> dict[str, Any]:
    """A new note by the caller; the members it mentions are notified once."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        note = _write(conn, p.tenant_id, conversation_id, body, author_id=p.user_id,
                      who=p.name)
        audit.activity(conn, p.user_id, "note.created", meta,
                       {"conversation_id": conversation_id, "note_id": note["id"]})
        return note


def create_unattributed_note(conn: Conn, tenant_id: int, conversation_id: int,
                             body: str) -> dict[str, Any]:
    """A note written by no member (an incoming webhook), in the caller's tenant transaction;
    the members it mentions are notified once. NotFound for another tenant's conversation."""
    return _write(conn, tenant_id, conversation_id, body, author_id=None, who="An integration")


def _write(conn: Conn, tenant_id: int, conversation_id: int, body: str, *,
           author_id: int | None, who: str) -> dict[str, Any]:
    """Store a note with its mentions, its event and one notification per mentioned member."""
    conv = _conversation(conn, conversation_id)
    mentions = resolve_mentions(conn, tenant_id, body)
    row = conn.execute(Q.insert_note, {
        "conversation_id": conversation_id, "author_id": author_id, "body": body,
        "mentions": Jsonb([m.as_json() for m in mentions])}).fetchone()
    assert row is not None
    note_id = int(row["id"])
    conn.execute(Q.insert_note_event, {"type": "note.created", "id": note_id,
                                       "conversation_id": conversation_id})
    title = conv.title or "a conversation"
    for m in mentions:
        notify(conn, tenant_id=tenant_id, user_ids=[m.user_id], kind="mention",
               title=f"{who} mentioned you in a note on {title}", body=body[:300],
               link=f"/app/conversations/{conversation_id}#note-{note_id}",
               dedupe_key=f"note:{note_id}:mention", actor_id=author_id)
    got = conn.execute(Q.get_note, {"id": note_id}).fetchone()
    assert got is not None
    note: dict[str, Any] = got["row"]
    return note


def delete_note(db: Database, p: Principal, note_id: int,
                meta: RequestMeta | None = None) -> dict[str, Any]:
    """Delete a note: its author, or a manager and up (others: 403, audited)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = conn.execute(Q.lock_note, {"id": note_id}).fetchone()
        if row is None:
            raise NotFound("No such note.")
        if row["author_id"] == p.user_id or rbac.allowed(p.role, "notes.moderate"):
            conn.execute(Q.delete_note, {"id": note_id})
            conn.execute(Q.insert_note_event, {"type": "note.deleted", "id": note_id,
                                               "conversation_id": row["conversation_id"]})
            audit.record(conn, p.tenant_id, p.user_id, "notes.delete", meta,
                         target_type="note", target_id=note_id,
                         before={"author_id": row["author_id"], "body": row["body"],
                                 "conversation_id": row["conversation_id"]})
            return {"status": "deleted", "id": note_id,
                    "conversation_id": row["conversation_id"]}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        audit.record(conn, p.tenant_id, p.user_id, "notes.delete", meta, outcome="denied",
                     target_type="note", target_id=note_id,
                     details={"reason": "not the author"})
    raise Forbidden("Only its author or a manager can delete this note.",
                    details={"action": "notes.delete", "required_role": "manager"})
