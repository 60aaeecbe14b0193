"""The database side of sending (Flask-free): claim due outbox rows, load one send, and record
its outcome with the message's state and realtime events. `webapp.whatsapp.outbox` drives it.

Every write is guarded by the claim (status 'sending' with the attempt number it was claimed
with), so a worker whose lease ran out cannot overwrite the outcome of the worker that took
the row over.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.messaging.operations import apply_pending
from webapp.messaging.records import Media, MessageRecord

Q = load(__file__)
LEASE_SECONDS = 60


def claim(db: Database, limit: int, now: dt.datetime | None = None,
          holder: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """Due outbox rows of every tenant, now leased to the caller (SECURITY DEFINER claim);
    with `holder`, only rows of the devices that gateway process holds a lease on."""
    with db.system() as conn:
        return conn.execute(Q.claim_outbox, {"limit": limit, "now": now, "holder": holder,
                                             "lease_seconds": LEASE_SECONDS}).fetchall()


def _set_status(conn: Conn, message_id: int, status: str) -> None:
    if conn.execute(Q.set_message_status, {"id": message_id, "status": status}).fetchone():
        conn.execute(Q.insert_message_updated_event, {"id": message_id})


def start(db: Database, claimed: dict[str, Any]) -> dict[str, Any] | None:
    """Load a claimed send and mark its message 'sending'; None if the claim went stale."""
    with db.tenant(claimed["tenant_id"], events=True) as conn:
        job = conn.execute(Q.select_outbox_job, claimed).fetchone()
        if job is None:
            return None
        _set_status(conn, job["message_id"], "sending")
        if job["kind"] == "forward" and job["source_message_id"] is not None:
            job["source"] = conn.execute(Q.select_forward_record,
                                         {"id": job["source_message_id"]}).fetchone()
        return job


def forward_record(job: dict[str, Any]) -> MessageRecord:
    """The stored message a forward resends, as a traffic record (the copy if it is gone)."""
    src = job.get("source") or {
        "wa_message_id": job["wa_message_id"], "sender_jid": job["sender_jid"],
        "sender_name": job["sender_name"], "from_me": True, "sent_at": job["sent_at"],
        "text": job["text"], "media": job["media"], "chat_jid": job["chat_jid"]}
    media = Media.model_validate(src["media"]) if src["media"] else None
    return MessageRecord(id=src["wa_message_id"], chat=src["chat_jid"], sender=src["sender_jid"],
                         sender_name=src["sender_name"], from_me=src["from_me"],
                         timestamp=src["sent_at"], text=src["text"], media=media)


def _adopt_wa_id(conn: Conn, job: dict[str, Any], wa_id: str) -> None:
    """Store the gateway's id; merge a copy history sync stored first; apply waiting receipts."""
    ids = {"id": job["message_id"], "device_id": job["device_id"], "wa_id": wa_id}
    dup = conn.execute(Q.select_duplicate_message, ids).fetchone()
    if dup is not None:
        conn.execute(Q.merge_duplicate_message, {**ids, "dup_id": dup["id"]})
    conn.execute(Q.set_wa_message_id, {**ids, "old_wa_id": job["wa_message_id"]})
    apply_pending(conn, job["device_id"], [wa_id])


def mark_sent(db: Database, job: dict[str, Any], wa_id: str) -> bool:
    """Record a successful send under the WhatsApp id it got; False if the claim went stale."""
    with db.tenant(job["tenant_id"], events=True) as conn:
        if conn.execute(Q.lock_claimed_outbox, job).fetchone() is None:
            return False
        if wa_id and wa_id != job["wa_message_id"]:
            _adopt_wa_id(conn, job, wa_id)
        conn.execute(Q.finish_sent, job)
        conn.execute(Q.insert_message_updated_event, {"id": job["message_id"]})
        return True


def mark_failed(db: Database, job: dict[str, Any], error: str, *, retry_in: float | None,
                now: dt.datetime | None = None) -> bool:
    """Requeue after `retry_in` seconds, or (None) fail for good; False if the claim went stale."""
    params = {"id": job["id"], "attempts": job["attempts"], "error": error[:1000], "now": now,
              "delay": retry_in}
    with db.tenant(job["tenant_id"], events=True) as conn:
        if conn.execute(Q.lock_claimed_outbox, job).fetchone() is None:
            return False
        conn.execute(Q.retry_outbox if retry_in is not None else Q.fail_outbox, params)
        _set_status(conn, job["message_id"], "queued" if retry_in is not None else "failed")
        return True
