"""The delivery worker: a daemon thread in every web process that drains the delivery queue.

Why in the web process: it is always running wherever MessageFlow runs (`make up`, `serve`,
several gunicorn workers on several hosts), needs MASTER_KEY as the web app does, and claims
rows with FOR UPDATE SKIP LOCKED and leases, so any number of workers share the queue without
sending a delivery twice (a worker that dies mid-send loses its lease and the row is retried:
at least once, with the same webhook-id so receivers can drop the duplicate). Enqueueing in
this process kicks it; rows queued elsewhere (another process, a workflow) are found by polling
every POLL_S. Started by create_app when Settings.delivery_worker is on (DELIVERY_WORKER, on by
default from the environment; tests run `deliver_due` directly or start one explicitly).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from psycopg_pool import PoolClosed

from webapp.db import Database
from webapp.errors import DomainError
from webapp.integrations import queue, senders
from webapp.integrations import service as integrations
from webapp.integrations.queue import Outcome
from webapp.mail import smtp
from webapp.security.crypto import SecretBox, WrongMasterKey

log = logging.getLogger(__name__)

POLL_S = 2.0
ERROR_BACKOFF_S = 5.0
BATCH = 20


@dataclass(frozen=True)
class WorkerConfig:
    """What sending needs besides the rows: the secret box, the deployment's SMTP_URL, the
    backoff base (tests shorten it)."""

    box: SecretBox
    smtp_url: str | None = None
    base_delay_s: float = queue.BASE_DELAY_S


def send_claimed(db: Database, cfg: WorkerConfig, delivery_id: int, tenant_id: int) -> None:
    """Send one delivery this caller has leased and record the outcome."""
    with db.tenant(tenant_id) as conn:
        row = queue.load_delivery(conn, delivery_id)
        if row is None or row["status"] != "delivering":
            return
        integration = (integrations.get_row(conn, row["integration_id"])
                       if row["integration_id"] is not None else None)
    try:
        outcome = _attempt(cfg, row, integration)
    except Exception:  # one bad row must not stop the queue; the row is retried
        log.exception("delivery %s: unexpected error", delivery_id)
        outcome = Outcome(False, None, "internal error while sending")
    with db.tenant(tenant_id, events=True) as conn:
        queue.record(conn, row, outcome, cfg.base_delay_s)


def _attempt(cfg: WorkerConfig, row: dict[str, Any],
             integration: dict[str, Any] | None) -> Outcome:
    try:
        payload = queue.payload_of(cfg.box, row)
        if integration is None:
            if not cfg.smtp_url:
                return Outcome(False, None, "no e-mail integration and no SMTP_URL configured")
            return senders.send_email(smtp.parse_smtp_url(cfg.smtp_url), payload)
        if not integration["active"]:
            return Outcome(False, None, "the integration is turned off")
        s = integrations.settings_of(cfg.box, integration)
    except (DomainError, WrongMasterKey, ValueError) as exc:
        return Outcome(False, None, str(getattr(exc, "message", exc))[:300])
    if s.type == "slack":
        return senders.send_slack(s, payload)
    if s.type == "email":
        return senders.send_email(senders.smtp_config(s), payload)
    return senders.send_webhook(s, str(row["message_id"]), str(row["event_type"]), payload)


def deliver_due(db: Database, cfg: WorkerConfig, limit: int = BATCH) -> int:
    """Claim and send due deliveries until none is due; how many attempts were made."""
    total = 0
    while True:
        claimed = queue.claim(db, limit)
        for delivery_id, tenant_id in claimed:
            send_claimed(db, cfg, delivery_id, tenant_id)
        total += len(claimed)
        if not claimed:
            return total


class DeliveryWorker(threading.Thread):
    """Drains the queue while there is work; sleeps until kicked or POLL_S passes."""

    def __init__(self, db: Database, cfg: WorkerConfig, poll_s: float = POLL_S) -> None:
        super().__init__(name="delivery-worker", daemon=True)
        self.db, self.cfg, self.poll_s = db, cfg, poll_s
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def kick(self) -> None:
        """New work was queued: look now."""
        self.wake.set()

    def stop(self) -> None:
        """Finish the current attempt and exit."""
        self.stopping.set()
        self.wake.set()

    def run(self) -> None:
        """Loop: deliver what is due, then wait for a kick or the poll interval."""
        while not self.stopping.is_set():
            try:
                deliver_due(self.db, self.cfg)
            except PoolClosed:
                return
            except Exception:
                if self.db.pool.closed:
                    return
                log.exception("delivery worker: pass failed")
                self.stopping.wait(ERROR_BACKOFF_S)
                continue
            self.wake.wait(self.poll_s)
            self.wake.clear()


_workers: dict[int, DeliveryWorker] = {}
_lock = threading.Lock()


def start(db: Database, cfg: WorkerConfig, poll_s: float = POLL_S) -> DeliveryWorker:
    """The running worker of this database in this process (started on first use)."""
    with _lock:
        worker = _workers.get(id(db))
        if worker is None or not worker.is_alive():
            worker = DeliveryWorker(db, cfg, poll_s)
            _workers[id(db)] = worker
            worker.start()
    return worker


def kick(db: Database) -> None:
    """Wake this process's worker of `db`, if it runs (after enqueueing)."""
    worker = _workers.get(id(db))
    if worker is not None:
        worker.kick()


def stop(db: Database) -> None:
    """Stop this process's worker of `db` (app shutdown, tests)."""
    with _lock:
        worker = _workers.pop(id(db), None)
    if worker is not None:
        worker.stop()
        worker.join(timeout=10)
