"""The daily Parquet export: tenant_id=/date=/ partitions per tenant-local day, idempotent
re-runs that replace the files, idle tenants skipped, stale partitions replaced, metadata."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest

from analytics.queries import cost_breakdown
from analytics.views import connect, partition_sources
from pipelines.exports import analytics_parquet_export, analytics_root
from pipelines.resources import PostgresResource
from tests.webapp.llm.test_support import as_owner, seed_messages
from webapp.db import Database
from webapp.tenants.service import create_tenant

DAY = "2026-11-20"
UTC = dt.UTC
DATASETS = ("llm_usage", "llm_cost_daily", "message_stats")


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def tenants(platform_db: Database, database_url: str) -> dict[str, int]:
    """UTC tenant with traffic and LLM calls; São Paulo tenant; an idle tenant."""
    a = create_tenant(platform_db, "Export UTC")
    b = create_tenant(platform_db, "Export SP", "America/Sao_Paulo")
    idle = create_tenant(platform_db, "Export idle")
    seed_messages(platform_db, a, ["hi", "need the invoice"], start=_at(20, 10))
    seed_messages(platform_db, a, ["tomorrow"], start=_at(21, 0, 5),
                  chat="5511900000009@s.whatsapp.net")
    seed_messages(platform_db, b, ["boa noite"], start=_at(21, 1))  # 22:00 on the 20th in SP
    for at in (_at(20, 10, 1), _at(20, 11)):
        as_owner(database_url,
                 "insert into llm_usage_logs (tenant_id, provider_kind, model, feature, "
                 "cost_usd, unpriced, latency_ms, status, valid_output, created_at) values "
                 "(%s, 'local', 'heuristic', 'summarization', %s, false, 3, 'ok', true, %s)",
                 (a, Decimal("0"), at))
    return {"a": a, "b": b, "idle": idle}


def _run(pg: PostgresResource, root: Path, ids: list[int]) -> dict[str, Any]:
    config = {"analytics_dir": str(root), "tenant_ids": ids}
    result = dg.materialize([analytics_parquet_export], partition_key=DAY, resources={"pg": pg},
                            run_config={"ops": {"analytics_parquet_export": {"config": config}}})
    assert result.success
    mat = result.asset_materializations_for_node("analytics_parquet_export")[0]
    return {k: v.value for k, v in mat.metadata.items()}


def _part(root: Path, dataset: str, tenant_id: int) -> Path:
    return root / dataset / f"tenant_id={tenant_id}" / f"date={DAY}"


def test_partitions_per_tenant_local_day(tenants: dict[str, int], pg: PostgresResource,
                                         tmp_path: Path) -> None:
    ids = list(tenants.values())
    meta = _run(pg, tmp_path, ids)
    assert (meta["tenants"], meta["tenants_idle"], meta["files"]) == (2, 1, 6)
    assert meta["monthly_files"] == 2
    assert (meta["rows_llm_usage"], meta["rows_llm_cost_daily"]) == (2, 1)
    assert meta["rows_message_stats"] == 2  # A: one hour of traffic; B: one hour
    assert meta["rows"] == 5
    for dataset in DATASETS:
        for key in ("a", "b"):
            folder = _part(tmp_path, dataset, tenants[key])
            assert [p.name for p in folder.iterdir()] == ["part-0.parquet"]
        assert not (tmp_path / dataset / f"tenant_id={tenants['idle']}").exists()
    stats_b = pl.read_parquet(_part(tmp_path, "message_stats", tenants["b"]) / "part-0.parquet")
    assert stats_b.select("hour", "inbound").rows() == [(22, 1)]
    stats_a = pl.read_parquet(_part(tmp_path, "message_stats", tenants["a"]) / "part-0.parquet")
    assert stats_a.select("hour", "inbound").rows() == [(10, 2)]


def test_rerun_replaces_the_files(tenants: dict[str, int], pg: PostgresResource,
                                  tmp_path: Path) -> None:
    ids = list(tenants.values())
    first = _run(pg, tmp_path, ids)
    target = _part(tmp_path, "llm_usage", tenants["a"]) / "part-0.parquet"
    inode = target.stat().st_ino
    second = _run(pg, tmp_path, ids)
    assert first == second
    assert target.stat().st_ino != inode  # a new file renamed into place
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()
                   and p.parts[len(tmp_path.parts)] != "_exports")  # (the manifests)
    assert len(files) == 6 + 2 and all(f.name == "part-0.parquet" for f in files)
    assert pl.read_parquet(target).height == 2


def test_stale_partition_of_an_idle_day_is_replaced(tenants: dict[str, int],
                                                    pg: PostgresResource,
                                                    tmp_path: Path) -> None:
    _run(pg, tmp_path, [tenants["a"]])
    stale = _part(tmp_path, "llm_usage", tenants["idle"])
    stale.mkdir(parents=True)
    shutil.copy(_part(tmp_path, "llm_usage", tenants["a"]) / "part-0.parquet",
                stale / "old.parquet")
    meta = _run(pg, tmp_path, [tenants["idle"]])
    assert (meta["tenants"], meta["files"], meta["rows"]) == (1, 3, 0)
    assert meta["monthly_files"] == 1  # the month now holds one (empty) day
    assert [p.name for p in stale.iterdir()] == ["part-0.parquet"]
    assert pl.read_parquet(stale / "part-0.parquet").height == 0


def test_the_month_is_compacted_after_each_export(tenants: dict[str, int], pg: PostgresResource,
                                                  con: duckdb.DuckDBPyConnection,
                                                  tmp_path: Path) -> None:
    a = tenants["a"]
    meta = _run(pg, tmp_path, [a])
    assert meta["monthly_files"] == 1
    monthly = tmp_path / "llm_cost_daily_by_month" / f"tenant_id={a}" / "month=2026-11"
    assert [p.name for p in monthly.iterdir()] == ["part-0.parquet"]
    daily = pl.read_parquet(_part(tmp_path, "llm_cost_daily", a) / "part-0.parquet")
    stored = pl.read_parquet(monthly / "part-0.parquet")
    assert stored.drop("date").equals(daily) and set(stored["date"]) == {dt.date(2026, 11, 20)}
    # The readers take the month from it, with the daily path's answer.
    first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    assert partition_sources(tmp_path, "llm_cost_daily", a, first, last) == (
        [], [str(monthly / "part-0.parquet")])
    breakdown = cost_breakdown(con, tmp_path, a, first, last)
    assert breakdown["calls"].to_list() == [2]
    # Another day of the month (here an idle one with an old partition) is exported: the
    # month is rebuilt with it, so the compacted file is current again.
    other = _part(tmp_path, "llm_cost_daily", a).with_name("date=2026-11-19")
    shutil.copytree(_part(tmp_path, "llm_cost_daily", a), other)
    assert partition_sources(tmp_path, "llm_cost_daily", a, first, last)[1] == []
    assert cost_breakdown(con, tmp_path, a, first, last)["calls"].sum() == 4
    before = (monthly / "part-0.parquet").stat().st_ino
    # (That copy claims rows the 19th never had: the run's catch-up finds the day changed
    # since its "export" (files, no manifest, no rows) and replaces it with an empty one.)
    meta = _run(pg, tmp_path, [a])
    assert meta["reexported"] == {str(a): ["2026-11-19"]}
    assert pl.read_parquet(other / "part-0.parquet").height == 0
    assert (monthly / "part-0.parquet").stat().st_ino != before
    assert set(pl.read_parquet(monthly / "part-0.parquet")["date"]) == {dt.date(2026, 11, 20)}
    assert partition_sources(tmp_path, "llm_cost_daily", a, first, last)[1] == [
        str(monthly / "part-0.parquet")]
    assert cost_breakdown(con, tmp_path, a, first, last)["calls"].sum() == 2


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect()
    yield connection
    connection.close()


def test_analytics_dir_defaults_like_the_readers(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.delenv("ANALYTICS_DIR", raising=False)
    monkeypatch.setenv("MESSAGEFLOW_HOME", str(tmp_path / "home"))
    assert analytics_root() == tmp_path / "home" / "analytics"
    monkeypatch.setenv("ANALYTICS_DIR", str(tmp_path / "x"))
    assert analytics_root() == tmp_path / "x"
    assert analytics_root(str(tmp_path / "y")) == tmp_path / "y"
