"""The usage ledger: one `llm_usage_logs` row per attempt, written with its side effects.

A provider attempt is settled in one transaction: the ledger row, the release of its limit
reservation into the day/month counters, and the breaker's new state, so the ledger, the limits
and the health of a provider can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.llm import breaker, limits
from webapp.llm.client import CallResult
from webapp.llm.errors import MAX_ERROR_CHARS

Q = load(__file__)


@dataclass(frozen=True)
class CallSpec:
    """What an attempt is for: the ledger's feature, prompt version and message references."""

    feature: str
    prompt_version: str | None
    conversation_id: int | None = None
    message_id: int | None = None
    message_count: int = 0
    is_check: bool = False


def insert(conn: Conn, provider_id: int | None, result: CallResult, spec: CallSpec) -> int:
    """Append one ledger row in the caller's transaction; returns its id."""
    row = conn.execute(Q.insert_usage_log, {
        "provider_id": provider_id, "provider_kind": result.kind, "model": result.model,
        "feature": spec.feature, "conversation_id": spec.conversation_id,
        "message_id": spec.message_id, "message_count": spec.message_count,
        "prompt_version": spec.prompt_version, "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens, "cost_usd": result.cost_usd,
        "unpriced": result.cost_usd is None, "latency_ms": round(result.latency_ms, 1),
        "status": result.status, "error_class": result.error_class,
        "error_message": (result.error_message or "")[:MAX_ERROR_CHARS] or None,
        "valid_output": result.ok,
    }).fetchone()
    assert row is not None
    return int(row["id"])


def settle(db: Database, tenant_id: int, provider_id: int | None, result: CallResult,
           spec: CallSpec, reservation: limits.Reservation | None = None) -> int:
    """Write an attempt's ledger row, counters and breaker state in one transaction."""
    with db.tenant(tenant_id, events=True) as conn:
        usage_id = insert(conn, provider_id, result, spec)
        if provider_id is not None:
            # The health row first: reserve() locks it before the counters, so must we.
            breaker.record(conn, provider_id, breaker.Outcome(
                ok=result.ok, status=result.status, error_class=result.error_class,
                retry_after_s=result.retry_after_s, is_check=spec.is_check))
            limits.settle(conn, provider_id, reservation, result.cost_usd)
    return usage_id
