"""Provider health every 5 minutes: passive from the ledger when traffic flows, one real probe of
an idle provider only when its last sighting is older than the probe interval, never a paid
probe for `local`, and run metadata that counts each kind and lists the status changes."""

from __future__ import annotations

from typing import Any

import dagster as dg

from pipelines import health
from pipelines.resources import PostgresResource
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import (
    add_provider,
    as_owner,
    box,
    ledger,
    mixed_texts,
    owner_principal,
    seed_messages,
)
from webapp.analysis import importance
from webapp.db import Database
from webapp.llm import features
from webapp.llm.models import ProviderCreate
from webapp.llm.providers import create_provider
from webapp.llm.routing import LLMContext


def _run(instance: dg.DagsterInstance, pg: PostgresResource,
         tenant_id: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    result = health.provider_health_job.execute_in_process(resources={"pg": pg},
                                                           instance=instance)
    assert result.success
    rows = result.output_for_node("check_provider_health")
    meta = [e.event_specific_data.metadata for e in result.all_events  # type: ignore[union-attr]
            if e.event_type_value == "STEP_OUTPUT"][0]
    return ({r["name"]: r for r in rows if r["tenant_id"] == tenant_id},
            {k: v.value for k, v in meta.items()})


def _health(db: Database, tenant_id: int) -> dict[int, dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return {r["provider_id"]: r for r in conn.execute("select * from llm_health").fetchall()}


def test_passive_with_traffic_a_probe_only_when_idle_for_long_and_never_for_local(
    platform_db: Database, database_url: str, pg: PostgresResource, fake: FakeLLMServer,
    instance: dg.DagsterInstance
) -> None:
    p = owner_principal(platform_db, "Health")
    ctx = LLMContext(platform_db, box())
    busy = add_provider(ctx, p, fake, "Busy")
    failing = add_provider(ctx, p, fake, "Failing")
    idle = add_provider(ctx, p, fake, "Idle")
    fresh = add_provider(ctx, p, fake, "Fresh")
    local = create_provider(platform_db, ctx.box, p, ProviderCreate.model_validate(
        {"name": "Local", "kind": "local", "model": "messageflow-heuristic-v1"}))
    features.assign(platform_db, p, "importance_detection", busy["id"], 1)
    ids = seed_messages(platform_db, p.tenant_id, mixed_texts(3))
    importance.analyze_messages(ctx, p.tenant_id, ids)  # real traffic on Busy
    for _ in range(5):  # Failing's traffic: five errors in the window
        as_owner(database_url, "insert into llm_usage_logs (tenant_id, provider_id, "
                 "provider_kind, model, feature, status, error_class, unpriced) values "
                 "(%s, %s, 'openai_compatible', 'm', 'importance_detection', 'error', "
                 "'APIError', true)", (p.tenant_id, failing["id"]))
    as_owner(database_url, "update llm_health set status = 'healthy', "
             "last_check_at = now() - interval '10 minutes' where provider_id = %s",
             (fresh["id"],))
    fake.clear()

    rows, meta = _run(instance, pg, p.tenant_id)

    assert {n: r["check"] for n, r in rows.items()} == {
        "Busy": "passive", "Failing": "passive", "Idle": "active", "Fresh": "fresh",
        "Local": "local"}
    assert (meta["checked_passively"], meta["checked_actively"], meta["skipped_fresh"],
            meta["skipped_local"], meta["probe_failures"]) == (2, 1, 1, 1, 0)
    assert len(fake.requests) == 1  # the idle provider's probe, nothing else was sent
    checks = [r for r in ledger(platform_db, p.tenant_id) if r["feature"] == "health_check"]
    assert [(c["provider_id"], c["status"]) for c in checks] == [(idle["id"], "ok")]
    state = _health(platform_db, p.tenant_id)
    assert state[failing["id"]]["status"] == "unhealthy"
    assert state[busy["id"]]["status"] == "healthy"
    assert state[idle["id"]]["status"] == "healthy"
    assert state[idle["id"]]["last_check_at"] is not None
    assert (state[local["id"]]["status"], state[local["id"]]["last_check_at"]) == ("unknown", None)
    assert rows["Failing"]["before"] == "unknown" and rows["Failing"]["after"] == "unhealthy"
    assert rows["Idle"]["before"] == "unknown" and rows["Idle"]["after"] == "healthy"
    changes = meta["changes"]
    assert meta["status_changes"] == len(changes) >= 2
    assert any("Failing: unknown -> unhealthy" in c for c in changes)

    # Five minutes later: the idle provider was just checked, so no one pays again.
    rows, meta = _run(instance, pg, p.tenant_id)
    assert rows["Idle"]["check"] == "fresh" and len(fake.requests) == 1
    assert [r["check"] for r in rows.values()].count("active") == 0

    # An hour after its check (and with no traffic since), it is probed once more.
    as_owner(database_url, "update llm_health set last_check_at = now() - interval '2 hours' "
             "where provider_id = %s", (idle["id"],))
    as_owner(database_url, "update llm_usage_logs set created_at = now() - interval '2 hours' "
             "where provider_id = %s", (idle["id"],))
    rows, _ = _run(instance, pg, p.tenant_id)
    assert rows["Idle"]["check"] == "active" and rows["Idle"]["probe_ok"]
    assert len(fake.requests) == 2


def test_a_failing_probe_is_recorded_and_counted(
    platform_db: Database, pg: PostgresResource, fake: FakeLLMServer,
    instance: dg.DagsterInstance
) -> None:
    from tests.fakes.llm_server import FaultPlan

    p = owner_principal(platform_db, "Health down")
    ctx = LLMContext(platform_db, box())
    down = add_provider(ctx, p, fake, "Down")
    fake.faults = FaultPlan(["http_500"], repeat=True)
    rows, meta = _run(instance, pg, p.tenant_id)
    assert rows["Down"]["check"] == "active" and not rows["Down"]["probe_ok"]
    assert meta["probe_failures"] >= 1
    state = _health(platform_db, p.tenant_id)[down["id"]]
    assert state["consecutive_failures"] == 1 and state["last_failure_at"] is not None
    checks = [r for r in ledger(platform_db, p.tenant_id) if r["feature"] == "health_check"]
    assert [c["status"] for c in checks] == ["error"]
