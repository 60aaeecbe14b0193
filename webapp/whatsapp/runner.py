"""The gateway process: ONE runner serves every tenant's devices.

Threads, each with one job:
- poller: every few seconds lists the devices of all tenants (mf_gateway_devices), starts the
  new ones (neonize devices on the shared NeonizeGateway, simulator devices on their own
  SimulatorGateway) and logs out and stops those that disappeared (an admin removed them);
- worker: the intake's group commit (webapp.whatsapp.intake). WhatsApp's callback threads
  queue what they carry; a message, edit, revoke, reaction, receipt or history chunk returns
  from its callback only once the transaction holding it has committed (per-device batches,
  one idempotent transaction each; history chunks with a progress event). Status, QR and
  pairing-code changes are queued without waiting;
- outbox: every ~0.5 s hands due sends to `webapp.whatsapp.outbox.process_due` (at least once:
  see that module);
- snooze: every ~15 s reopens conversations whose snooze time has passed
  (`webapp.messaging.snooze.wake_due`).
While the database is down the callbacks wait (backpressure on WhatsApp) instead of dropping.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import DependencyDown
from webapp.messaging import snooze
from webapp.messaging.records import MessageRecord
from webapp.whatsapp import devices
from webapp.whatsapp.gateway import DeviceUnavailable, SimulatorGateway, WhatsAppGateway
from webapp.whatsapp.intake import Backoff, Intake, Item
from webapp.whatsapp.results import DeviceStatusChange

log = logging.getLogger(__name__)
Q = load(__file__)

ProcessDue = Callable[..., int]
GATEWAY_LOCK = 0x6D66_6777  # pg advisory lock key: one gateway process per database


@dataclass(frozen=True)
class RunnerConfig:
    """Timings and sizes of the gateway process, and where WhatsApp sessions are stored."""

    poll_interval: float = 3.0
    outbox_interval: float = 0.5
    snooze_interval: float = 15.0
    batch_size: int = 100
    queue_size: int = 5000
    linger: float = 0.002
    intake_workers: int = 3
    stop_timeout: float = 10.0
    echo_delay: float = 0.3
    store_dsn: str | None = None
    home: Path = field(default_factory=lambda: Path(".messageflow"))
    backoff: Backoff = field(default_factory=Backoff)
    db_backoff: Backoff = field(default_factory=lambda: Backoff(0.2, 10.0))


class _Unavailable:
    """The gateway of a device this process is not running: every call says so."""

    def __init__(self, device: str) -> None:
        self.reason = f"device {device} is not running in the gateway"

    def start(self, device: str) -> None:
        """Refuse."""
        raise DeviceUnavailable(self.reason)

    def stop(self, device: str) -> None:
        """Nothing to stop."""

    def send_text(self, device: str, chat: str, text: str, reply_to: str | None = None) -> str:
        """Refuse."""
        raise DeviceUnavailable(self.reason)

    def forward(self, device: str, chat: str, message: MessageRecord) -> str:
        """Refuse."""
        raise DeviceUnavailable(self.reason)

    def logout(self, device: str) -> None:
        """Refuse."""
        raise DeviceUnavailable(self.reason)


class GatewayRunner:
    """Serves every tenant's devices; `start()`, then `stop()` (or `run()` until a signal)."""

    def __init__(self, db: Database, config: RunnerConfig | None = None, *,
                 neonize_factory: Callable[[GatewayRunner], Any] | None = None,
                 process_due: ProcessDue | None = None) -> None:
        self.db = db
        self.config = config or RunnerConfig()
        self._neonize_factory = neonize_factory or default_neonize
        self._neonize: Any = None
        self._process_due = process_due
        self.intake = Intake(db, lambda device_id: self._tenants[device_id], self._on_status,
                             batch_size=self.config.batch_size, queue_size=self.config.queue_size,
                             linger=self.config.linger, workers=self.config.intake_workers,
                             db_backoff=self.config.db_backoff)
        self._running: dict[int, WhatsAppGateway] = {}
        self._tenants: dict[int, int] = {}
        self._status: dict[int, str] = {}
        self.given_up: set[int] = set()
        self._unlink: set[int] = set()
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._loops = [threading.Thread(target=self._poll_loop, name="mf-gateway-poller",
                                        daemon=True),
                       threading.Thread(target=self._outbox_loop, name="mf-gateway-outbox",
                                        daemon=True),
                       threading.Thread(target=self._snooze_loop, name="mf-gateway-snooze",
                                        daemon=True)]

    def start(self) -> None:
        """Start the worker, poller, outbox and snooze threads."""
        self.intake.start()
        log.info("gateway started")
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
        """Stop every device, drain what is queued, end the threads."""
        self._stopping.set()
        for thread in self._loops:
            if thread.is_alive():
                thread.join(self.config.stop_timeout)
        with self._lock:
            running = list(self._running.items())
        for device_id, gateway in running:
            self._retire(device_id, gateway, logout=False)
        if self._neonize is not None:
            self._neonize.close(self.config.stop_timeout)
        self.intake.close(self.config.stop_timeout)
        log.info("gateway stopped")

    def submit(self, device_id: int, item: Item) -> None:
        """Hand one WhatsApp result to the intake; message data returns once committed (and
        raises if it could not be stored), status changes once queued."""
        self.intake.submit(device_id, item)

    def _echo(self, device_id: int, record: Item) -> None:
        """A simulator's delivery receipt, a moment after the send (as WhatsApp's would be)."""
        # Arriving later than the outbox's own commit of the new WhatsApp id, the receipt
        # finds its message instead of waiting in message_ops behind a concurrent transaction.
        timer = threading.Timer(self.config.echo_delay, self.submit, (device_id, record))
        timer.daemon = True
        timer.start()

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
        """Start new devices, retire removed ones (one pass of the poller)."""
        rows = {int(r["id"]): r for r in devices.gateway_devices(self.db)}
        with self._lock:
            for device_id, row in rows.items():
                self._tenants[device_id] = int(row["tenant_id"])
                self._status.setdefault(device_id, str(row["status"]))
            gone = [(d, g) for d, g in self._running.items() if d not in rows or d in self.given_up]
        for device_id, gateway in gone:  # WhatsApp's own logouts need no unlinking
            removed = device_id not in rows and device_id not in self.given_up
            self._retire(device_id, gateway, logout=removed or device_id in self._unlink)
        for device_id, row in rows.items():
            if device_id not in self._running and device_id not in self.given_up:
                self._launch(row)

    def _launch(self, row: dict[str, Any]) -> None:
        device_id, key = int(row["id"]), str(row["id"])
        try:
            if row["kind"] == "simulator":
                jids = {key: row["jid"]} if row["jid"] else {}
                gateway: Any = SimulatorGateway(lambda r: self._echo(device_id, r),
                                                lambda _d, c: self.submit(device_id, c),
                                                device_jids=jids)
                gateway.start(key)
            else:
                spec = devices.device_spec(self.db, int(row["tenant_id"]), device_id) or row
                gateway = self._neonize_gateway()
                gateway.start(key, jid=spec["jid"], pair_phone=spec.get("pair_phone"))
        except (DependencyDown, psycopg.OperationalError) as exc:
            log.warning("device %s could not start yet: %s", key, exc)
            return
        except Exception:
            log.exception("device %s could not start", key, extra={"device_id": device_id})
            self.given_up.add(device_id)
            return
        with self._lock:
            self._running[device_id] = gateway
        log.info("device %s started (%s)", key, row["kind"], extra={"device_id": device_id})

    def _retire(self, device_id: int, gateway: WhatsAppGateway, *, logout: bool) -> None:
        key = str(device_id)
        with self._lock:
            self._running.pop(device_id, None)
        if logout:
            try:
                gateway.logout(key)
            except Exception as exc:  # offline or already unlinked: the row says logged_out
                log.warning("device %s: logout failed: %s", key, exc)
        elif gateway is self._neonize and self._status.get(device_id) == "connected":
            self.submit(device_id, DeviceStatusChange("disconnected", None, None, "stopped"))
        gateway.stop(key)
        log.info("device %s stopped", key, extra={"device_id": device_id, "logout": logout})

    @property
    def neonize(self) -> Any:
        """The shared NeonizeGateway, once a real device has started (None before)."""
        return self._neonize

    def _neonize_gateway(self) -> Any:
        if self._neonize is None:
            self._neonize = self._neonize_factory(self)
        return self._neonize

    def gateway_for(self, row: dict[str, Any]) -> WhatsAppGateway:
        """The running gateway of an outbox device row {id, tenant_id, kind, jid, status}."""
        with self._lock:
            gateway = self._running.get(int(row["id"]))
        return gateway if gateway is not None else _Unavailable(str(row["id"]))

    def quoted(self, device: str, wa_id: str) -> dict[str, Any] | None:
        """The stored message a reply quotes (for neonize's build_reply_message)."""
        tenant = self._tenants.get(int(device))
        if tenant is None:
            return None
        return devices.quoted_message(self.db, tenant, int(device), wa_id)

    def _poll_loop(self) -> None:
        while True:
            try:
                self.sync_devices()
            except Exception:
                log.exception("listing devices failed")
            if self._stopping.wait(self.config.poll_interval):
                return

    def _outbox_loop(self) -> None:
        process_due = self._process_due or load_process_due()
        if process_due is None:
            log.warning("webapp.whatsapp.outbox.process_due is missing: sends are not processed")
            return
        while not self._stopping.wait(self.config.outbox_interval):
            try:
                process_due(self.db, self.gateway_for, limit=50)
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
            if self._stopping.wait(self.config.snooze_interval):
                return


