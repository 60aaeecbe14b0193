"""The gateway's intake: a bounded queue between WhatsApp's callback threads and the database.

Callbacks only enqueue (`submit`); one worker thread drains the queue, ingests records in small
per-device batches (one idempotent transaction each), ingests history chunks with a progress
event, and stores status, QR and pairing-code changes. A full queue blocks the enqueuing callback
(backpressure on WhatsApp) instead of dropping; a database outage is retried with backoff.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
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

Item = Record | HistoryBatch | DeviceStatusChange | PairingCode
Entry = tuple[int, Item]
StatusHook = Callable[[int, DeviceStatusChange, "str | None"], None]


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


class Intake:
    """Queue + worker: `submit` from any thread, `drain` to wait, `close` to finish."""

    def __init__(self, db: Database, tenant_of: Callable[[int], int], on_status: StatusHook, *,
                 batch_size: int = 100, queue_size: int = 5000,
                 db_backoff: Backoff | None = None) -> None:
        self.db = db
        self.batch_size = batch_size
        self._tenant_of = tenant_of
        self._on_status = on_status
        self._db_backoff = db_backoff or Backoff(0.2, 10.0)
        self._queue: queue.Queue[Entry | None] = queue.Queue(queue_size)
        self._hard_stop = threading.Event()
        self._worker = threading.Thread(target=self._work, name="mf-gateway-intake", daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._worker.start()

    def submit(self, device_id: int, item: Item) -> None:
        """Hand one WhatsApp result to the worker (blocks while the queue is full)."""
        self._put((device_id, item), timeout=None)

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
        """Process what is queued, then end the worker (giving up on the database after timeout)."""
        if not self._worker.is_alive():
            return
        self._put(None, timeout=timeout)
        self._worker.join(timeout)
        if self._worker.is_alive():
            self._hard_stop.set()
            self._worker.join(2.0)

    def _put(self, entry: Entry | None, timeout: float | None) -> None:
        waited = 0.0
        while True:
            try:
                self._queue.put(entry, timeout=1.0)
                return
            except queue.Full:
                waited += 1.0
                if self._hard_stop.is_set() or (timeout is not None and waited >= timeout):
                    log.error("gateway intake full: an item was dropped")
                    return
                log.warning("gateway intake full: WhatsApp events wait for the database")

    def _work(self) -> None:
        finished = False
        while not finished:
            items, finished = self._take()
            try:
                self._process(items)
            except Exception:
                log.exception("gateway intake failed on %d items", len(items))
            for _ in range(len(items) + int(finished)):
                self._queue.task_done()

    def _take(self) -> tuple[list[Entry], bool]:
        """What is queued now (waiting briefly for the first item); True at the sentinel."""
        items: list[Entry] = []
        try:
            entry = self._queue.get(timeout=0.2)
        except queue.Empty:
            return items, False
        while entry is not None:
            items.append(entry)
            if len(items) >= self.batch_size * 10:
                return items, False
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                return items, False
        return items, True

    def _process(self, items: list[Entry]) -> None:
        """Group consecutive records per device; anything else is handled in arrival order."""
        pending: dict[int, list[Record]] = {}
        for device_id, item in items:
            if isinstance(item, HistoryBatch | DeviceStatusChange | PairingCode):
                self._ingest(device_id, pending.pop(device_id, []))
                self._handle(device_id, item)
                continue
            batch = pending.setdefault(device_id, [])
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._ingest(device_id, pending.pop(device_id))
        for device_id, batch in pending.items():
            self._ingest(device_id, batch)

    def _handle(self, device_id: int, item: HistoryBatch | DeviceStatusChange | PairingCode,
                ) -> None:
        tenant = self._tenant_of(device_id)
        if isinstance(item, HistoryBatch):
            result = self._ingest(device_id, item.records) or IngestResult()
            self._retrying(lambda: devices.record_history(self.db, tenant, device_id, item,
                                                          result))
        elif isinstance(item, PairingCode):
            self._retrying(lambda: devices.store_pair_code(self.db, tenant, device_id, item))
        else:
            stored = self._retrying(lambda: devices.apply_status(self.db, tenant, device_id,
                                                                 item))
            self._on_status(device_id, item, stored)

    def _ingest(self, device_id: int, records: list[Record]) -> IngestResult | None:
        if not records:
            return None
        tenant = self._tenant_of(device_id)
        result: IngestResult | None = self._retrying(
            lambda: ingest(self.db, tenant, records, device_id=device_id,
                           batch_size=self.batch_size))
        if result is not None and result.rejected:
            log.warning("device %s: %d records rejected: %s", device_id, len(result.rejected),
                        result.rejected[:3], extra={"device_id": device_id})
        return result

    def _retrying(self, work: Callable[[], Any]) -> Any:
        """Run one database write; retry while the database is down, log anything else."""
        failures = 0
        while True:
            try:
                return work()
            except (DependencyDown, psycopg.OperationalError) as exc:
                if self._hard_stop.is_set():
                    log.error("database still unavailable at shutdown; work lost: %s", exc)
                    return None
                self._hard_stop.wait(self._db_backoff.delay(failures))
                failures += 1
            except Exception:
                log.exception("gateway write failed")
                return None
