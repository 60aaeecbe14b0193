"""`POST /integrations/:id/test`: one real message through the integration, now.

The test is a delivery like any other (it shows in the log) with a single attempt, sent at
once by the calling request rather than waiting for the worker, so the person pressing "Send
test" sees the outcome (status code or reason) in the answer.
"""

from __future__ import annotations

from typing import Any

from webapp.db import Database
from webapp.db.queries import load
from webapp.integrations import queue, worker
from webapp.integrations import service as integrations
from webapp.security.principal import Principal

Q = load(__file__)


def probe_payload(kind: str, p: Principal, to: str | None) -> tuple[str, dict[str, Any], str]:
    """(event type, payload, summary) of a test message."""
    text = (f"MessageFlow test message from {p.name} ({p.tenant_name}): this integration "
            "works.")
    if kind == "email":
        address = to or p.email
        return "integration.test", {"to": address, "to_name": p.name,
                                    "subject": "MessageFlow test message",
                                    "text": text}, f"Test e-mail → {address}"
    return "integration.test", {"text": text, "tenant": p.tenant_name}, "Test message"


def run_probe(db: Database, cfg: worker.WorkerConfig, p: Principal, integration_id: int,
             to: str | None) -> dict[str, Any]:
    """Queue a one-attempt test delivery, send it now, and return its final state."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = integrations.get_row(conn, integration_id)
        event, payload, summary = probe_payload(row["type"], p, to)
        delivery_id = queue.enqueue(conn, integration_id=integration_id, channel=row["type"],
                                    event_type=event, payload=payload, summary=summary,
                                    source="test", max_attempts=1)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        claimed = conn.execute(Q.claim_test, {"id": delivery_id,
                                              "lease": queue.LEASE_S}).fetchone()
    if claimed is not None:
        worker.send_claimed(db, cfg, delivery_id, p.tenant_id)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        final = queue.load_delivery(conn, delivery_id)
    assert final is not None
    return queue.public(final)
