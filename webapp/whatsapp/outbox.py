"""Sending what the outbox holds (Flask-free): `process_due` is called by the gateway loop.

Each due row is claimed across tenants with FOR UPDATE SKIP LOCKED and a lease (so concurrent
callers never take the same row), then handled in its own tenant: load and mark 'sending'
(one transaction), call the gateway with no transaction open (a simulator's echoed receipt is
ingested synchronously from inside the call and must not wait on our locks), record the
outcome (another transaction). Sent: the message keeps the WhatsApp id the gateway returned.
Failed: retried with exponential backoff, given up after MAX_ATTEMPTS; an unavailable device
or a permanent gateway error fails the send at once. Every state change writes a
`message.updated` event.

With several gateway processes, each claims only the sends of the devices it holds a lease on
(`holder`, see webapp.whatsapp.leases). A device that moved to another process between claim
and send (DeviceNotHere) hands its row straight back for the new holder; a row claimed by a
process that died is taken over by the device's new holder at once (migration 0022).

Delivery is AT LEAST ONCE, not exactly once. The send and the record of it cannot share a
transaction: if the gateway dies (or loses the database) after WhatsApp accepted the message
and before `mark_sent` commits, the row's lease (outbound.LEASE_SECONDS) runs out, it is
claimed again and sent again, and the customer sees the text twice. Nothing here can detect
that the first attempt went out. A pre-generated WhatsApp id would make the second attempt the
same message, but neonize 0.5.2 does not allow it: `NewClient.send_message` takes no id and its
Go side sends with an empty SendRequestExtra, so whatsmeow picks a fresh id each time
(`generate_message_id` exists, but no send API for an ordinary message accepts it;
`send_fb_message` takes a SendRequestExtra with an ID but is the consumer-application protocol,
not the E2E messages we send). The id whatsmeow returned is adopted in `outbound.mark_sent`;
the first copy of a double send has an id we never learnt, so when history sync brings it
back it is stored as a separate from-me message. The window is the gateway call plus one
short transaction; shrinking the lease does not close it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from webapp.db import Database
from webapp.media import service as media_service
from webapp.media.store import MediaMissing, MediaStore
from webapp.messaging import outbound
from webapp.messaging.outbound import ClaimedSend, OutboxJob
from webapp.messaging.records import Record
from webapp.messaging.service import ingest
from webapp.whatsapp.devices import GatewayDevice
from webapp.whatsapp.gateway import (
    DeviceNotHere,
    DeviceUnavailable,
    GatewayError,
    OutgoingMedia,
    SendFailed,
    SimulatorGateway,
    WhatsAppGateway,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 300
GatewayFor = Callable[[GatewayDevice], WhatsAppGateway]


def backoff_seconds(attempts: int, error: BaseException | None = None) -> float:
    """Seconds before the next attempt: the error's retry hint, else 2**attempts capped."""
    hint = getattr(error, "retry_after", None)
    if isinstance(hint, int | float) and not isinstance(hint, bool) and hint >= 0:
        return float(hint)
    return float(min(2 ** attempts, MAX_BACKOFF_S))


def process_due(db: Database, gateway_for: GatewayFor, limit: int = 50,
                now: dt.datetime | None = None, holder: uuid.UUID | None = None,
                store: MediaStore | None = None) -> int:
    """Send up to `limit` due outbox rows (with `holder`: of the devices that gateway process
    holds); return how many were claimed and handled. `store`: where attachments' bytes are
    (without one, messages with a file fail with a clear reason)."""
    claimed = outbound.claim(db, limit, now, holder)
    for row in claimed:
        try:
            _process(db, gateway_for, row, now, store)
        except Exception:  # one broken row must not stop the others; its lease expires
            log.exception("outbox row %s failed unexpectedly", row.id,
                          extra={"tenant_id": row.tenant_id, "device_id": row.device_id})
    return len(claimed)


def _process(db: Database, gateway_for: GatewayFor, row: ClaimedSend,
             now: dt.datetime | None, store: MediaStore | None = None) -> None:
    job = outbound.start(db, row)
    if job is None:
        log.info("outbox row %s: claim went stale, skipped", row.id)
        return
    reason = _unsendable(job)
    attachment: OutgoingMedia | None = None
    if reason is None and job.media is not None:
        attachment, reason = _attachment(db, job, store)
    if reason is not None:
        outbound.mark_failed(db, job, reason, retry_in=None, now=now)
        return
    try:
        wa_id = _send(gateway_for, job, attachment)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        _record_failure(db, job, exc, now)
        return
    if not outbound.mark_sent(db, job, wa_id):
        log.warning("outbox row %s was sent but its claim went stale", job.id)


