"""The gateway's intake: group commit between WhatsApp's callback threads and the database.

Durability rule: a callback that carries message data (a Record: message, edit, revoke,
reaction, receipt, presence; or a HistoryBatch) does not return until the transaction holding
it has committed. `submit` enqueues the item with a ticket and waits on it. One worker thread
takes everything queued (after a short linger, so items arriving together share a pass), splits
the pass by device and stores the devices side by side (`workers` threads, one device's items in
arrival order on one thread), grouping consecutive records of a device into one idempotent
ingest transaction, and settles the tickets of a group once it has committed. Nobody is
released before its commit; that is the durability.

Throughput, honestly: neonize calls one client's handlers one at a time, so a device's live
messages reach us one by one and each waits for its own commit: a device's live rate is bounded
by one ingest transaction's latency. Grouping pays where items do queue together (several
sources of one device, e.g. the simulator's receipts; a history chunk is one multi-record item
anyway), and the workers keep many devices from queueing behind each other.

- Database down (DependencyDown / OperationalError, also serialization failures): the worker
  retries with capped backoff and the callbacks keep waiting. That is the backpressure: neonize
  calls a client's handlers one at a time, so a waiting callback stops that device's intake
  instead of acknowledging what cannot be stored. The queue is bounded too (`queue_size`); a
  full queue blocks `submit`.
- Any other failure of a group: each of its items is retried alone, so one bad record cannot
  fail its neighbours; an item that still fails settles its ticket with that exception, and
  `submit` raises it in the callback (which logs it: neonize has no way to refuse an event).
  Invalid records are not failures: ingest rejects them with a reason and that is logged.
- Shutdown: `close()` processes what is queued; if the database is still down when its timeout
  ends, waiting callbacks get `IntakeClosed` (never a silent success).
- Device status, QR and pairing-code changes do not wait: they describe the connection, which
  is re-established and re-reported after a restart.

What this buys with neonize 0.5.2 (checked in the installed library and neonize's Go source,
goneonize/main.go): whatsmeow calls the Go event handler, but neonize's handler only puts the
event into a per-client buffered channel (capacity 100) and returns; a separate goroutine
(`CallbackFunction`) takes events from that channel and calls Python one at a time. So the
Python callback does NOT run before whatsmeow's handler returns, and blocking it does not by
itself hold back WhatsApp's receipt. Blocking bounds the window instead: at most the channel's
100 events (plus the one being stored) per device can be acknowledged and not yet committed
when the process is SIGKILLed, instead of the whole in-memory queue (up to `queue_size`,
growing while the database is down). Once the channel is full, neonize's Go handler blocks,
and so does whatsmeow's event dispatch. Closing the window completely would need a receipt that
waits for the Python callback, which neonize's API does not offer.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg

from webapp.db import Database
from webapp.errors import DependencyDown
from webapp.messaging.ingest import IngestResult, ingest
from webapp.messaging.records import Record
from webapp.whatsapp import devices
from webapp.whatsapp.devices import PairingCode
from webapp.whatsapp.results import DeviceStatusChange, HistoryBatch

log = logging.getLogger(__name__)



class Barrier:
    """A marker queued behind a device's items: settled once they have all been handled."""


Item = Record | HistoryBatch | DeviceStatusChange | PairingCode | Barrier
StatusHook = Callable[[int, DeviceStatusChange, "str | None"], None]
_TRANSIENT = (DependencyDown, psycopg.OperationalError)
_NOT_RECORDS = (HistoryBatch, DeviceStatusChange, PairingCode, Barrier)


class IntakeClosed(RuntimeError):
    """The intake stopped before an item could be stored (it was not stored)."""


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with a little jitter."""

    initial: float = 1.0
    maximum: float = 300.0
    factor: float = 2.0
    jitter: float = 0.1

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` consecutive failures (0-based)."""
        base = min(self.maximum, self.initial * self.factor ** min(failures, 64))
        return min(self.maximum, base * (1 + self.jitter * random.uniform(-1, 1)))


@dataclass(eq=False)
class Ticket:
    """What a waiting callback holds: set once its item is committed, or failed for good."""

    _done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def settle(self, error: BaseException | None = None) -> None:
        """Release the waiter (the first settlement wins)."""
        if not self._done.is_set():
            self.error = error
            self._done.set()

    @property
    def settled(self) -> bool:
        """True once released."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until settled (True) or timeout (False); raise the failure, if any."""
        if not self._done.wait(timeout):
            return False
        if self.error is not None:
            raise self.error
        return True


@dataclass(frozen=True)
class Entry:
    """One queued item; `ticket` is None for items nobody waits for (status, QR, codes)."""

    device_id: int
    item: Item
    ticket: Ticket | None = None


def is_durable(item: Item) -> bool:
    """Items that carry message data: their callback waits until they are committed."""
    return not isinstance(item, DeviceStatusChange | PairingCode)


