"""Device leases: which gateway process serves which device (migration 0022).

Any number of `messageflow gateway` processes can run against one database. Each device is
served by exactly one of them, the holder of its lease (a row in `device_leases`). Every
`renew()` (the runner's poller, every few seconds) announces this process, gives back what it
is asked to, renews everything it holds for `lease_seconds`, takes free or expired devices up
to its fair share, and returns what it holds. All of that is one call of the SECURITY DEFINER
function `mf_gateway_lease`, one transaction, compared with the database's clock.

Fencing. Another process may take a device as soon as its lease has expired by the database's
clock, so this process must have disconnected it before then, whatever happened to the
database or to this process meanwhile. The lease of a successful renewal runs until at least
`lease_seconds` after that call STARTED (the database's now() is its transaction's start,
later still), so by this process's own monotonic clock the device is safe until
`started + lease_seconds`. `deadline` is that minus `margin` (time to stop the clients, and
slack for clock-rate differences); the runner's fence thread stops every client once it has
passed without a newer renewal. A renewal that fails or hangs therefore never extends it.

Fair share: ceil(devices to serve / live holders), live holders being those that announced
themselves within a lease period. A new process takes free devices up to its share; a process
above its share gives back its highest-numbered devices, so devices spread evenly within a
couple of renewals. This moves devices only when holders come or go: a handover disconnects
a number for a few seconds, which is not worth doing for smaller imbalances.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.whatsapp.devices import GatewayDevice

log = logging.getLogger(__name__)
Q = load(__file__)


@dataclass(frozen=True)
class LeaseConfig:
    """How long a lease lasts, and how early before its end this process stops its devices."""

    lease_seconds: int = 20
    margin: float = 5.0


@dataclass(frozen=True, slots=True)
class LeaseRow:
    """A device this process holds after a renewal, with the fair share and live holders."""

    device_id: int
    tenant_id: int
    kind: str
    jid: str | None
    status: str
    lease_until: dt.datetime
    fair_share: int
    live_holders: int


@dataclass(frozen=True)
class Holding:
    """What one renewal returned: the devices held (id -> row) and the fair share."""

    devices: dict[int, GatewayDevice] = field(default_factory=dict)
    fair_share: int = 0
    live_holders: int = 0

    def to_give_back(self, running: set[int]) -> tuple[list[int], list[int]]:
        """The highest-numbered devices above the fair share, and the removed (logged out)
        devices no longer running: both are released."""
        serving = sorted(d for d, r in self.devices.items() if r.status != "logged_out")
        done = [d for d, r in self.devices.items()
                if r.status == "logged_out" and d not in running]
        return serving[self.fair_share:], done


class LeaseKeeper:
    """This process's identity as a lease holder, and the fencing deadline of its leases."""

    def __init__(self, db: Database, config: LeaseConfig | None = None, *,
                 name: str | None = None) -> None:
        self.db = db
        self.config = config or LeaseConfig()
        self.holder = uuid.uuid4()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._deadline = 0.0  # monotonic; nothing is held before the first renewal
        self._lock = threading.Lock()

    @property
    def deadline(self) -> float:
        """The monotonic time by which every device must be disconnected without a renewal."""
        with self._lock:
            return self._deadline

    def valid(self) -> bool:
        """True while this process may keep its devices connected."""
        return time.monotonic() < self.deadline

    def renew(self, release: list[int] | None = None) -> Holding:
        """Announce, give back `release`, renew, take up to the fair share; what is held."""
        started = time.monotonic()
        params = {"holder": self.holder, "name": self.name,
                  "seconds": self.config.lease_seconds, "release": release or []}
        with self.db.system() as conn:
            rows = fetch_all(conn, LeaseRow, Q.renew_leases, params)
        with self._lock:  # a slower, older call must not extend a newer deadline
            self._deadline = max(self._deadline,
                                 started + self.config.lease_seconds - self.config.margin)
        held = {r.device_id: GatewayDevice(id=r.device_id, tenant_id=r.tenant_id, kind=r.kind,
                                           jid=r.jid, status=r.status) for r in rows}
        share = rows[0].fair_share if rows else 0
        live = rows[0].live_holders if rows else 0
        return Holding(held, share, live)

    def release(self, devices: list[int] | None = None) -> int:
        """Give devices back now (None: all, and forget this holder); how many."""
        with self.db.system() as conn:
            row = conn.execute(Q.release_leases, {"holder": self.holder,
                                                  "devices": devices}).fetchone()
        if devices is None:
            with self._lock:
                self._deadline = 0.0
        return int(row["released"]) if row else 0
