"""A gateway process: serves the devices it holds leases on, for every tenant.

Any number of these run against one database (webapp/whatsapp/leases.py): each device is
served by exactly one process, the holder of its lease. Threads, each with one job:
- poller: every few seconds renews this process's leases, which also takes free or expired
  devices up to its fair share (mf_gateway_lease), then starts the devices it now holds
  (neonize devices on the shared NeonizeGateway, simulator devices on their own
  SimulatorGateway), stops those it lost or gives back, and logs out those an admin removed;
- fence: stops every client once the leases' deadline (by this process's monotonic clock) has
  passed without a renewal, before another process can take the devices over: a device must
  never be connected twice (WhatsApp answers that by logging the session out);
- worker: the intake's group commit (webapp.whatsapp.intake): a callback carrying message data
  returns only once the transaction holding it has committed; status changes do not wait;
- outbox: every ~0.5 s hands due sends of the devices it holds to
  `webapp.whatsapp.outbox.process_due` (at least once: see that module);
- snooze: every ~15 s reopens conversations whose snooze time has passed
  (`webapp.messaging.snooze.wake_due`; safe with several processes calling it), then tells
  the assignees of action items whose due date passed (`webapp.actions.due.notify_due`, once
  per item and due date, also safe with several processes);
- requests: every ~1 s runs what the web process asked of the devices running here
  (`webapp.whatsapp.device_requests`: a contact sync reads the phone's address book), then
  fetches the due profile pictures of their contacts (`webapp.contacts.pictures`, a few per
  device every `picture_interval`, refreshed after `picture_max_age`) into the media store;
- media: every ~1 s downloads the due incoming media of the connected neonize devices it
  holds (`webapp.media.downloads.run_due`, with neonize's download_any), into the store.
While the database is down the callbacks wait (backpressure on WhatsApp) instead of dropping.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from webapp.actions import due
from webapp.contacts import pictures
from webapp.db import Database
from webapp.errors import DependencyDown
from webapp.media import downloads
from webapp.media.store import FileStore
from webapp.messaging import snooze
from webapp.whatsapp import device_requests, devices, outbox
from webapp.whatsapp.clients import Unavailable, default_neonize, start_client
from webapp.whatsapp.devices import GatewayDevice, QuotedMessage
from webapp.whatsapp.gateway import WhatsAppGateway
from webapp.whatsapp.intake import Backoff, Intake, Item
from webapp.whatsapp.leases import Holding, LeaseConfig, LeaseKeeper
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.simulated_pairing import PairingTimes

log = logging.getLogger(__name__)

ProcessDue = Callable[..., int]


@dataclass(frozen=True)
class RunnerConfig:
    """Timings and sizes of the gateway process, and where WhatsApp sessions are stored."""

    poll_interval: float = 3.0
    outbox_interval: float = 0.5
    snooze_interval: float = 15.0
    fence_interval: float = 0.25
    batch_size: int = 100
    queue_size: int = 5000
    linger: float = 0.002
    intake_workers: int = 3
    stop_timeout: float = 10.0
    echo_delay: float = 0.3
    simulator_rate: float = 0.0
    # Simulator devices added through the API pair first (QR codes, then connected); None:
    # they connect at once. `messageflow gateway` turns it on (--simulated-pairing).
    simulated_pairing: PairingTimes | None = None
    store_dsn: str | None = None
    home: Path = field(default_factory=lambda: Path(".messageflow"))
    media_dir: Path | None = None  # default: <home>/media
    media_interval: float = 1.0
    requests_interval: float = 1.0
    picture_max_age: float = 24 * 3600.0
    # Profile pictures are asked of WhatsApp a few at a time, every picture_interval seconds
    # per device (a freshly paired phone with thousands of chats must not flood WhatsApp).
    picture_interval: float = 10.0
    pictures_per_pass: int = 5
    media_max_bytes: int = 16 * 1024 * 1024
    media_attempts: int = 6
    media_backoff: Callable[[int], float] = downloads.default_backoff
    backoff: Backoff = field(default_factory=Backoff)
    db_backoff: Backoff = field(default_factory=lambda: Backoff(0.2, 10.0))
    leases: LeaseConfig = field(default_factory=LeaseConfig)


class GatewayRunner:
    """Serves the devices it holds; `start()`, then `stop()` (or `run()` until a signal)."""

    def __init__(self, db: Database, config: RunnerConfig | None = None, *,
                 neonize_factory: Callable[[GatewayRunner], Any] | None = None,
                 process_due: ProcessDue | None = None) -> None:
        self.db = db
        self.config = config or RunnerConfig()
        self.leases = LeaseKeeper(db, self.config.leases)
        self._neonize_factory = neonize_factory or default_neonize
        self._neonize: Any = None
        self._process_due: ProcessDue = process_due or outbox.process_due
        self.media_store = FileStore(self.config.media_dir or self.config.home / "media")
        self.intake = Intake(db, lambda device_id: self._tenants[device_id], self._on_status,
                             batch_size=self.config.batch_size, queue_size=self.config.queue_size,
                             linger=self.config.linger, workers=self.config.intake_workers,
                             db_backoff=self.config.db_backoff, holder=self.leases.holder)
        self._running: dict[int, WhatsAppGateway] = {}
        self._held: set[int] = set()
        self._tenants: dict[int, int] = {}
        self._status: dict[int, str] = {}
        self.given_up: set[int] = set()
        self._unlink: set[int] = set()
        self._pictures_due: dict[int, float] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._loops = [threading.Thread(target=target, name=f"mf-gateway-{name}", daemon=True)
                       for name, target in (("poller", self._poll_loop),
                                            ("fence", self._fence_loop),
                                            ("outbox", self._outbox_loop),
                                            ("snooze", self._snooze_loop),
                                            ("media", self._media_loop),
                                            ("requests", self._requests_loop))]

    def start(self) -> None:
        """Start the worker, poller, fence, outbox and snooze threads."""
        self.intake.start()
        log.info("gateway started", extra={"holder": f"{self.leases.holder} {self.leases.name}"})
        for thread in self._loops:
            thread.start()

    def request_stop(self) -> None:
        """Ask run() to return (safe from a signal handler)."""
        self._stopping.set()

    def run(self) -> None:
        """Start, serve until request_stop(), then stop gracefully."""
        self.start()
        while not self._stopping.wait(1.0):
            pass
        self.stop()

    def stop(self) -> None:
        """Stop every device, drain what is queued, give the leases back, end the threads."""
        self._stopping.set()
        for thread in self._loops:
            if thread.is_alive():
                thread.join(self.config.stop_timeout)
        self._retire_all(logout=False)
        if self._neonize is not None:
            self._neonize.close(self.config.stop_timeout)
        self.intake.close(self.config.stop_timeout)
        try:  # after the statuses are stored: a successor's "connected" must come last
            released = self.leases.release()
            log.info("released %d device leases", released)
        except Exception as exc:  # they expire on their own
            log.warning("could not release the device leases: %s", exc)
        log.info("gateway stopped")

    def submit(self, device_id: int, item: Item) -> None:
        """Hand one WhatsApp result to the intake; message data returns once committed (and
        raises if it could not be stored), status changes once queued."""
        self.intake.submit(device_id, item)

    def report(self, device_id: int, change: DeviceStatusChange) -> None:
        """Queue a status change of our own making without blocking (the fence calls this)."""
        self.intake.offer(device_id, change)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is in the database (tests)."""
        return self.intake.drain(timeout)

    def _on_status(self, device_id: int, change: DeviceStatusChange, stored: str | None) -> None:
        """After a status change is stored: remember it; stop trying a terminal device."""
        self._status[device_id] = stored or self._status.get(device_id, "")
        if stored == "logged_out" and change.status != "logged_out":
            self._unlink.add(device_id)  # its number is another device's: unlink it here
        if change.terminal or stored == "logged_out":
            self.given_up.add(device_id)  # the poller stops it: no reconnect loop
            log.warning("device %s: %s (%s); not reconnecting", device_id, change.status,
                        change.error or change.event, extra={"device_id": device_id})

    def sync_devices(self) -> None:
        """Renew the leases, then run exactly the devices held (one pass of the poller)."""
        holding = self.leases.renew()
        rows = holding.devices
        with self._lock:
            self._held = set(rows)
            for device_id, row in rows.items():
                self._tenants[device_id] = row.tenant_id
                self._status.setdefault(device_id, row.status)
            running = dict(self._running)
        for device_id, gateway in running.items():
            if device_id not in rows:  # taken by another process: disconnect at once
                self._retire(device_id, gateway, logout=False, why="lease lost")
            elif rows[device_id].status == "logged_out" or device_id in self.given_up:
                # An admin's removal unlinks the number; WhatsApp's own logouts need not.
                removed = device_id not in self.given_up
                self._retire(device_id, gateway, logout=removed or device_id in self._unlink,
                             why="logged out")
        self._give_back(holding)
        for device_id, row in sorted(rows.items()):
            if (row.status != "logged_out" and device_id not in self._running
                    and device_id not in self.given_up and device_id in self._held
                    and self.leases.valid()):
                self._launch(row)

    def _give_back(self, holding: Holding) -> None:
        """Release removed devices, and the highest-numbered ones above the fair share."""
        excess, done = holding.to_give_back(self.running())
        for device_id in excess:
            if (gateway := self._running.get(device_id)) is not None:
                self._retire(device_id, gateway, logout=False, why="fair share")
        if excess or done:  # their last statuses first, then the leases
            self.intake.barrier(excess + done, self.config.leases.margin)
            with self._lock:
                self._held -= set(excess) | set(done)
            self.leases.release(excess + done)
            if excess:
                log.info("gave back %d devices above the fair share of %d", len(excess),
                         holding.fair_share)

    def _launch(self, row: GatewayDevice) -> None:
        device_id = row.id
        log.info("device %s starting (%s)", device_id, row.kind,
                 extra={"device_id": device_id})
        gateway = start_client(self, row)
        if gateway is None:
            return
        with self._lock:
            self._running[device_id] = gateway
        log.info("device %s started (%s)", device_id, row.kind, extra={"device_id": device_id})

    def _retire(self, device_id: int, gateway: WhatsAppGateway, *, logout: bool,
                why: str) -> None:
        key = str(device_id)
        with self._lock:
            if self._running.get(device_id) is not gateway:
                return  # another thread retired it already
            self._running.pop(device_id)
        if logout:
            try:
                gateway.logout(key)
            except Exception as exc:  # offline or already unlinked: the row says logged_out
                log.warning("device %s: logout failed: %s", key, exc)
        elif gateway is self._neonize and self._status.get(device_id) == "connected":
            self.report(device_id, DeviceStatusChange("disconnected", None, None, "stopped"))
        gateway.stop(key)
        log.info("device %s stopped (%s)", key, why,
                 extra={"device_id": device_id, "logout": logout})

    def _retire_all(self, *, logout: bool, why: str = "gateway stopping") -> None:
        with self._lock:
            running = list(self._running.items())
        for device_id, gateway in running:
            self._retire(device_id, gateway, logout=logout, why=why)

    def running(self) -> set[int]:
        """The devices whose clients this process is running right now."""
        with self._lock:
            return set(self._running)

    @property
    def neonize(self) -> Any:
        """The shared NeonizeGateway, once a real device has started (None before)."""
        return self._neonize

    def neonize_gateway(self) -> Any:
        """The shared NeonizeGateway, created for the first real device."""
        if self._neonize is None:
            self._neonize = self._neonize_factory(self)
        return self._neonize

    def gateway_for(self, row: GatewayDevice) -> WhatsAppGateway:
        """The running gateway of an outbox send's device."""
        device_id = row.id
        with self._lock:
            gateway = self._running.get(device_id)
            held = device_id in self._held and self.leases.valid()
        if gateway is not None and held:
            return gateway
        return Unavailable(str(device_id), held=held)

    def quoted(self, device: str, wa_id: str) -> QuotedMessage | None:
        """The stored message a reply quotes (for neonize's build_reply_message)."""
        tenant = self._tenants.get(int(device))
        if tenant is None:
            return None
        return devices.quoted_message(self.db, tenant, int(device), wa_id)

    def _poll_loop(self) -> None:
        while True:
            try:
                self.sync_devices()
            except (DependencyDown, psycopg.OperationalError) as exc:  # the fence acts if long
                log.error("renewing the device leases failed: %s", exc)
            except Exception:
                log.exception("renewing the device leases failed")
            if self._stopping.wait(self.config.poll_interval):
                return

    def _fence_loop(self) -> None:
        while not self._stopping.wait(self.config.fence_interval):
            if self._running and not self.leases.valid():
                log.error("device leases not renewed in time: disconnecting %d devices",
                          len(self._running))
                self._retire_all(logout=False, why="lease deadline passed")

    def _outbox_loop(self) -> None:
        process_due = self._process_due
        while not self._stopping.wait(self.config.outbox_interval):
            try:
                process_due(self.db, self.gateway_for, limit=50, holder=self.leases.holder,
                            store=self.media_store)
            except Exception:
                log.exception("outbox pass failed")

    def _snooze_loop(self) -> None:
        while True:
            try:
                woken = snooze.wake_due(self.db)
                if woken:
                    log.info("woke %d snoozed conversations", woken)
            except Exception:
                log.exception("waking snoozed conversations failed")
            try:
                told = due.notify_due(self.db)
                if told:
                    log.info("notified %d passed due dates", told)
            except Exception:
                log.exception("due-date notifications failed")
            if self._stopping.wait(self.config.snooze_interval):
                return

    def _media_loop(self) -> None:
        while not self._stopping.wait(self.config.media_interval):
            try:
                self.download_media()
            except Exception:
                log.exception("media download pass failed")

    def download_media(self) -> int:
        """One pass: the due downloads of every connected neonize device held here."""
        gateway = self._neonize
        if gateway is None:
            return 0
        with self._lock:
            devices_here = [(d, self._tenants[d]) for d, g in self._running.items()
                            if g is gateway and d in self._held]
        done = 0
        cfg = self.config
        for device_id, tenant in devices_here:
            key = str(device_id)
            if not gateway.can_download(key) or not self.leases.valid():
                continue

            def fetch(job: downloads.DownloadJob, key: str = key) -> bytes:
                return bytes(gateway.download(key, job.type, job.mime, job.size, job.keys))

            done += len(downloads.run_due(self.db, self.media_store, tenant, device_id, fetch,
                                          max_bytes=cfg.media_max_bytes,
                                          max_attempts=cfg.media_attempts,
                                          backoff=cfg.media_backoff))
        return done

    def _requests_loop(self) -> None:
        while not self._stopping.wait(self.config.requests_interval):
            try:
                self.run_requests()
            except Exception:
                log.exception("device requests pass failed")

    def _connected_here(self) -> list[tuple[int, int, Any]]:
        """(device id, tenant id, gateway) of the devices running and connected here."""
        with self._lock:
            here = [(d, self._tenants[d], g) for d, g in self._running.items()
                    if d in self._held and self._status.get(d) == "connected"]
        return here if self.leases.valid() else []

    def run_requests(self) -> int:
        """One pass: the due requests (contact syncs) and profile pictures of every connected
        device held here; how many were handled."""
        done = 0
        for device_id, tenant, gateway in self._connected_here():
            key = str(device_id)

            def read_book(gateway: Any = gateway, key: str = key) -> list[Any]:
                return list(gateway.address_book(key))

            done += len(device_requests.run_due(self.db, tenant, device_id, read_book))

            def picture(jid: str, gateway: Any = gateway, key: str = key) -> bytes | None:
                found = gateway.profile_picture(key, jid)
                return bytes(found) if found is not None else None

            now = time.monotonic()
            if now >= self._pictures_due.get(device_id, 0.0):
                self._pictures_due[device_id] = now + self.config.picture_interval
                done += pictures.refresh_due(self.db, self.media_store, tenant, device_id,
                                             picture, max_age=self.config.picture_max_age,
                                             limit=self.config.pictures_per_pass)
        return done
