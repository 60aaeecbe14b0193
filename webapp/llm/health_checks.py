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
from typing import NotRequired, TypedDict

from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.llm import breaker
from webapp.llm import health as llm_health
from webapp.llm.providers import SecretUnreadable
from webapp.llm.routing import LLMContext
from webapp.llm.rows import ProviderState

Q = load(__file__)

TRAFFIC_WINDOW_S = 600
PROBE_INTERVAL_S = 3600
PROBE_WORKERS = 4


@dataclass(frozen=True, slots=True)
class CheckCandidate(ProviderState):
    """An active provider with its stored status, its calls (health checks aside) in the
    traffic window, and when it was last seen at all (a call or a check)."""

    health_status: str | None
    last_check_at: dt.datetime | None
    recent_calls: int
    last_seen_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RollingWindow:
    """A provider's last attempts: how many, how many failed, their p95 latency."""

    attempts: int
    failures: int
    p95_ms: float | None


class ProviderCheck(TypedDict):
    """What the check did to one provider (the Dagster run's output, one per provider)."""

    tenant_id: int
    provider_id: int
    name: str
    check: str  # passive | active | fresh | local
    before: str
    after: str
    probe_ok: NotRequired[bool]  # active checks only
    probe_status: NotRequired[str | None]


@dataclass(frozen=True)
class HealthPlan:
    """Traffic window (passive checks) and the probe interval of idle providers (active)."""

    traffic_window_s: int = TRAFFIC_WINDOW_S
    probe_interval_s: int = PROBE_INTERVAL_S


def plan(row: CheckCandidate, probe_interval_s: int) -> str:
    """passive | active | fresh | local for one provider row of `health_providers`."""
    if int(row.recent_calls) > 0:
        return "passive"
    if row.kind == "local":
        return "local"
    seen = row.last_seen_at
    if seen is None or seen < row.now - dt.timedelta(seconds=probe_interval_s):
        return "active"
    return "fresh"


def passive_update(db: Database, tenant_id: int, provider_id: int) -> str:
    """Recompute a provider's rolling status from its recent ledger rows; the new status."""
    with db.tenant(tenant_id, events=True) as conn:
        w = fetch_one(conn, RollingWindow, Q.health_rolling_window,
                      {"provider_id": provider_id, "window": breaker.WINDOW})
        assert w is not None
        p95 = float(w.p95_ms) if w.p95_ms is not None else None
        status = breaker.rolling_status(int(w.attempts), int(w.failures), p95)
        conn.execute(Q.health_set_status, {"provider_id": provider_id, "status": status})
    return status


def probe(ctx: LLMContext, tenant_id: int, provider_id: int) -> tuple[str, bool, str | None]:
    """A real health-check call; the stored status after it, whether the call succeeded and
    its attempt's status."""
    try:
        result = llm_health.test_provider(ctx, tenant_id, provider_id)
    except SecretUnreadable:
        return "secret_unreadable", False, "skipped"
    with ctx.db.tenant(tenant_id) as conn:
        row = conn.execute(Q.health_status_of, {"provider_id": provider_id}).fetchone()
    return (str(row["status"]) if row else "unknown"), bool(result.get("ok")), result.get("status")


def check_tenant(ctx: LLMContext, tenant_id: int, plan_: HealthPlan,
                 pool: ThreadPoolExecutor) -> list[ProviderCheck]:
    """Check one tenant's active providers; one result row per provider."""
    with ctx.db.tenant(tenant_id) as conn:
        rows = fetch_all(conn, CheckCandidate, Q.health_providers,
                         {"window_s": plan_.traffic_window_s})
    out: list[ProviderCheck] = []
    probes = []
    for row in rows:
        kind = plan(row, plan_.probe_interval_s)
        before = row.health_status or "unknown"
        entry = ProviderCheck(tenant_id=tenant_id, provider_id=row.id, name=row.name,
                              check=kind, before=before, after=before)
        if kind == "passive":
            entry["after"] = passive_update(ctx.db, tenant_id, row.id)
        elif kind == "active":
            probes.append((entry, pool.submit(probe, ctx, tenant_id, row.id)))
        out.append(entry)
    for entry, future in probes:
        entry["after"], entry["probe_ok"], entry["probe_status"] = future.result()
    return out


def check_all(db: Database, ctx: LLMContext, plan_: HealthPlan) -> list[ProviderCheck]:
    """Check every tenant with active providers."""
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in conn.execute(Q.health_tenants).fetchall()]
    results: list[ProviderCheck] = []
    with ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
        for tenant_id in tenants:
            results += check_tenant(ctx, tenant_id, plan_, pool)
    return results
