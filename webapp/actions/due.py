"""Due dates passing (Flask-free): the assignee of an open item is told once per due date.

The gateway process calls `notify_due` periodically, beside the snooze wake-up
(webapp/whatsapp/runner.py). The tenants with something due are found across tenants by a
SECURITY DEFINER function (migration 0030); each tenant's items are then claimed and notified
in its own RLS context. Claiming sets `due_notified_for`, and the notification's dedupe key
names the item and its due date, so a re-run, a second process or a later edit never repeats
it; moving the due date arms it again.
"""

from __future__ import annotations

import datetime as dt
import logging

from webapp.db import Database
from webapp.db.queries import load
from webapp.notifications.service import notify

log = logging.getLogger(__name__)
Q = load(__file__)
BATCH = 500


def notify_due(db: Database, now: dt.datetime | None = None, *, batch: int = BATCH) -> int:
    """Notify the assignees of every overdue open item across tenants; how many items."""
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in
                   conn.execute(Q.select_due_tenants, {"now": now}).fetchall()]
    told = 0
    for tenant_id in tenants:
        try:
            told += notify_tenant(db, tenant_id, now, batch=batch)
        except Exception:  # one tenant's failure must not silence the others
            log.exception("due-date notifications failed", extra={"tenant_id": tenant_id})
    return told


def notify_tenant(db: Database, tenant_id: int, now: dt.datetime | None = None, *,
                  batch: int = BATCH) -> int:
    """Notify one tenant's overdue assignees, batch by batch; how many items."""
    told = 0
    while True:
        with db.tenant(tenant_id, events=True) as conn:
            rows = conn.execute(Q.claim_due_items, {"now": now, "limit": batch}).fetchall()
            for r in rows:
                notify(conn, tenant_id=tenant_id, user_ids=[r["assignee_id"]], kind="due_date",
                       title=f"Due date passed: {r['title']}",
                       body=f"It was due on {r['due_date']}.",
                       link=f"/app/action-items/{r['id']}",
                       dedupe_key=f"action_item:{r['id']}:due:{r['due_date']}")
        told += len(rows)
        if len(rows) < batch:
            return told
