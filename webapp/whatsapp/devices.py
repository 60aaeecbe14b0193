"""Devices, a tenant's WhatsApp numbers: what the API does with them (create, list, QR, pairing
code, log out, remove) and what the gateway process reports about them (status, QR, pairing code,
history-sync progress). Every change to a device row writes a `whatsapp.device` event carrying
the device id and why it changed; the feed serializes the device with `mf_device_json`."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

import segno
from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import Conflict, NotFound
from webapp.messaging.ingest import IngestResult
from webapp.security.principal import Principal, RequestMeta
from webapp.whatsapp.results import DeviceStatusChange, HistoryBatch

Q = load(__file__)
JID_TAKEN = "This WhatsApp number is already paired as another device; it was logged out here."


@dataclass(frozen=True, slots=True)
class PairingCode:
    """The 8-character code WhatsApp returned for pairing by phone number."""

    code: str


@dataclass(frozen=True, slots=True)
class GatewayDevice:
    """A device as the gateway serves it: which client to run, for which tenant, in what state
    (from mf_gateway_devices, a lease renewal, or an outbox send)."""

    id: int
    tenant_id: int
    kind: str
    jid: str | None
    status: str


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What the gateway needs to start a device's client."""

    id: int
    kind: str
    jid: str | None
    status: str
    pair_phone: str | None
    display_name: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class QuotedMessage:
    """The stored message a reply quotes: who wrote it, what it said, in which chat."""

    sender_jid: str
    from_me: bool
    text: str | None
    chat_jid: str


def _event(conn: Conn, device_id: int, extra: dict[str, Any] | None = None) -> None:
    conn.execute(Q.insert_device_event, {"data": Jsonb({**(extra or {}), "id": device_id})})


def create_device(db: Database, p: Principal, meta: RequestMeta, *, display_name: str,
                  kind: str = "neonize", pair_phone: str | None = None) -> dict[str, Any]:
    """A new device in status pending; the gateway picks it up and starts pairing."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = conn.execute(Q.insert_device, {"kind": kind, "display_name": display_name,
                                             "pair_phone": pair_phone}).fetchone()
        assert row is not None
        _event(conn, row["id"], {"event": "created"})
        audit.record(conn, p.tenant_id, p.user_id, "devices.create", meta, target_type="device",
                     target_id=row["id"], after={"kind": kind, "display_name": display_name,
                                                 "pair_phone": pair_phone})
    device: dict[str, Any] = row["device"]
    return device


def list_devices(db: Database, p: Principal) -> list[dict[str, Any]]:
    """The tenant's devices, oldest first."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return [r["device"] for r in conn.execute(Q.list_devices).fetchall()]


def get_device(db: Database, p: Principal, device_id: int) -> dict[str, Any]:
    """One device of the tenant (404 for anyone else's)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_device, {"id": device_id}).fetchone()
    if row is None:
        raise NotFound("No such device.")
    device: dict[str, Any] = row["device"]
    return device


def qr_payload(db: Database, p: Principal, device_id: int) -> str:
    """The pairing QR payload WhatsApp last issued (404 when no QR is pending)."""
    get_device(db, p, device_id)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_qr, {"id": device_id}).fetchone()
    if row is None:
        raise NotFound("This device has no pairing QR code right now.", code="no_qr")
    return str(row["qr_payload"])


def qr_svg(payload: str) -> str:
    """The QR code of a pairing payload as an SVG document (segno)."""
    buf = io.BytesIO()
    segno.make_qr(payload, error="m").save(buf, kind="svg", scale=6, border=4,
                                           title="WhatsApp pairing QR code")
    return buf.getvalue().decode("utf-8")


def pair_code(db: Database, p: Principal, device_id: int) -> dict[str, Any]:
    """The phone-number pairing code (404 when none is pending)."""
    get_device(db, p, device_id)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_pair_code, {"id": device_id}).fetchone()
    if row is None:
        raise NotFound("This device has no pairing code right now.", code="no_pair_code")
    return {"device_id": device_id, "pair_code": row["pair_code"], "pair_phone": row["pair_phone"]}


def request_logout(db: Database, p: Principal, meta: RequestMeta,
                   device_id: int) -> dict[str, Any]:
    """Mark the device logged out; the gateway process unlinks it from the phone."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.select_device, {"id": device_id}).fetchone()
        if before is None:
            raise NotFound("No such device.")
        row = conn.execute(Q.mark_logged_out, {"id": device_id, "reason": None}).fetchone()
        assert row is not None
        _event(conn, device_id, {"event": "logout_requested"})
        audit.record(conn, p.tenant_id, p.user_id, "devices.logout", meta, target_type="device",
                     target_id=device_id, before={"status": before["device"]["status"]},
                     after={"status": "logged_out"})
    device: dict[str, Any] = row["device"]
    return device


