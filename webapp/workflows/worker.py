"""The workflow engine thread: one per web process (started with the delivery worker by
create_app), running `engine.run_pending` every POLL_S for events, and every TIMED_EVERY_S
also the time-driven triggers at the current time and the runs left by dead processes.
Several processes may run it: the execution claim (UNIQUE (workflow_id, event_key)) makes each
(workflow, event) run once."""

from __future__ import annotations

import logging
import threading
import time

from psycopg_pool import PoolClosed

from webapp.db import Database
from webapp.workflows import engine
from webapp.workflows.actions import Online

log = logging.getLogger(__name__)
POLL_S = 1.0
TIMED_EVERY_S = 10.0  # unanswered conversations, schedules (10 minutes of catch-up), recovery
ERROR_BACKOFF_S = 5.0


class WorkflowWorker(threading.Thread):
    """Runs pending workflows, then sleeps POLL_S (or until stopped)."""

    def __init__(self, db: Database, poll_s: float = POLL_S,
                 online: Online | None = None) -> None:
        super().__init__(name="workflow-worker", daemon=True)
        self.db, self.poll_s, self.online = db, poll_s, online
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Finish the current pass and exit."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped."""
        last_timed = -TIMED_EVERY_S
        while not self.stopping.is_set():
            try:
                timed = time.monotonic() - last_timed >= TIMED_EVERY_S
                engine.run_pending(self.db, online=self.online, timed=timed)
                if timed:
                    last_timed = time.monotonic()
            except PoolClosed:
                return
            except Exception:
                if self.db.pool.closed:
                    return
                log.exception("workflow worker: pass failed")
                self.stopping.wait(ERROR_BACKOFF_S)
                continue
            self.stopping.wait(self.poll_s)


_workers: dict[int, WorkflowWorker] = {}
_lock = threading.Lock()


def start(db: Database, poll_s: float = POLL_S, online: Online | None = None) -> WorkflowWorker:
    """The running worker of this database in this process (started on first use). `online`
    says who is online (the realtime hub's presence) for round-robin assignments."""
    with _lock:
        worker = _workers.get(id(db))
        if worker is None or not worker.is_alive():
            worker = WorkflowWorker(db, poll_s, online)
            _workers[id(db)] = worker
            worker.start()
    return worker


def stop(db: Database) -> None:
    """Stop this process's worker of `db` (app shutdown, tests)."""
    with _lock:
        worker = _workers.pop(id(db), None)
    if worker is not None:
        worker.stop()
        worker.join(timeout=10)