class Intake:
    """Queue + group-committing worker: `submit` from any thread, `drain`, `close`."""

    def __init__(self, db: Database, tenant_of: Callable[[int], int], on_status: StatusHook, *,
                 batch_size: int = 100, queue_size: int = 5000, linger: float = 0.002,
                 workers: int = 3, db_backoff: Backoff | None = None,
                 holder: uuid.UUID | None = None) -> None:
        self.db = db
        self.holder = holder  # status reports of devices this process lost are dropped
        self.batch_size = batch_size
        self.linger = linger
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="mf-gateway-store")
        self._tenant_of = tenant_of
        self._on_status = on_status
        self._db_backoff = db_backoff or Backoff(0.2, 10.0)
        self._queue: queue.Queue[Entry | None] = queue.Queue(queue_size)
        self._hard_stop = threading.Event()
        self._closed = threading.Event()
        self._worker = threading.Thread(target=self._work, name="mf-gateway-intake", daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._worker.start()

    def submit(self, device_id: int, item: Item) -> None:
        """Hand one WhatsApp result to the worker.

        Message data (records, history chunks) returns only once committed; it raises the
        error if the item failed for good, or IntakeClosed if the intake stopped first. Status,
        QR and pairing-code changes return once queued. A full queue blocks either way."""
        waits = is_durable(item) and threading.current_thread() is not self._worker
        ticket = Ticket() if waits else None
        if self._closed.is_set():
            if ticket is not None:
                raise IntakeClosed("the gateway intake is closed; the item was not stored")
            return
        self._put(Entry(device_id, item, ticket), timeout=None)
        while ticket is not None and not ticket.wait(1.0):
            if self._closed.is_set() and not self._worker.is_alive():
                self._fail_queued()  # queued behind the worker's last pass: not stored

    def offer(self, device_id: int, item: DeviceStatusChange) -> bool:
        """Queue a status change without ever blocking (False: dropped, the queue is full or
        closed). For callers that must not wait, such as the gateway's lease fence."""
        if self._closed.is_set():
            return False
        try:
            self._queue.put_nowait(Entry(device_id, item))
        except queue.Full:
            log.warning("gateway intake full: device %s status %s not recorded", device_id,
                        item.status)
            return False
        return True

    def barrier(self, device_ids: list[int], timeout: float = 10.0) -> bool:
        """Wait until everything queued so far for these devices has been handled (e.g. their
        last status before their leases are given back); False on timeout."""
        deadline = time.monotonic() + timeout
        tickets = []
        for device_id in device_ids:
            if self._closed.is_set():
                return False
            tickets.append(Ticket())
            self._put(Entry(device_id, Barrier(), tickets[-1]), timeout=timeout)
        try:
            return all(t.wait(max(0.0, deadline - time.monotonic())) for t in tickets)
        except Exception:  # noqa: BLE001 - the intake stopped or failed: nothing to wait for
            return False

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is processed."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Process what is queued, then end the worker (giving up on the database after
        timeout: whoever still waits gets IntakeClosed)."""
        self._closed.set()
        if not self._worker.is_alive():
            self._fail_queued()
            return
        self._put(None, timeout=timeout)
        self._worker.join(timeout)
        if self._worker.is_alive():
            self._hard_stop.set()
            self._worker.join(2.0)
        self._pool.shutdown(wait=False)
        self._fail_queued()

    def _fail_queued(self) -> None:
        """Release anyone whose item is still queued after the worker ended."""
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                return
            if entry is not None and entry.ticket is not None:
                entry.ticket.settle(IntakeClosed("the gateway stopped before storing it"))
            self._queue.task_done()

    def _put(self, entry: Entry | None, timeout: float | None) -> None:
        waited = 0.0
        while True:
            try:
                self._queue.put(entry, timeout=1.0)
                return
            except queue.Full:
                waited += 1.0
                if self._hard_stop.is_set() or (timeout is not None and waited >= timeout):
                    log.error("gateway intake full: an item was not queued")
                    if entry is not None and entry.ticket is not None:
                        entry.ticket.settle(IntakeClosed("the gateway intake stayed full"))
                    return
                log.warning("gateway intake full: WhatsApp events wait for the database")

    def _work(self) -> None:
        finished = False
        while not finished:
            entries, finished = self._take()
            try:
                self._process(entries)
            except Exception as exc:
                log.exception("gateway intake failed on %d items", len(entries))
                for e in entries:  # never leave a waiter hanging, never release it as stored
                    if e.ticket is not None:
                        e.ticket.settle(exc)
            for _ in range(len(entries) + int(finished)):
                self._queue.task_done()

    def _take(self) -> tuple[list[Entry], bool]:
        """What is queued now (waiting briefly for the first item, then `linger` for more to
        join it); True at the sentinel."""
        entries: list[Entry] = []
        try:
            entry = self._queue.get(timeout=0.2)
        except queue.Empty:
            return entries, False
        deadline = time.monotonic() + self.linger
        limit = self.batch_size * 10
        while entry is not None:
            entries.append(entry)
            if len(entries) >= limit:
                return entries, False
            try:
                remaining = deadline - time.monotonic()
                entry = (self._queue.get(timeout=remaining) if remaining > 0
                         else self._queue.get_nowait())
            except queue.Empty:
                return entries, False
        return entries, True

    def _process(self, entries: list[Entry]) -> None:
        """Each device's items in arrival order; devices side by side."""
        by_device: dict[int, list[Entry]] = {}
        for e in entries:
            by_device.setdefault(e.device_id, []).append(e)
        if len(by_device) == 1:
            self._process_device(*next(iter(by_device.items())))
            return
        for future in [self._pool.submit(self._process_device, d, es)
                       for d, es in by_device.items()]:
            future.result()

    def _process_device(self, device_id: int, entries: list[Entry]) -> None:
        """Group consecutive records; anything else is handled in arrival order between them."""
        group: list[Entry] = []
        for e in entries:
            if isinstance(e.item, _NOT_RECORDS):
                self._commit(device_id, group)
                group = []
                self._handle(e)
                continue
            group.append(e)
            if len(group) >= self.batch_size:
                self._commit(device_id, group)
                group = []
        self._commit(device_id, group)

    def _commit(self, device_id: int, group: list[Entry]) -> None:
        """Store a device's records in one transaction and release their waiters; if that
        fails for good, store each alone so only the failing ones see the error."""
        if not group:
            return
        try:
            self._store(device_id, _records(group))
        except Exception as exc:
            if len(group) == 1:
                self._failed(device_id, group[0], exc)
                return
            log.warning("device %s: a batch of %d failed (%s); storing its items one by one",
                        device_id, len(group), exc, extra={"device_id": device_id})
            for e in group:
                try:
                    self._store(device_id, _records([e]))
                except Exception as one:
                    self._failed(device_id, e, one)
                else:
                    _settle(e)
            return
        for e in group:
            _settle(e)

    def _failed(self, device_id: int, entry: Entry, exc: Exception) -> None:
        log.error("device %s: %s not stored: %s", device_id, type(entry.item).__name__, exc,
                  exc_info=exc, extra={"device_id": device_id})
        if entry.ticket is not None:
            entry.ticket.settle(exc)

    def _handle(self, entry: Entry) -> None:
        device_id, item = entry.device_id, entry.item
        if isinstance(item, HistoryBatch):
            try:
                result = self._store(device_id, item.records, history=True)
            except Exception as exc:
                self._failed(device_id, entry, exc)
                return
            _settle(entry)  # the messages are committed; the progress event is a report
            tenant = self._tenant_of(device_id)
            self._retrying(lambda: devices.record_history(self.db, tenant, device_id, item,
                                                          result))
        elif isinstance(item, Barrier):
            _settle(entry)
        elif isinstance(item, PairingCode):
            tenant = self._tenant_of(device_id)
            self._retrying(lambda: devices.store_pair_code(self.db, tenant, device_id, item))
        elif isinstance(item, DeviceStatusChange):
            tenant = self._tenant_of(device_id)
            stored = self._retrying(lambda: devices.apply_status(self.db, tenant, device_id,
                                                                 item, self.holder))
            self._on_status(device_id, item, stored)

    def _store(self, device_id: int, records: list[Record], *,
               history: bool = False) -> IngestResult:
        """Ingest (one transaction per `batch_size` records); retried while the database is
        down; raises anything else, or IntakeClosed when stopped while it is still down.
        `history`: a history-sync chunk (workflows do not fire on it)."""
        if not records:
            return IngestResult()
        tenant = self._tenant_of(device_id)
        result: IngestResult = self._until_stored(
            lambda: ingest(self.db, tenant, records, device_id=device_id,
                           batch_size=self.batch_size, history=history))
        if result.rejected:
            log.warning("device %s: %d records rejected: %s", device_id, len(result.rejected),
                        result.rejected[:3], extra={"device_id": device_id})
        return result

    def _until_stored(self, work: Callable[[], Any]) -> Any:
        failures = 0
        while True:
            try:
                return work()
            except _TRANSIENT as exc:
                if self._hard_stop.is_set():
                    raise IntakeClosed(f"database still unavailable at shutdown: {exc}") from exc
                if failures == 0:
                    log.warning("database unavailable; WhatsApp events wait: %s", exc)
                self._hard_stop.wait(self._db_backoff.delay(failures))
                failures += 1

    def _retrying(self, work: Callable[[], Any]) -> Any:
        """Run one status write; retry while the database is down, log anything else."""
        try:
            return self._until_stored(work)
        except IntakeClosed as exc:
            log.error("%s; a device status change was lost", exc)
        except Exception:
            log.exception("gateway write failed")
        return None


def _records(group: list[Entry]) -> list[Record]:
    return [e.item for e in group if not isinstance(e.item, _NOT_RECORDS)]


def _settle(entry: Entry) -> None:
    if entry.ticket is not None:
        entry.ticket.settle()
