"""Provider health checks, cheaply: passive when traffic flows, a real probe when idle.

The Dagster `provider_health_job` (every 5 minutes, `pipelines/health.py`) calls `check_all`,
which visits the tenants with active providers (`mf_tenants_with_active_providers`,
migration 0008) and, for each active provider:

- **passive**: it had calls (health checks aside) in the last TRAFFIC_WINDOW_S seconds. Its status
  is recomputed from the ledger's rolling window (the last `breaker.WINDOW` attempts: error rate
  and p95 latency, `breaker.rolling_status`) and stored in `llm_health.status`; nothing is sent.
- **active**: it is idle and was last seen (a call or a check) more than PROBE_INTERVAL_S ago, or
  never. One real call of the tiny health-check prompt (`webapp.llm.health.test_provider`): it
  goes through the limits and lands in the ledger as the `health_check` feature, and the breaker
  records it (`last_check_at`, circuit, status). `local` providers are never probed (nothing to
  pay, nothing that can be down), and an unreadable key is reported, not probed.
- **fresh**: idle but seen recently; nothing to do.

So a tenant with traffic pays nothing for health, and an idle tenant pays one tiny call per
provider per PROBE_INTERVAL_S, not every 5 minutes. The run's metadata counts each kind and
lists the status changes.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from webapp.db import Database
from webapp.db.queries import load
from webapp.llm import breaker
from webapp.llm import health as llm_health
from webapp.llm.providers import SecretUnreadable
from webapp.llm.routing import LLMContext

Q = load(__file__)

TRAFFIC_WINDOW_S = 600
PROBE_INTERVAL_S = 3600
PROBE_WORKERS = 4


@dataclass(frozen=True)
class HealthPlan:
    """Traffic window (passive checks) and the probe interval of idle providers (active)."""

    traffic_window_s: int = TRAFFIC_WINDOW_S
    probe_interval_s: int = PROBE_INTERVAL_S


def plan(row: dict[str, Any], probe_interval_s: int) -> str:
    """passive | active | fresh | local for one provider row of `health_providers`."""
    if int(row["recent_calls"]) > 0:
        return "passive"
    if row["kind"] == "local":
        return "local"
    seen = row["last_seen_at"]
    if seen is None or seen < row["now"] - dt.timedelta(seconds=probe_interval_s):
        return "active"
    return "fresh"


def passive_update(db: Database, tenant_id: int, provider_id: int) -> str:
    """Recompute a provider's rolling status from its recent ledger rows; the new status."""
    with db.tenant(tenant_id, events=True) as conn:
        w = conn.execute(Q.health_rolling_window,
                         {"provider_id": provider_id, "window": breaker.WINDOW}).fetchone()
        assert w is not None
        p95 = float(w["p95_ms"]) if w["p95_ms"] is not None else None
        status = breaker.rolling_status(int(w["attempts"]), int(w["failures"]), p95)
        conn.execute(Q.health_set_status, {"provider_id": provider_id, "status": status})
    return status


def probe(ctx: LLMContext, tenant_id: int, provider_id: int) -> tuple[str, dict[str, Any]]:
    """A real health-check call; the stored status after it and the call's result."""
    try:
        result = llm_health.test_provider(ctx, tenant_id, provider_id)
    except SecretUnreadable:
        return "secret_unreadable", {"ok": False, "status": "skipped",
                                     "reason": "secret_unreadable"}
    with ctx.db.tenant(tenant_id) as conn:
        row = conn.execute(Q.health_status_of, {"provider_id": provider_id}).fetchone()
    return (row["status"] if row else "unknown"), result


def check_tenant(ctx: LLMContext, tenant_id: int, plan_: HealthPlan,
                 pool: ThreadPoolExecutor) -> list[dict[str, Any]]:
    """Check one tenant's active providers; one result row per provider."""
    with ctx.db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.health_providers,
                            {"window_s": plan_.traffic_window_s}).fetchall()
    out: list[dict[str, Any]] = []
    probes = []
    for row in rows:
        kind = plan(row, plan_.probe_interval_s)
        entry = {"tenant_id": tenant_id, "provider_id": row["id"], "name": row["name"],
                 "check": kind, "before": row["health_status"] or "unknown"}
        if kind == "passive":
            entry["after"] = passive_update(ctx.db, tenant_id, row["id"])
        elif kind == "active":
            probes.append((entry, pool.submit(probe, ctx, tenant_id, row["id"])))
        else:
            entry["after"] = entry["before"]
        out.append(entry)
    for entry, future in probes:
        after, result = future.result()
        entry["after"], entry["probe_ok"] = after, bool(result.get("ok"))
        entry["probe_status"] = result.get("status")
    return out


def check_all(db: Database, ctx: LLMContext, plan_: HealthPlan) -> list[dict[str, Any]]:
    """Check every tenant with active providers."""
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in conn.execute(Q.health_tenants).fetchall()]
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
        for tenant_id in tenants:
            results += check_tenant(ctx, tenant_id, plan_, pool)
    return results