def _unsendable(job: OutboxJob) -> str | None:
    """Why this send can never succeed, if it cannot (checked before calling the gateway)."""
    if job.device_status in ("logged_out", "outdated"):
        return f"device {job.device_id} is {job.device_status}; pair it again"
    if job.kind == "forward" and job.source is not None and job.source.revoked_at is not None:
        return "the message to forward was deleted for everyone"
    return None


def _device_row(job: OutboxJob) -> GatewayDevice:
    return GatewayDevice(id=job.device_id, tenant_id=job.tenant_id, kind=job.device_kind,
                         jid=job.device_jid, status=job.device_status)


def _attachment(db: Database, job: OutboxJob,
                store: MediaStore | None) -> tuple[OutgoingMedia | None, str | None]:
    """The file a media message sends (from the store), or why it cannot be sent. A forward
    whose source's file was never downloaded is resent as before (metadata only)."""
    file = media_service.outgoing_file(db, job.tenant_id, job.message_id)
    if file is None or file.sha256 is None or store is None:
        if job.kind == "forward":
            return None, None
        return None, "the attachment's file is not available to the gateway"
    try:
        with store.open(file.sha256) as handle:
            data = handle.read()
    except MediaMissing:
        return None, "the attachment's file is missing from the media store"
    media = job.media
    return OutgoingMedia(type=file.type, mime=file.mime or "application/octet-stream",
                         data=data, filename=file.filename,
                         caption=media.get("caption") if media else None,
                         voice=bool(media.get("voice")) if media else False,
                         forwarded=job.kind == "forward"), None


def _send(gateway_for: GatewayFor, job: OutboxJob, attachment: OutgoingMedia | None) -> str:
    gateway = gateway_for(_device_row(job))
    device = str(job.device_id)
    if attachment is not None:
        reply_to = None if job.kind == "forward" else job.quoted_wa_id
        return gateway.send_media(device, job.chat_jid, attachment, reply_to=reply_to)
    if job.kind == "forward":
        return gateway.forward(device, job.chat_jid, outbound.forward_record(job))
    return gateway.send_text(device, job.chat_jid, job.text or "", reply_to=job.quoted_wa_id)


def _record_failure(db: Database, job: OutboxJob, exc: Exception,
                    now: dt.datetime | None) -> None:
    """Retry what may succeed later; fail at once what cannot: the device is gone, the gateway
    refused for good (a GatewayError that is not SendFailed) or the message cannot be built."""
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, DeviceNotHere) and job.attempts < MAX_ATTEMPTS:
        # The device moved to another gateway process between the claim and the send (a
        # rebalance or a lost lease): nothing was sent, its new holder takes the row now.
        log.info("outbox row %s: %s; handed back", job.id, exc)
        outbound.mark_failed(db, job, error, retry_in=0, now=now)
        return
    retryable = isinstance(exc, SendFailed) or not isinstance(exc, GatewayError | ValueError)
    if isinstance(exc, DeviceUnavailable) or not retryable or job.attempts >= MAX_ATTEMPTS:
        log.warning("outbox row %s failed for good: %s", job.id, error)
        outbound.mark_failed(db, job, error, retry_in=None, now=now)
        return
    if not isinstance(exc, GatewayError):
        log.error("outbox row %s: unexpected error from the gateway", job.id, exc_info=exc)
    outbound.mark_failed(db, job, error, retry_in=backoff_seconds(job.attempts, exc), now=now)


class SimulatorGateways:
    """A `gateway_for` serving simulator devices: one started SimulatorGateway per device,
    whose echoed delivery receipts go through ingest for that device's tenant."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.gateways: dict[int, SimulatorGateway] = {}

    def __call__(self, device: GatewayDevice) -> WhatsAppGateway:
        """The device's simulator gateway, started on first use."""
        device_id, tenant_id = device.id, device.tenant_id
        gateway = self.gateways.get(device_id)
        if gateway is None:
            def echo(record: Record) -> None:
                ingest(self.db, tenant_id, [record], device_id=device_id)

            jids = {str(device_id): device.jid} if device.jid else {}
            gateway = SimulatorGateway(echo, device_jids=jids)
            gateway.start(str(device_id))
            self.gateways[device_id] = gateway
        return gateway