def gateway_devices(db: Database) -> list[GatewayDevice]:
    """Every tenant's devices the gateway should serve."""
    with db.system() as conn:
        return fetch_all(conn, GatewayDevice, Q.gateway_devices)


def device_spec(db: Database, tenant_id: int, device_id: int) -> DeviceSpec | None:
    """What the gateway needs to start a device (jid, pair_phone, kind, status)."""
    with db.tenant(tenant_id) as conn:
        return fetch_one(conn, DeviceSpec, Q.select_device_spec, {"id": device_id})


def last_simulated(db: Database, tenant_id: int, device_id: int) -> str | None:
    """The WhatsApp id of the newest stored simulated message of a simulator device."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute(Q.select_last_simulated, {"device_id": device_id,
                                                     "prefix": f"SIM-{device_id}-%"}).fetchone()
    return str(row["wa_message_id"]) if row else None


def apply_status(db: Database, tenant_id: int, device_id: int, change: DeviceStatusChange,
                 holder: uuid.UUID | None = None) -> str | None:
    """Store a status the gateway reported; the stored status, or None when nothing changed
    (or when `holder`, the reporting gateway process, lost the device to another one)."""
    # An admin's logout and an outdated client are never overwritten (see apply_status.sql).
    params = {"id": device_id, "status": change.status, "jid": change.jid, "qr": change.qr,
              "error": change.error, "keep_qr": change.event != "connect_error",
              "holder": holder}
    try:
        with db.tenant(tenant_id, events=True) as conn:
            if conn.execute(Q.apply_status, params).fetchone() is None:
                return None
            _event(conn, device_id, {"event": change.event})
    except Conflict:  # the JID is unique: one WhatsApp number belongs to exactly one device
        with db.tenant(tenant_id, events=True) as conn:
            conn.execute(Q.mark_logged_out, {"id": device_id, "reason": JID_TAKEN})
            _event(conn, device_id, {"event": "jid_taken"})
        return "logged_out"
    return change.status


def store_pair_code(db: Database, tenant_id: int, device_id: int, code: PairingCode) -> bool:
    """Keep the phone-number pairing code for the admin to read; False if no longer pairing."""
    with db.tenant(tenant_id, events=True) as conn:
        if conn.execute(Q.store_pair_code, {"id": device_id, "code": code.code}).fetchone():
            _event(conn, device_id, {"event": "pair_code"})
            return True
    return False


def record_history(db: Database, tenant_id: int, device_id: int, batch: HistoryBatch,
                   result: IngestResult) -> None:
    """A progress event for one ingested history-sync chunk."""
    progress = {"sync_type": batch.sync_type, "progress": batch.progress,
                "chunk_order": batch.chunk_order, "messages": len(batch.records),
                "ingested": result.ingested, "duplicates": result.duplicates,
                "skipped": batch.skipped + len(result.rejected)}
    with db.tenant(tenant_id, events=True) as conn:
        _event(conn, device_id, {"event": "history_sync", "history_sync": progress})


def quoted_message(db: Database, tenant_id: int, device_id: int,
                   wa_id: str) -> QuotedMessage | None:
    """The stored message a reply quotes: sender_jid, from_me, text, chat_jid."""
    with db.tenant(tenant_id) as conn:
        return fetch_one(conn, QuotedMessage, Q.select_quoted,
                         {"device_id": device_id, "wa_id": wa_id})


def remove(db: Database, p: Principal, meta: RequestMeta, device_id: int) -> dict[str, Any]:
    """Remove a number: log it out (the gateway unlinks it from the phone) and take it off the
    team's lists. Its conversations and messages stay; the number can be paired again."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        before = conn.execute(Q.select_device, {"id": device_id}).fetchone()
        if before is None:
            raise NotFound("No such device.")
        row = conn.execute(Q.mark_removed, {"id": device_id}).fetchone()
        assert row is not None
        _event(conn, device_id, {"event": "removed", "deleted": True})
        audit.record(conn, p.tenant_id, p.user_id, "devices.delete", meta, target_type="device",
                     target_id=device_id,
                     before={"status": before["device"]["status"],
                             "display_name": before["device"]["display_name"],
                             "jid": before["device"]["jid"]},
                     after={"status": "logged_out", "removed": True})
    device: dict[str, Any] = row["device"]
    return device
