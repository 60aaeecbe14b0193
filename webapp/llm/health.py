"""Provider health: the status view, and test calls (one provider, or all active at once).

A provider whose configuration makes every call be refused before it is made (a monthly budget
for a model whose price is unknown: create/PATCH refuse that, but a price table can change under
an existing provider) is `misconfigured`, with the reason and the fix in `problem`.

Test calls are real calls of the tiny health-check prompt; they go through the limits (they cost
money too) but not the cooldown (testing is how an operator probes a cooled-down provider), and
land in the ledger as the `health_check` feature.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from webapp.analysis.prompts import build_health_check_prompt
from webapp.analysis.schemas import HealthCheckReply
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound
from webapp.llm import breaker, limits
from webapp.llm.client import CallResult
from webapp.llm.ledger import CallSpec
from webapp.llm.money import money
from webapp.llm.providers import SecretUnreadable, decrypt_key, decrypt_token
from webapp.llm.routing import LOCAL_NAME, Attempt, LLMContext, try_provider
from webapp.llm.rows import ProviderHealth, ProviderState

Q = load(__file__)

BULK_WORKERS = 8


def _problem(row: ProviderHealth) -> str | None:
    """A configuration that makes every call be refused before it is made, in words."""
    if limits.budget_unpriced(row.kind, row.model, row.monthly_budget_usd,
                              row.price_input_per_mtok, row.price_output_per_mtok):
        return limits.unpriced_budget_message(row.model)
    return None


def _status(row: ProviderHealth, key_ok: bool, problem: str | None) -> str:
    if not row.active:
        return "inactive"
    if not key_ok:
        return "secret_unreadable"
    if problem is not None:
        return "misconfigured"
    gate = breaker.gate(row, row.now)
    if gate != "go":
        return "cooling_down"
    p95 = float(row.p95_ms) if row.p95_ms is not None else None
    return breaker.rolling_status(int(row.attempts), int(row.failures), p95)


def _key_readable(ctx: LLMContext, row: ProviderHealth) -> bool:
    try:
        decrypt_token(ctx.box, row.api_key_encrypted, tenant_id=row.tenant_id,
                      provider_id=row.provider_id, name=row.name)
    except SecretUnreadable:
        return False
    return True


def provider_health(ctx: LLMContext, tenant_id: int) -> dict[str, Any]:
    """Status per provider from its rolling error rate, p95 latency, cooldown and key."""
    with ctx.db.tenant(tenant_id) as conn:
        rows = fetch_all(conn, ProviderHealth, Q.health_window, {"window": breaker.WINDOW})
    data = []
    for r in rows:
        attempts = int(r.attempts)
        problem = _problem(r) if r.active else None
        data.append({
            "provider_id": r.provider_id, "name": r.name, "kind": r.kind,
            "model": r.model, "active": r.active,
            "status": _status(r, _key_readable(ctx, r), problem), "problem": problem,
            "circuit": r.circuit or "closed",
            "window_attempts": attempts,
            "error_rate": round(int(r.failures) / attempts, 4) if attempts else None,
            "p50_latency_ms": None if r.p50_ms is None else round(float(r.p50_ms), 1),
            "p95_latency_ms": None if r.p95_ms is None else round(float(r.p95_ms), 1),
            "consecutive_failures": r.consecutive_failures or 0,
            "cooldown_until": r.cooldown_until, "last_check_at": r.last_check_at,
            "last_success_at": r.last_success_at, "last_failure_at": r.last_failure_at,
            "last_error_class": r.last_error_class,
        })
    local = {"provider_id": None, "name": LOCAL_NAME, "kind": "local", "status": "healthy",
             "heuristic": True}
    return {"data": data, "local": local, "window": breaker.WINDOW}


def _result(row: ProviderState, attempt: Attempt, result: CallResult | None) -> dict[str, Any]:
    return {
        "provider_id": row.id, "name": row.name, "kind": row.kind,
        "model": row.model, "ok": bool(result is not None and result.ok),
        "status": attempt.status, "reason": attempt.reason,
        "error_message": attempt.error_message, "details": attempt.details,
        "latency_ms": round(attempt.latency_ms, 1),
        "input_tokens": result.input_tokens if result else 0,
        "output_tokens": result.output_tokens if result else 0,
        "cost_usd": money(result.cost_usd) if result else None,
        "usage_log_id": attempt.usage_log_id, "tested_at": dt.datetime.now(dt.UTC),
    }


def _test_row(ctx: LLMContext, tenant_id: int, row: ProviderState) -> dict[str, Any]:
    prompt = build_health_check_prompt()
    spec = CallSpec("health_check", prompt.version, is_check=True)
    attempt, result = try_provider(ctx, tenant_id, row, prompt, HealthCheckReply, spec,
                                   bypass_cooldown=True)
    return _result(row, attempt, result)


def test_provider(ctx: LLMContext, tenant_id: int, provider_id: int) -> dict[str, Any]:
    """A real call to one provider; its result and latency (SecretUnreadable raises 503)."""
    with ctx.db.tenant(tenant_id) as conn:
        row = fetch_one(conn, ProviderState, Q.select_provider_state, {"id": provider_id})
    if row is None:
        raise NotFound("No such provider.", code="provider_not_found")
    decrypt_key(ctx.box, row)  # a wrong MASTER_KEY is a clear error here, not a skipped call
    return _test_row(ctx, tenant_id, row)


def bulk_test(ctx: LLMContext, tenant_id: int) -> dict[str, Any]:
    """Test every active provider concurrently; the results land in the ledger and health."""
    with ctx.db.tenant(tenant_id) as conn:
        ids = [r["id"] for r in conn.execute(Q.list_active_providers).fetchall()]
        rows = [fetch_one(conn, ProviderState, Q.select_provider_state, {"id": i})
                for i in ids]
    live = [r for r in rows if r is not None]
    if not live:
        return {"data": []}
    with ThreadPoolExecutor(max_workers=min(BULK_WORKERS, len(live))) as pool:
        results = list(pool.map(lambda r: _test_row(ctx, tenant_id, r), live))
    return {"data": results}
