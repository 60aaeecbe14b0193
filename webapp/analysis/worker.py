"""A simple in-process analysis worker: a daemon thread that drains the queue.

Started lazily by the first batch-analyze request of a process (and kicked by later ones), or run
in the foreground by `run_forever` (e.g. from a CLI command). Every process may run one: items
are claimed with FOR UPDATE SKIP LOCKED, so workers never analyse the same item twice. With
ANALYSIS_RUNNER=dagster the Dagster analysis sensor and job drain the queue instead, and the
batch-analyze route does not start this worker.
"""

from __future__ import annotations

import logging
import threading

from psycopg_pool import PoolClosed

from webapp.analysis import jobs
from webapp.db import Database
from webapp.security.crypto import SecretBox

log = logging.getLogger(__name__)

POLL_S = 2.0
ERROR_BACKOFF_S = 5.0


class AnalysisWorker(threading.Thread):
    """Drains the queue while there is work; sleeps until kicked or POLL_S passes."""

    def __init__(self, db: Database, box: SecretBox, *, limit: int = 200) -> None:
        super().__init__(name="analysis-worker", daemon=True)
        self.db, self.box, self.limit = db, box, limit
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def kick(self) -> None:
        """New work was queued: drain now."""
        self.wake.set()

    def stop(self) -> None:
        """Finish the current drain and exit."""
        self.stopping.set()
        self.wake.set()

    def run(self) -> None:
        """Loop: drain, then wait for a kick; exit when stopped or the pool closes."""
        while not self.stopping.is_set():
            try:
                handled = jobs.drain(self.db, self.limit, box=self.box)
            except PoolClosed:
                return
            except Exception:  # keep the worker alive; the items' leases bring them back
                if self.db.pool.closed:
                    return
                log.exception("analysis worker: drain failed")
                self.stopping.wait(ERROR_BACKOFF_S)
                continue
            if handled == 0:
                self.wake.wait(POLL_S)
                self.wake.clear()


_workers: dict[int, AnalysisWorker] = {}
_lock = threading.Lock()


def ensure_worker(db: Database, box: SecretBox) -> AnalysisWorker:
    """The running worker of this database in this process (started on first use), kicked."""
    with _lock:
        worker = _workers.get(id(db))
        if worker is None or not worker.is_alive() or worker.db is not db:
            worker = AnalysisWorker(db, box)
            _workers[id(db)] = worker
            worker.start()
    worker.kick()
    return worker


def run_forever(db: Database, box: SecretBox, stop: threading.Event | None = None) -> None:
    """Run a worker in the foreground until `stop` is set (or KeyboardInterrupt)."""
    worker = AnalysisWorker(db, box)
    worker.start()
    try:
        while worker.is_alive():
            if stop is not None and stop.wait(1.0):
                break
            worker.join(1.0)
    finally:
        worker.stop()
        worker.join(30)
