"""Lossless, idempotent ingest of traffic records: one transaction and a handful of set-based
statements per batch, whatever mix of messages, edits, revokes, reactions and receipts it holds."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import NotFound
from webapp.media import registry
from webapp.messaging import contacts
from webapp.messaging.operations import apply_pending
from webapp.messaging.records import (
    EditRecord,
    InvalidRecord,
    MessageRecord,
    PresenceRecord,
    ReactionRecord,
    ReceiptRecord,
    Record,
    RevokeRecord,
    validate_record,
)

Q = load(__file__)
BATCH_SIZE = 5000
OpRecord = EditRecord | RevokeRecord | ReactionRecord | ReceiptRecord


@dataclass
class IngestResult:
    """What a call to ingest did: counts, and each rejected input with its reason."""

    ingested: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    presence: int = 0
    pending_operations: int = 0
    message_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        """Fold another batch's result into this one."""
        self.ingested += other.ingested
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.presence += other.presence
        self.pending_operations += other.pending_operations
        self.message_ids += other.message_ids


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message a batch stored (insert_messages; a duplicate is not returned)."""

    id: int
    wa_message_id: str
    conversation_id: int
    from_me: bool
    sent_at: dt.datetime


def ingest(db: Database, tenant_id: int, records: Iterable[Record | dict[str, Any]], *,
           device_id: int | None = None, batch_size: int = BATCH_SIZE,
           history: bool = False) -> IngestResult:
    """Validate and store records for one tenant and device, in batches; idempotent.

    Raises NotFound when the device is not this tenant's (another tenant's, or none): each
    batch's transaction checks that first, before it writes anything, and so does a call with
    nothing valid to store. The composite foreign keys (tenant_id, device_id) of migration 0011
    refuse such rows too; this check gives the clear error. `history`: the records come from
    history sync (their message.created events say so; workflows do not fire on them).
    """
    total = IngestResult()
    if device_id is None:
        device_id = default_device(db, tenant_id)
    checked = False
    for batch in _batches(_validated(records, total), batch_size):
        with db.tenant(tenant_id, events=True) as conn:  # the event lock before any row lock
            require_device(conn, device_id)
            checked = True
            total.add(ingest_batch(conn, device_id, batch, history=history))
    if not checked:
        with db.tenant(tenant_id) as conn:
            require_device(conn, device_id)
    return total


def require_device(conn: Conn, device_id: int) -> None:
    """Raise NotFound unless the device is visible in the caller's tenant transaction."""
    if conn.execute(Q.select_tenant_device, {"device_id": device_id}).fetchone() is None:
        raise NotFound("No such device.", details={"device_id": device_id})


def resolve_device(db: Database, tenant_id: int, device_id: int | None) -> int:
    """The device to ingest into: the given one if it is the tenant's, else the default one.

    Raises NotFound ("No such tenant." / "No such device.") otherwise."""
    if device_id is None:
        return default_device(db, tenant_id)
    with db.tenant(tenant_id) as conn:
        if conn.execute(Q.select_current_tenant).fetchone() is None:
            raise NotFound("No such tenant.", details={"tenant_id": tenant_id})
        require_device(conn, device_id)
    return device_id


def default_device(db: Database, tenant_id: int) -> int:
    """The tenant's first device, creating a simulator device when it has none.

    Raises NotFound when the tenant does not exist."""
    with db.tenant(tenant_id) as conn:
        if conn.execute(Q.select_current_tenant).fetchone() is None:
            raise NotFound("No such tenant.", details={"tenant_id": tenant_id})
        row = conn.execute(Q.select_default_device).fetchone()
        if row is None:
            row = conn.execute(Q.insert_simulator_device, {"name": "Simulator"}).fetchone()
    assert row is not None
    return int(row["id"])


def _validated(
    records: Iterable[Record | dict[str, Any]], result: IngestResult
) -> Iterator[Record]:
    for index, item in enumerate(records, start=1):
        try:
            yield validate_record(item)
        except InvalidRecord as exc:
            result.rejected.append((index, exc.reason))


