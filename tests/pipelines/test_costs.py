"""Cost rollups and budget alerts: llm_cost_daily rebuilt per tenant-local day from the ledger
(same numbers as the Parquet rollup), idempotent re-runs, and budget alerts raised once per
threshold per month with exactly one provider.budget event each."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import dagster as dg
import polars as pl
import pytest

from analytics.export import rollup_cost_daily
from analytics.live import read_usage_from_pg
from pipelines.costs import llm_budget_alerts, llm_cost_daily
from pipelines.resources import PostgresResource
from tests import factories as make
from tests.webapp.llm.test_support import add_usage as ledger_row
from webapp.db import Database
from webapp.llm.costs import check_budgets
from webapp.realtime.service import events_since
from webapp.tenants.service import create_tenant

DAY = dt.date(2026, 11, 20)
UTC = dt.UTC
Ledger = Callable[..., None]


@dataclass(frozen=True)
class World:
    """A (UTC) with a budgeted provider, B in Tokyo (UTC+9)."""

    a: int
    b: int
    provider_a: int
    provider_b: int


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def add_usage(database_url: str) -> Ledger:
    """Append a ledger row as the owner (a chosen time, cost and status)."""
    return functools.partial(ledger_row, database_url)


@pytest.fixture(scope="module")
def world(platform_db: Database, add_usage: Ledger) -> World:
    a = create_tenant(platform_db, "Costs UTC")
    b = create_tenant(platform_db, "Costs Tokyo", "Asia/Tokyo")
    pa = make.provider(platform_db, a, "Budgeted", budget=Decimal("10"))
    pb = make.provider(platform_db, b, "Tokyo", budget=None)
    for hour, latency in ((9, 100), (10, 200), (11, 300)):
        add_usage(a, pa, _at(20, hour), latency=latency)
    add_usage(a, pa, _at(20, 12), cost=None, status="error", latency=5000)
    add_usage(a, pa, _at(20, 13), cost=Decimal("0.5"), status="invalid_output")
    add_usage(a, None, _at(20, 14), cost=Decimal("0"), feature="daily_summary")
    add_usage(a, pa, _at(21, 0, 30))  # the next day in UTC
    # Tokyo: 11-19 16:00 UTC is 01:00 on the 20th; 11-20 20:00 UTC is already the 21st.
    add_usage(b, pb, _at(19, 16), cost=Decimal("2"))
    add_usage(b, pb, _at(20, 20), cost=Decimal("4"))
    return World(a, b, pa, pb)


def _run(pg: PostgresResource, asset: Any = llm_cost_daily, day: dt.date | None = DAY,
         tenants: list[int] | None = None) -> dict[str, Any]:
    name = asset.key.path[-1]
    run_config = {"ops": {name: {"config": {"tenant_ids": tenants}}}} if tenants else None
    result = dg.materialize([asset], partition_key=day.isoformat() if day else None,
                            resources={"pg": pg}, run_config=run_config)
    assert result.success
    mat = result.asset_materializations_for_node(name)[0]
    return {k: v.value for k, v in mat.metadata.items()}


def _select(db: Database, tenant_id: int, sql: str, *args: Any) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return conn.execute(sql, args).fetchall()


def _rollup(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    return _select(db, tenant_id, "select * from llm_cost_daily where day = %s "
                                  "order by provider_id nulls first, feature", DAY)


def test_rollup_by_local_day(world: World, platform_db: Database, pg: PostgresResource) -> None:
    meta = _run(pg, tenants=[world.a, world.b])
    assert (meta["rows"], meta["tenants"], meta["tenants_pending"]) == (3, 2, 0)
    local, priced = _rollup(platform_db, world.a)
    assert (local["provider_id"], local["feature"], local["calls"], local["cost_usd"]) == (
        None, "daily_summary", 1, Decimal("0"))
    assert (priced["calls"], priced["failures"], priced["invalid_outputs"],
            priced["unpriced_calls"], priced["cost_usd"]) == (5, 2, 1, 1, Decimal("3.5"))
    assert (priced["input_tokens"], priced["output_tokens"]) == (500, 100)
    # Percentiles over the successful calls only (100, 200, 300 ms).
    assert (priced["latency_p50_ms"], priced["latency_p95_ms"]) == (200.0, 290.0)
    [tokyo] = _rollup(platform_db, world.b)
    assert (tokyo["calls"], tokyo["cost_usd"]) == (1, Decimal("2"))


def test_rollup_matches_the_parquet_rollup(world: World, platform_db: Database,
                                           pg: PostgresResource) -> None:
    _run(pg, tenants=[world.a, world.b])
    for tenant_id, tz in ((world.a, "UTC"), (world.b, "Asia/Tokyo")):
        with platform_db.tenant(tenant_id) as conn:
            expected = rollup_cost_daily(read_usage_from_pg(conn, tenant_id, DAY, tz))
        got = pl.DataFrame([{**r, "cost_usd": None if r["cost_usd"] is None
                             else float(r["cost_usd"])} for r in _rollup(platform_db, tenant_id)])
        cols = ["calls", "failures", "invalid_outputs", "input_tokens", "output_tokens",
                "cost_usd", "unpriced_calls", "latency_p50_ms", "latency_p95_ms"]
        key = ["provider_kind", "model", "feature"]
        assert (got.sort(key).select(key + cols).rows()
                == expected.sort(key).select(key + cols).rows())


def test_rerun_replaces_the_day(world: World, platform_db: Database,
                                pg: PostgresResource) -> None:
    _run(pg, tenants=[world.a])
    first = _rollup(platform_db, world.a)
    meta = _run(pg, tenants=[world.a])
    second = _rollup(platform_db, world.a)
    assert meta["rows"] == len(first) == len(second) == 2
    assert {r["id"] for r in first}.isdisjoint(r["id"] for r in second)
    strip = [{k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in second]
    assert strip == [{k: v for k, v in r.items() if k not in ("id", "computed_at")}
                     for r in first]


def _alerts(db: Database, tenant_id: int) -> list[tuple[int, int, str]]:
    rows = _select(db, tenant_id, "select threshold, provider_id, spend_usd::text as spend "
                                  "from llm_budget_alerts order by id")
    return [(r["threshold"], r["provider_id"], r["spend"]) for r in rows]


def _budget_frames(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    return [f for f in events_since(db, tenant_id, 0, 1000) if f["type"] == "provider.budget"]


def test_budget_alerts_once_per_threshold_per_month(
        platform_db: Database, pg: PostgresResource, add_usage: Ledger) -> None:
    tenant = create_tenant(platform_db, "Budget alerts")
    provider = make.provider(platform_db, tenant, "Capped", budget=Decimal("10"))
    add_usage(tenant, provider, _at(20, 9), cost=Decimal("3"))
    meta = _run(pg, tenants=[tenant])
    assert meta["alerts_raised"] == 0 and _alerts(platform_db, tenant) == []
    add_usage(tenant, provider, _at(3, 9), cost=Decimal("5"))  # earlier that month: 80%
    meta = _run(pg, tenants=[tenant])
    assert meta["alerts_raised"] == 1
    assert _alerts(platform_db, tenant) == [(80, provider, "8.00000000")]
    assert _run(pg, tenants=[tenant])["alerts_raised"] == 0  # re-run: no second alert
    add_usage(tenant, provider, _at(25, 9), cost=Decimal("2.5"))  # 105%
    assert _run(pg, tenants=[tenant])["alerts_raised"] == 1
    assert _run(pg, day=dt.date(2026, 11, 25), tenants=[tenant])["alerts_raised"] == 0
    assert [a[0] for a in _alerts(platform_db, tenant)] == [80, 100]
    frames = _budget_frames(platform_db, tenant)
    assert [f["data"]["threshold"] for f in frames] == [80, 100]
    assert frames[0]["data"] | {"id": 0, "created_at": ""} == {
        "id": 0, "provider_id": provider, "provider_name": "Capped", "month": "2026-11",
        "threshold": 80, "spend_usd": "8.000000", "budget_usd": "10.000000", "created_at": ""}
    # December starts over; other tenants never see these events.
    add_usage(tenant, provider, dt.datetime(2026, 12, 2, 9, tzinfo=UTC), cost=Decimal("9"))
    assert [a.threshold for a in check_budgets(platform_db, tenant, dt.date(2026, 12, 1))] == [80]
    assert check_budgets(platform_db, tenant, dt.date(2026, 12, 1)) == []
    assert len(_budget_frames(platform_db, tenant)) == 3
    other = create_tenant(platform_db, "Bystander")
    assert _budget_frames(platform_db, other) == []


def test_hourly_check_covers_the_current_month(platform_db: Database, pg: PostgresResource,
                                               add_usage: Ledger) -> None:
    tenant = create_tenant(platform_db, "Budget now")
    provider = make.provider(platform_db, tenant, "Tiny", budget=Decimal("1"))
    add_usage(tenant, provider, dt.datetime.now(UTC) - dt.timedelta(minutes=1),
              cost=Decimal("1.2"))
    meta = _run(pg, llm_budget_alerts, day=None)
    assert meta["month"] == dt.datetime.now(UTC).date().replace(day=1).isoformat()
    assert [a["threshold"] for a in meta["alerts"] if a["tenant_id"] == tenant] == [80, 100]
    assert meta["alerts_raised"] == len(meta["alerts"]) >= 2
    assert [a[0] for a in _alerts(platform_db, tenant)] == [80, 100]
    assert _run(pg, llm_budget_alerts, day=None)["alerts_raised"] == 0
    assert len(_budget_frames(platform_db, tenant)) == 2

