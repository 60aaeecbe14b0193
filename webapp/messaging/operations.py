"""Applying edits, revokes, reactions and receipts to stored messages, order-independently:
the latest edit and reaction by timestamp win, the earliest revoke and receipt times win."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all

Q = load(__file__)


@dataclass(frozen=True, slots=True)
class PendingOp:
    """A stored operation not applied yet whose target message is now stored (ingest and the
    outbox, after a sent message adopts its WhatsApp id, apply these)."""

    op_id: str
    kind: str  # edit | revoke | reaction | receipt
    target_wa_id: str
    record: dict[str, Any]  # the traffic record as stored (JSON)
    message_id: int


def _at(record: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))


def apply_operations(conn: Conn, ops: list[PendingOp]) -> set[int]:
    """Apply operations whose messages exist; returns the ids of the messages touched."""
    by_kind: dict[str, list[PendingOp]] = {}
    for op in ops:
        by_kind.setdefault(op.kind, []).append(op)
    edits = by_kind.get("edit", [])
    if edits:
        ids = [int(o.message_id) for o in edits]
        conn.execute(Q.insert_versions, {
            "message_ids": ids, "op_ids": [o.op_id for o in edits],
            "texts": [o.record["text"] for o in edits],
            "edited_at": [_at(o.record) for o in edits]})
        conn.execute(Q.refresh_edited_text, {"message_ids": sorted(set(ids))})
    revoked: dict[int, dt.datetime] = {}
    for o in by_kind.get("revoke", []):
        at = _at(o.record)
        revoked[o.message_id] = min(at, revoked.get(o.message_id, at))
    if revoked:
        conn.execute(Q.apply_revokes, {"message_ids": list(revoked), "at": list(revoked.values())})
    reactions = sorted(by_kind.get("reaction", []),
                       key=lambda o: (_at(o.record), o.record["emoji"]))
    for o in reactions:  # one statement per reaction: a batch may react twice to one message
        conn.execute(Q.upsert_reactions, {
            "message_ids": [o.message_id], "reactors": [o.record["sender"]],
            "emojis": [o.record["emoji"]], "at": [_at(o.record)]})
    _apply_receipts(conn, by_kind.get("receipt", []))
    return {int(o.message_id) for o in ops}


def apply_pending(conn: Conn, device_id: int, targets: list[str]
                  ) -> tuple[list[PendingOp], set[int]]:
    """Apply the device's unapplied operations on `targets` whose message is now stored and
    mark them applied; returns those operations and the ids of the messages touched."""
    ops = fetch_all(conn, PendingOp, Q.select_applicable_ops,
                    {"device_id": device_id, "targets": targets})
    touched = apply_operations(conn, ops)
    if ops:
        conn.execute(Q.mark_ops_applied, {
            "device_id": device_id, "kinds": [o.kind for o in ops],
            "op_ids": [o.op_id for o in ops], "targets": [o.target_wa_id for o in ops]})
    return ops, touched


def _apply_receipts(conn: Conn, receipts: list[PendingOp]) -> None:
    """One row per message: the earliest delivery and the earliest read among its receipts."""
    times: dict[int, list[dt.datetime | None]] = {}
    for o in receipts:
        at = _at(o.record)
        slot = times.setdefault(int(o.message_id), [None, None])
        slot[0] = min(at, slot[0]) if slot[0] else at
        if o.record["type"] in ("read", "played"):
            slot[1] = min(at, slot[1]) if slot[1] else at
    if times:
        conn.execute(Q.apply_receipts, {"message_ids": list(times),
                                        "delivered": [t[0] for t in times.values()],
                                        "read": [t[1] for t in times.values()]})
