"""Provider health every 5 minutes: the Dagster job around `webapp.llm.health_checks`.

Passive when traffic flows (the ledger's rolling window), one real probe when a provider has
been idle for PROBE_INTERVAL_S; the logic, and why it is cheap, is in webapp/llm/health_checks.py.
The run's metadata counts each kind of check and lists the status changes.
"""

# No `from __future__ import annotations`: Dagster reads the ops' `context` annotation at
# definition time and rejects it as a string.
import time
from collections.abc import Sequence
from typing import Any

import dagster as dg

from pipelines.resources import PostgresResource
from webapp.llm.health_checks import (
    PROBE_INTERVAL_S,
    TRAFFIC_WINDOW_S,
    HealthPlan,
    ProviderCheck,
    check_all,
)
from webapp.llm.routing import LLMContext

CRON = "*/5 * * * *"


class HealthConfig(dg.Config):
    """Traffic window (passive) and the probe interval of idle providers (active)."""

    traffic_window_s: int = TRAFFIC_WINDOW_S
    probe_interval_s: int = PROBE_INTERVAL_S


def summary(results: Sequence[ProviderCheck]) -> dict[str, Any]:
    """Run metadata: providers per kind of check, probe failures, status changes."""
    changes = [f"tenant {r['tenant_id']} / {r['name']}: {r['before']} -> {r['after']}"
               for r in results if r["before"] != r["after"]]
    return {
        "tenants": len({r["tenant_id"] for r in results}), "providers": len(results),
        "checked_passively": sum(r["check"] == "passive" for r in results),
        "checked_actively": sum(r["check"] == "active" for r in results),
        "skipped_fresh": sum(r["check"] == "fresh" for r in results),
        "skipped_local": sum(r["check"] == "local" for r in results),
        "probe_failures": sum(r["check"] == "active" and not r.get("probe_ok")
                              for r in results),
        "status_changes": len(changes),
        "changes": dg.MetadataValue.json(changes[:100]),
    }


@dg.op(description="Passive health from recent ledger rows; a cheap probe of idle providers.")
def check_provider_health(context: dg.OpExecutionContext, config: HealthConfig,
                          pg: PostgresResource) -> list[dict[str, Any]]:
    """Check every tenant's active providers; results per provider (metadata: the counts)."""
    started = time.monotonic()
    with pg.database(name="mf-dagster-health") as db:
        results = check_all(db, LLMContext(db, pg.secret_box()), HealthPlan(
            config.traffic_window_s, config.probe_interval_s))
    meta = summary(results)
    meta["seconds"] = round(time.monotonic() - started, 3)
    context.add_output_metadata(meta)
    # As plain dicts: Dagster checks an op's output with isinstance, which a TypedDict refuses.
    return [dict(r) for r in results]


@dg.job(description="Update provider health: passive with traffic, a probe when idle for long.")
def provider_health_job() -> None:
    """check_provider_health."""
    check_provider_health()


provider_health_schedule = dg.ScheduleDefinition(
    name="provider_health_schedule", job=provider_health_job, cron_schedule=CRON,
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every 5 minutes: provider health, without paying for idle tenants' checks.")