def _batches(items: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while chunk := list(islice(items, size)):
        yield chunk


def ingest_batch(conn: Conn, device_id: int, batch: list[Record], *,
                 history: bool = False) -> IngestResult:
    """Store one batch inside the caller's tenant transaction."""
    result = IngestResult()
    all_messages = [r for r in batch if isinstance(r, MessageRecord)]
    messages = _dedupe(all_messages)
    ops = [r for r in batch if isinstance(r, EditRecord | RevokeRecord | ReactionRecord
                                          | ReceiptRecord)]
    # A from-me message's sender_name is our own push name: it names nobody in the chat.
    people = [(m.sender, m.sender_alt, m.sender_name, m.timestamp)
              for m in messages if not m.from_me]
    people += [(m.chat, m.chat_alt, None if m.from_me else m.sender_name, m.timestamp)
               for m in messages if not m.chat.endswith("@g.us")]
    resolved = contacts.resolve(conn, people)
    contact_ids = resolved.ids
    inserted: list[StoredMessage] = []
    if messages:
        chat_ids = _upsert_conversations(conn, device_id, messages, contact_ids)
        inserted = _insert_messages(conn, device_id, messages, chat_ids, contact_ids, history)
        media = {m.id: m.media for m in messages if m.media is not None}
        registry.register(conn, device_id, [(r.id, media[r.wa_message_id])
                                            for r in inserted if r.wa_message_id in media])
    result.ingested = len(inserted)
    result.duplicates = len(all_messages) - len(inserted)
    result.presence = _count_presence(conn, batch)
    result.message_ids = [r.id for r in inserted]
    touched = _apply_ops(conn, device_id, ops, [r.wa_message_id for r in inserted], result)
    if inserted:
        conn.execute(Q.bump_conversations, {
            "conversation_ids": [r.conversation_id for r in inserted],
            "ids": result.message_ids,
            "sent_at": [r.sent_at for r in inserted],
            "from_me": [r.from_me for r in inserted]})
    updated = sorted(touched - set(result.message_ids))
    if updated:
        conn.execute(Q.insert_message_update_events, {"ids": updated})
    conversations = sorted({r.conversation_id for r in inserted}
                           | set(resolved.retitled))
    if conversations:
        conn.execute(Q.insert_conversation_events, {"ids": conversations})
    return result


def _dedupe(messages: list[MessageRecord]) -> list[MessageRecord]:
    """Within a batch the first copy of a message id counts (the rest are duplicates)."""
    seen: dict[str, MessageRecord] = {}
    for m in messages:
        seen.setdefault(m.id, m)
    return list(seen.values())


def _count_presence(conn: Conn, batch: list[Record]) -> int:
    presence = [r for r in batch if isinstance(r, PresenceRecord)]
    for p in presence:
        if p.state == "available" or p.last_seen:
            conn.execute(Q.touch_presence, {"jid": p.sender, "at": p.last_seen or p.timestamp})
    return len(presence)


def chat_key(m: MessageRecord, contact_ids: dict[str, int]) -> str:
    """The conversation key: the group JID, or the contact (stable across LID switches)."""
    if m.chat.endswith("@g.us"):
        return f"g:{m.chat}"
    return f"c:{contact_ids[m.chat]}"


def _group_subjects(messages: list[MessageRecord]) -> dict[str, tuple[str, dt.datetime]]:
    """Each group's newest subject in the batch, with the time of the record carrying it."""
    subjects: dict[str, tuple[str, dt.datetime]] = {}
    for m in messages:
        if m.chat_name and m.chat.endswith("@g.us"):
            held = subjects.get(m.chat)
            if held is None or contacts.name_newer(m.chat_name, m.timestamp, held[0], held[1]):
                subjects[m.chat] = (m.chat_name, m.timestamp)
    return subjects


def _upsert_conversations(conn: Conn, device_id: int, messages: list[MessageRecord],
                          contact_ids: dict[str, int]) -> dict[str, int]:
    """Conversation ids by chat key: existing ones are read, missing ones created. A group's
    title is its newest subject (by WhatsApp time); a direct chat's is its contact's name."""
    subjects = _group_subjects(messages)
    rows: dict[str, tuple[str, bool, int | None]] = {}
    for m in messages:
        group = m.chat.endswith("@g.us")
        rows[chat_key(m, contact_ids)] = (m.chat, group, None if group else contact_ids[m.chat])
    keys = sorted(rows)
    titles = [subjects.get(rows[k][0], (None, None)) for k in keys]
    params = {"device_id": device_id, "keys": keys}
    found = {r["chat_key"]: r for r in conn.execute(Q.select_conversations, params).fetchall()}
    missing = [i for i, k in enumerate(keys) if k not in found]
    retitle = [i for i, k in enumerate(keys) if titles[i][0] is not None and k in found]
    if missing:
        conn.execute(Q.insert_conversations, {
            "device_id": device_id, "keys": [keys[i] for i in missing],
            "jids": [rows[keys[i]][0] for i in missing],
            "groups": [rows[keys[i]][1] for i in missing],
            "contacts": [rows[keys[i]][2] for i in missing],
            "titles": [titles[i][0] for i in missing],
            "titles_at": [titles[i][1] for i in missing]})
        found = {r["chat_key"]: r for r in conn.execute(Q.select_conversations, params).fetchall()}
    if retitle:
        conn.execute(Q.retitle_groups, {"ids": [found[keys[i]]["id"] for i in retitle],
                                        "titles": [titles[i][0] for i in retitle],
                                        "titles_at": [titles[i][1] for i in retitle]})
    return {k: int(r["id"]) for k, r in found.items()}


def _insert_messages(conn: Conn, device_id: int, messages: list[MessageRecord],
                     chat_ids: dict[str, int], contact_ids: dict[str, int],
                     history: bool = False) -> list[StoredMessage]:
    return fetch_all(conn, StoredMessage, Q.insert_messages, {
        "device_id": device_id, "history": history,
        "conversation_ids": [chat_ids[chat_key(m, contact_ids)] for m in messages],
        "wa_ids": [m.id for m in messages],
        "senders": [m.sender for m in messages],
        "sender_contacts": [None if m.from_me else contact_ids.get(m.sender) for m in messages],
        "sender_names": [m.sender_name for m in messages],
        "from_me": [m.from_me for m in messages],
        "sent_at": [m.timestamp for m in messages],
        "bodies": [m.text for m in messages],
        "medias": [None if m.media is None else Jsonb(m.media.public()) for m in messages],
        "quoted": [m.quoted_id for m in messages],
        "forwarded": [m.forwarded for m in messages],
    })


def _op_rows(ops: list[OpRecord]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for op in ops:
        targets = op.target_ids if isinstance(op, ReceiptRecord) else [op.target_id]
        for target in targets:
            rows.append((op.id, op.kind, target, op.model_dump_json(exclude_none=True)))
    return rows


def _apply_ops(conn: Conn, device_id: int, ops: list[OpRecord], new_wa_ids: list[str],
               result: IngestResult) -> set[int]:
    """Record new operations, then apply every unapplied one whose message is now stored."""
    rows = _op_rows(ops)
    fresh_keys: set[tuple[str, str, str]] = set()
    if rows:
        fresh = conn.execute(Q.insert_ops, {
            "device_id": device_id, "op_ids": [r[0] for r in rows],
            "kinds": [r[1] for r in rows], "targets": [r[2] for r in rows],
            "records": [Jsonb(json.loads(r[3])) for r in rows]}).fetchall()
        fresh_keys = {(f["kind"], f["op_id"], f["target_wa_id"]) for f in fresh}
        new_ops = len({(f["kind"], f["op_id"]) for f in fresh})
        result.ingested += new_ops
        result.duplicates += len(ops) - new_ops
    targets = sorted({r[2] for r in rows} | set(new_wa_ids))
    if not targets:
        return set()
    applicable, touched = apply_pending(conn, device_id, targets)
    applied_keys = {(a.kind, a.op_id, a.target_wa_id) for a in applicable}
    result.pending_operations = len(fresh_keys - applied_keys)
    return touched