def default_neonize(runner: GatewayRunner) -> Any:
    """The shared NeonizeGateway (neonize is imported only now, for the first real device)."""
    from webapp.whatsapp.neonize_gateway import NeonizeGateway
    from webapp.whatsapp.sessions import SessionStore

    store = SessionStore.for_settings(runner.config.store_dsn, runner.config.home)
    return NeonizeGateway(store, lambda device, item: runner.submit(int(device), item),
                          backoff=runner.config.backoff, quoted=runner.quoted)


def load_process_due() -> ProcessDue | None:
    """`webapp.whatsapp.outbox.process_due`, written separately; None until it exists."""
    try:
        module = importlib.import_module("webapp.whatsapp.outbox")
    except ImportError:
        return None
    process_due: ProcessDue | None = getattr(module, "process_due", None)
    return process_due


@contextmanager
def singleton(dsn: str, wait: float = 0.0) -> Iterator[bool]:
    """Hold the gateway's advisory lock for the block; yields False if another process has it."""
    # Two live clients of one device keep replacing each other's stream (StreamReplaced).
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline, got = wait, False
        while True:
            row = conn.execute(Q.try_gateway_lock, {"key": GATEWAY_LOCK}).fetchone()
            got = bool(row and row[0])
            if got or deadline <= 0:
                break
            deadline -= 0.5
            time.sleep(0.5)
        yield got
