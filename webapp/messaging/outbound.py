"""The database side of sending (Flask-free): claim due outbox rows, load one send, and record
its outcome with the message's state and realtime events. `webapp.whatsapp.outbox` drives it.

Every write is guarded by the claim (status 'sending' with the attempt number it was claimed
with), so a worker whose lease ran out cannot overwrite the outcome of the worker that took
the row over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.messaging.operations import apply_pending
from webapp.messaging.records import Media, MessageRecord
from webapp.messaging.rows import MediaJson

Q = load(__file__)
LEASE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ClaimedSend:
    """An outbox row claimed for sending: the claim is its attempt number (mf_claim_outbox)."""

    id: int
    tenant_id: int
    device_id: int
    message_id: int
    attempts: int


@dataclass(frozen=True, slots=True)
class ForwardSource:
    """The stored message a forward resends, as a traffic record needs it."""

    wa_message_id: str
    sender_jid: str
    sender_name: str | None
    from_me: bool
    sent_at: dt.datetime
    text: str | None
    media: MediaJson | None
    revoked_at: dt.datetime | None
    chat_jid: str


@dataclass(frozen=True, slots=True)
class OutboxJob:
    """One claimed send with everything it needs: the message, its chat and its device (and,
    for a forward, the message it resends)."""

    id: int
    kind: str  # text | forward
    attempts: int
    source_message_id: int | None
    message_id: int
    wa_message_id: str
    conversation_id: int
    sender_jid: str
    sender_name: str | None
    sent_at: dt.datetime
    text: str | None
    media: MediaJson | None
    quoted_wa_id: str | None
    chat_jid: str
    device_id: int
    tenant_id: int
    device_kind: str
    device_jid: str | None
    device_status: str
    source: ForwardSource | None = None

    @property
    def claim(self) -> dict[str, int]:
        """The bind parameters that guard every write: the row and the attempt it was claimed
        with."""
        return {"id": self.id, "attempts": self.attempts}


def claim(db: Database, limit: int, now: dt.datetime | None = None,
          holder: uuid.UUID | None = None) -> list[ClaimedSend]:
    """Due outbox rows of every tenant, now leased to the caller (SECURITY DEFINER claim);
    with `holder`, only rows of the devices that gateway process holds a lease on."""
    with db.system() as conn:
        return fetch_all(conn, ClaimedSend, Q.claim_outbox,
                         {"limit": limit, "now": now, "holder": holder,
                          "lease_seconds": LEASE_SECONDS})


def _set_status(conn: Conn, message_id: int, status: str) -> None:
    if conn.execute(Q.set_message_status, {"id": message_id, "status": status}).fetchone():
        conn.execute(Q.insert_message_updated_event, {"id": message_id})


def start(db: Database, claimed: ClaimedSend) -> OutboxJob | None:
    """Load a claimed send and mark its message 'sending'; None if the claim went stale."""
    with db.tenant(claimed.tenant_id, events=True) as conn:
        job = fetch_one(conn, OutboxJob, Q.select_outbox_job,
                        {"id": claimed.id, "attempts": claimed.attempts})
        if job is None:
            return None
        _set_status(conn, job.message_id, "sending")
        if job.kind == "forward" and job.source_message_id is not None:
            job = dataclasses.replace(job, source=fetch_one(
                conn, ForwardSource, Q.select_forward_record, {"id": job.source_message_id}))
        return job


def forward_record(job: OutboxJob) -> MessageRecord:
    """The stored message a forward resends, as a traffic record (the copy if it is gone)."""
    src = job.source or ForwardSource(
        wa_message_id=job.wa_message_id, sender_jid=job.sender_jid,
        sender_name=job.sender_name, from_me=True, sent_at=job.sent_at, text=job.text,
        media=job.media, revoked_at=None, chat_jid=job.chat_jid)
    media = Media.from_public(src.media) if src.media else None
    return MessageRecord(id=src.wa_message_id, chat=src.chat_jid, sender=src.sender_jid,
                         sender_name=src.sender_name, from_me=src.from_me,
                         timestamp=src.sent_at, text=src.text, media=media)


def _adopt_wa_id(conn: Conn, job: OutboxJob, wa_id: str) -> None:
    """Store the gateway's id; merge a copy history sync stored first; apply waiting receipts."""
    ids = {"id": job.message_id, "device_id": job.device_id, "wa_id": wa_id}
    dup = conn.execute(Q.select_duplicate_message, ids).fetchone()
    if dup is not None:
        conn.execute(Q.merge_duplicate_message, {**ids, "dup_id": dup["id"]})
    conn.execute(Q.set_wa_message_id, {**ids, "old_wa_id": job.wa_message_id})
    apply_pending(conn, job.device_id, [wa_id])


def mark_sent(db: Database, job: OutboxJob, wa_id: str) -> bool:
    """Record a successful send under the WhatsApp id it got; False if the claim went stale."""
    with db.tenant(job.tenant_id, events=True) as conn:
        if conn.execute(Q.lock_claimed_outbox, job.claim).fetchone() is None:
            return False
        if wa_id and wa_id != job.wa_message_id:
            _adopt_wa_id(conn, job, wa_id)
        conn.execute(Q.finish_sent, job.claim)
        conn.execute(Q.insert_message_updated_event, {"id": job.message_id})
        return True


def mark_failed(db: Database, job: OutboxJob, error: str, *, retry_in: float | None,
                now: dt.datetime | None = None) -> bool:
    """Requeue after `retry_in` seconds, or (None) fail for good; False if the claim went stale."""
    params = {**job.claim, "error": error[:1000], "now": now, "delay": retry_in}
    with db.tenant(job.tenant_id, events=True) as conn:
        if conn.execute(Q.lock_claimed_outbox, job.claim).fetchone() is None:
            return False
        conn.execute(Q.retry_outbox if retry_in is not None else Q.fail_outbox, params)
        _set_status(conn, job.message_id, "queued" if retry_in is not None else "failed")
        return True
