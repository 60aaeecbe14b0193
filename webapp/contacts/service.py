"""Contacts of a tenant (Flask-free): search, one contact with its conversations, and the
team's edits (saved name, notes, custom attributes, labels), audited.

A saved name titles the contact's direct chats (and wins over the WhatsApp push name from then
on, also at ingest); clearing it gives the chats back the push name.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound
from webapp.messaging.rows import ConversationJson
from webapp.pagination import bad_cursor, decode_cursor, encode_cursor
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
EDITABLE = ("display_name", "notes", "attributes")


def _json(conn: Conn, ids: list[int]) -> list[dict[str, Any]]:
    rows = {r["row"]["id"]: r["row"] for r in conn.execute(Q.contacts_json, {"ids": ids})}
    return [rows[i] for i in ids if i in rows]


def _one(conn: Conn, contact_id: int) -> dict[str, Any]:
    found = _json(conn, [contact_id])
    if not found:
        raise NotFound("No such contact.", details={"contact_id": contact_id})
    return found[0]


def search(db: Database, p: Principal, q: str | None, limit: int,
           cursor: str | None) -> dict[str, Any]:
    """Contacts by name whose name or number contains `q`; a page and the next cursor."""
    after = decode_cursor(cursor, {"n", "i"})
    if after is not None and not (isinstance(after["n"], str) and isinstance(after["i"], int)):
        raise bad_cursor()
    digits = "".join(ch for ch in q or "" if ch.isdigit()) or None
    params = {"q": q or None, "digits": digits if digits and len(digits) >= 3 else "\x01",
              "after_name": after["n"] if after else None,
              "after_id": after["i"] if after else None, "limit": limit + 1}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        ids = [r["id"] for r in conn.execute(Q.search, params)]
        rows = _json(conn, ids[:limit])
    nxt = ({"n": rows[-1]["sort_name"], "i": rows[-1]["id"]}
           if len(ids) > limit and rows else None)
    for row in rows:
        row.pop("sort_name")
    return {"data": rows, "next_cursor": encode_cursor(nxt) if nxt else None}


def get(db: Database, p: Principal, contact_id: int) -> dict[str, Any]:
    """One contact with the conversations they take part in."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = _one(conn, contact_id)
        row.pop("sort_name")
        conversations: list[ConversationJson] = [
            r["row"] for r in conn.execute(Q.contact_conversations, {"id": contact_id})]
        row["conversations"] = conversations
        return row


def update(db: Database, p: Principal, contact_id: int, changes: dict[str, Any],
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """Change the saved name, notes, attributes and/or labels (label_ids: exactly these)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.lock_contact, {"id": contact_id}).fetchone()
        if before is None:
            raise NotFound("No such contact.", details={"contact_id": contact_id})
        after = {k: changes.get(k, before[k]) for k in EDITABLE}
        conn.execute(Q.update_contact, {**after, "attributes": Jsonb(after["attributes"]),
                                        "id": contact_id, "user_id": p.user_id})
        if "label_ids" in changes:
            ids = sorted(set(changes["label_ids"]))
            found = {r["id"] for r in conn.execute(Q.find_labels, {"ids": ids})}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound("No such label.", details={
                    "fields": {"label_ids": f"no such label: {missing[0]}"}})
            conn.execute(Q.set_labels, {"id": contact_id, "ids": ids})
        if after["display_name"] != before["display_name"]:
            conn.execute(Q.retitle_direct_chats, {"id": contact_id,
                                                  "display_name": after["display_name"]})
        conn.execute(Q.touch_conversations, {"id": contact_id})
        audit.record(conn, p.tenant_id, p.user_id, "contacts.update", meta,
                     target_type="contact", target_id=contact_id,
                     before={k: before[k] for k in changes if k in EDITABLE},
                     after={k: v for k, v in changes.items()})
        row = _one(conn, contact_id)
        row.pop("sort_name")
        return row
