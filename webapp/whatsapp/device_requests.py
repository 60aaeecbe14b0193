"""Requests the web process makes of the gateway process about one device (Flask-free).

The web process cannot call the gateway: it writes a `device_requests` row (tenant-scoped,
RLS). The gateway process holding the device claims it on its next pass of the requests loop
(webapp.whatsapp.runner: FOR UPDATE SKIP LOCKED and a lease, so a process that dies mid-run
leaves it to the next holder), runs it with the device's client, and stores the outcome with a
`contacts.synced` event the WhatsApp numbers screen listens to.

One kind today, `sync_contacts`: the paired phone's address book (neonize's contact store,
`client.contact.get_all_contacts()`; a simulator device answers from its cast) fills
contacts.display_name where the team has no saved name, never overwriting one, and adds the
numbers nobody wrote from yet, so their chats are named before the first message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import Conflict, NotFound
from webapp.security.principal import Principal, RequestMeta
from webapp.whatsapp.address_book import AddressEntry

Q = load(__file__)
log = logging.getLogger(__name__)
LEASE_SECONDS = 120
MAX_ATTEMPTS = 3
RETRY_SECONDS = 5
NOT_CONNECTED = ("This number is not connected to WhatsApp right now: its address book can be "
                 "read only while it is connected.")


@dataclass(frozen=True, slots=True)
class ClaimedRequest:
    """A request the gateway now runs (leased to it)."""

    id: int
    device_id: int
    kind: str
    attempts: int


def request_sync(db: Database, p: Principal, meta: RequestMeta,
                 device_id: int) -> dict[str, Any]:
    """Ask the gateway to read the device's address book (a pending request joins an open one
    for the same device). NotFound for another tenant's device, Conflict when not connected."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        device = conn.execute(Q.lock_device, {"id": device_id}).fetchone()
        if device is None:
            raise NotFound("No such device.", details={"device_id": device_id})
        if device["status"] != "connected":
            raise Conflict(NOT_CONNECTED, code="device_not_connected",
                           details={"device_id": device_id, "status": device["status"]})
        params = {"device_id": device_id, "kind": "sync_contacts", "user_id": p.user_id}
        row = conn.execute(Q.open_request, params).fetchone()
        if row is None:
            row = conn.execute(Q.insert_request, params).fetchone()
            assert row is not None
            audit.record(conn, p.tenant_id, p.user_id, "devices.sync_contacts", meta,
                         target_type="device", target_id=device_id,
                         after={"request_id": row["request"]["id"]})
    request: dict[str, Any] = row["request"]
    return request


def get_request(db: Database, p: Principal, request_id: int) -> dict[str, Any]:
    """One of the tenant's device requests (404 for anyone else's)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_request, {"id": request_id}).fetchone()
    if row is None:
        raise NotFound("No such request.", details={"request_id": request_id})
    request: dict[str, Any] = row["request"]
    return request


# -- the gateway side -------------------------------------------------------------------------

def claim(db: Database, tenant_id: int, device_id: int, limit: int = 2) -> list[ClaimedRequest]:
    """The device's requests due now, each counted as an attempt and leased to the caller."""
    with db.tenant(tenant_id) as conn:
        return fetch_all(conn, ClaimedRequest, Q.claim_requests,
                         {"device_id": device_id, "limit": limit, "lease": LEASE_SECONDS})


def fill_address_book(db: Database, tenant_id: int,
                      entries: Iterable[AddressEntry]) -> dict[str, int]:
    """Store the address book: names where contacts have none, new contacts for unknown
    numbers, their direct chats retitled. Returns the counts the screen shows."""
    book = [e for e in entries if e.jid]
    params = {"jids": [e.jid for e in book], "names": [e.name for e in book],
              "pushes": [e.push_name for e in book]}
    with db.tenant(tenant_id, events=True) as conn:
        row = conn.execute(Q.fill_address_book, params).fetchone()
        assert row is not None
        named: list[int] = list(row["named"])
        if named:
            conn.execute(Q.retitle_named, {"ids": named})
    return {"contacts": len(book), "named": len(named), "added": int(row["added"])}


def finish(db: Database, tenant_id: int, req: ClaimedRequest, *, result: dict[str, Any] | None,
           error: str | None) -> bool:
    """Store the outcome (done with its counts, or failed with the reason); False when the
    claim went stale."""
    params = {"id": req.id, "attempts": req.attempts, "state": "failed" if error else "done",
              "result": Jsonb(result) if result is not None else None,
              "error": error[:500] if error else None}
    with db.tenant(tenant_id, events=True) as conn:
        return conn.execute(Q.finish_request, params).fetchone() is not None


AddressBook = Callable[[], list[AddressEntry]]


def run_one(db: Database, tenant_id: int, req: ClaimedRequest, read_book: AddressBook) -> str:
    """Run one claimed request with the device's address book; its outcome (done | failed |
    retry | stale)."""
    try:
        entries = read_book()
        result = fill_address_book(db, tenant_id, entries)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the request
        reason = str(exc) or type(exc).__name__
        if req.attempts < MAX_ATTEMPTS:
            log.warning("device %s: contact sync failed (attempt %d), retried: %s",
                        req.device_id, req.attempts, reason)
            with db.tenant(tenant_id) as conn:
                conn.execute(Q.retry_request, {"id": req.id, "attempts": req.attempts,
                                               "error": reason[:500], "delay": RETRY_SECONDS})
            return "retry"
        ok = finish(db, tenant_id, req, result=None, error=f"reading the address book failed: "
                                                          f"{reason}")
        return "failed" if ok else "stale"
    ok = finish(db, tenant_id, req, result=result, error=None)
    log.info("device %s: contact sync read %d contacts, named %d, added %d", req.device_id,
             result["contacts"], result["named"], result["added"],
             extra={"device_id": req.device_id})
    return "done" if ok else "stale"


def run_due(db: Database, tenant_id: int, device_id: int, read_book: AddressBook) -> list[str]:
    """Run the device's due requests; each outcome."""
    return [run_one(db, tenant_id, req, read_book) for req in claim(db, tenant_id, device_id)]
