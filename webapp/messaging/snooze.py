"""Snoozed conversations wake up on their own (Flask-free).

`wake_due` reopens every conversation of every tenant whose `snoozed_until` has passed: status
back to `open`, snooze time cleared, one `conversation.updated` event each, so the dashboard and
WebSocket clients see it and it is in the open queue again. The gateway process calls it
periodically (webapp/whatsapp/runner.py). The tenants with due snoozes are found across tenants
by a SECURITY DEFINER function (migration 0015); each tenant is then woken in its own RLS
context, in short batches. Idempotent and safe with concurrent callers (see snooze.sql).
"""

from __future__ import annotations

import datetime as dt
import logging

from webapp.db import Database
from webapp.db.queries import load

log = logging.getLogger(__name__)
Q = load(__file__)
BATCH = 500  # conversations per transaction: event-writing transactions of a tenant serialise


def wake_due(db: Database, now: dt.datetime | None = None, *, batch: int = BATCH) -> int:
    """Reopen every due snoozed conversation across tenants; the number woken."""
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in
                   conn.execute(Q.select_due_snooze_tenants, {"now": now}).fetchall()]
    woken = 0
    for tenant_id in tenants:
        try:
            woken += wake_tenant(db, tenant_id, now, batch=batch)
        except Exception:  # one tenant's failure must not keep the others asleep
            log.exception("waking snoozed conversations failed", extra={"tenant_id": tenant_id})
    return woken


def wake_tenant(db: Database, tenant_id: int, now: dt.datetime | None = None, *,
                batch: int = BATCH) -> int:
    """Reopen one tenant's due snoozed conversations, batch by batch; the number woken."""
    woken = 0
    while True:
        with db.tenant(tenant_id, events=True) as conn:
            ids = conn.execute(Q.wake_snoozed_conversations,
                               {"now": now, "limit": batch}).fetchall()
        woken += len(ids)
        if len(ids) < batch:
            return woken
