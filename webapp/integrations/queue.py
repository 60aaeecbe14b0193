"""The durable delivery queue (PostgreSQL): enqueue, claim, record an attempt, list, replay.

Rows are claimed per integration in order (mf_claim_deliveries: the oldest unfinished delivery
of each integration, FOR UPDATE SKIP LOCKED, with a lease), so several web processes can run a
worker each. A failed attempt is retried after an exponential backoff with jitter
(`backoff_s`); after `max_attempts` the row is dead (a dead letter: audited, announced with
`delivery.failed`, replayable). A dead row no longer holds back the ones behind it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import Conflict, NotFound
from webapp.integrations import signing
from webapp.pagination import page
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
MAX_ATTEMPTS = 6
LEASE_S = 60
BASE_DELAY_S = 5.0
MAX_DELAY_S = 3600.0
REPLAY_BUDGET = 3


def backoff_s(attempt: int, base: float = BASE_DELAY_S, cap: float = MAX_DELAY_S) -> float:
    """The wait before the next try after `attempt` failures: base x 2^(attempt-1), capped,
    with jitter (between half and all of it) so failed receivers are not hit in lock-step."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2


def sealed_aad(tenant_id: int) -> str:
    """Associated data of a sealed payload."""
    return f"delivery_payload:tenant:{int(tenant_id)}"


def enqueue(conn: Conn, *, integration_id: int | None, channel: str, event_type: str,
            payload: dict[str, Any], summary: str = "", source: str = "event",
            box: SecretBox | None = None, max_attempts: int = MAX_ATTEMPTS) -> int:
    """Queue one delivery in the caller's tenant transaction; its id. With `box` the payload
    is stored encrypted (it carries a secret, e.g. a password-reset link)."""
    sealed = None
    stored: dict[str, Any] = payload
    if box is not None:
        tenant = conn.execute("select mf_current_tenant() as t").fetchone()
        assert tenant is not None
        sealed = box.encrypt(json.dumps(payload), sealed_aad(int(tenant["t"])))
        stored = {"sealed": True}
    row = conn.execute(Q.insert_delivery, {
        "integration_id": integration_id, "channel": channel, "event_type": event_type,
        "source": source, "message_id": signing.new_message_id(), "payload": Jsonb(stored),
        "sealed": sealed, "summary": summary[:300], "max_attempts": max_attempts,
    }).fetchone()
    assert row is not None
    return int(row["id"])


def claim(db: Database, limit: int, lease_s: int = LEASE_S) -> list[tuple[int, int]]:
    """(delivery id, tenant id) of due deliveries, now leased to this caller."""
    with db.system() as conn:
        rows = conn.execute(Q.claim_deliveries, {"limit": limit, "lease": lease_s}).fetchall()
    return [(int(r["id"]), int(r["tenant_id"])) for r in rows]


def load_delivery(conn: Conn, delivery_id: int) -> dict[str, Any] | None:
    """A delivery of the current tenant (with its integration's type), or None."""
    return conn.execute(Q.get_delivery, {"id": delivery_id}).fetchone()


def payload_of(box: SecretBox, row: dict[str, Any]) -> dict[str, Any]:
    """What the delivery sends (decrypting a sealed payload)."""
    if row["sealed"]:
        value: dict[str, Any] = json.loads(box.decrypt(row["sealed"],
                                                       sealed_aad(row["tenant_id"])))
        return value
    payload: dict[str, Any] = row["payload"]
    return payload


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt (error: safe to show; never the receiver's body)."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


def record(conn: Conn, row: dict[str, Any], outcome: Outcome,
           base_delay_s: float = BASE_DELAY_S) -> dict[str, Any] | None:
    """Store an attempt's outcome (current tenant); the updated row, or None when the lease
    was lost (someone else took the row over). A dead letter is audited; every failure is
    announced as `delivery.failed`."""
    conn.execute(Q.insert_attempt, {
        "delivery_id": row["id"], "attempt": row["attempts"],
        "outcome": "delivered" if outcome.ok else "failed", "status_code": outcome.status_code,
        "error": outcome.error, "duration_ms": outcome.duration_ms})
    if outcome.ok:
        return conn.execute(Q.mark_delivered, {"id": row["id"],
                                               "status_code": outcome.status_code}).fetchone()
    new = conn.execute(Q.mark_failed, {
        "id": row["id"], "status_code": outcome.status_code, "error": outcome.error,
        "delay_s": backoff_s(int(row["attempts"]), base_delay_s)}).fetchone()
    if new is None:
        return None
    if new["event_type"] != "delivery.failed":  # two failing receivers never feed each other
        conn.execute(Q.insert_delivery_failed_event, {"data": Jsonb(public(new))})
    if new["status"] == "dead":
        audit.record(conn, new["tenant_id"], None, "integrations.delivery_dead", None,
                     target_type="delivery", target_id=new["id"],
                     details={"integration_id": new["integration_id"],
                              "attempts": new["attempts"], "last_error": new["last_error"],
                              "last_status_code": new["last_status_code"]})
    return new


def _ts(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def public(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a delivery (never the payload: it may carry what was sent)."""
    pending = row["status"] in ("pending", "failed")
    return {
        "id": row["id"], "integration_id": row["integration_id"], "channel": row["channel"],
        "event_type": row["event_type"], "source": row["source"],
        "message_id": row["message_id"], "summary": row["summary"], "status": row["status"],
        "attempts": row["attempts"], "max_attempts": row["max_attempts"],
        "next_attempt_at": _ts(row["next_attempt_at"]) if pending else None,
        "last_status_code": row["last_status_code"], "last_error": row["last_error"],
        "created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"]),
        "delivered_at": _ts(row["delivered_at"]),
    }


def list_deliveries(conn: Conn, integration_id: int, *, status: str | None, limit: int,
                    before_id: int | None) -> dict[str, Any]:
    """A page of an integration's deliveries, newest first (`before_id`: from a cursor)."""
    rows = conn.execute(Q.list_deliveries, {
        "integration_id": integration_id, "status": status, "before_id": before_id,
        "limit": limit + 1}).fetchall()
    return page([public(r) for r in rows], limit)


def replay(db: Database, p: Principal, delivery_id: int,
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """Make a failed or dead delivery due now (409 for any other status); audited."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.lock_delivery, {"id": delivery_id}).fetchone()
        if row is None:
            raise NotFound("No such delivery.", code="delivery_not_found")
        new = conn.execute(Q.replay_delivery, {"id": delivery_id,
                                               "budget": REPLAY_BUDGET}).fetchone()
        if new is None:
            raise Conflict(f"Only failed or dead deliveries can be replayed; this one is "
                           f"{row['status']}.", code="not_replayable",
                           details={"status": row["status"]})
        audit.record(conn, p.tenant_id, p.user_id, "integrations.delivery_replay", meta,
                     target_type="delivery", target_id=delivery_id,
                     before={"status": row["status"], "attempts": row["attempts"]})
    return public(new)
