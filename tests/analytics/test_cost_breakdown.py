"""The cost breakdown reads the daily rollup: same numbers as the ledger rows, per tenant and
for all tenants (operator query); the file listing behind every query."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pytest import approx

from analytics import queries as q
from analytics.export import rollup_cost_daily, write_partition
from analytics.schema import LLM_COST_DAILY, LLM_USAGE
from analytics.views import all_partition_files, partition_files
from tests.analytics.data import GPT, MON, TUE, usage_frame

Con = duckdb.DuckDBPyConnection
KEYS = ["date", "provider_id", "feature", "model"]
MEASURES = ["calls", "failures", "input_tokens", "output_tokens", "unpriced_calls"]


def from_ledger(tenant: int) -> pl.DataFrame:
    """The breakdown computed straight from the fixture's ledger rows (no rollup, no DuckDB)."""
    rows = usage_frame(tenant).with_columns(pl.col("provider_id").fill_null(0))
    cost = pl.col("cost_usd")
    return rows.group_by(KEYS).agg(
        calls=pl.len(),
        failures=(pl.col("status") != "ok").sum(),
        input_tokens=pl.col("input_tokens").sum(),
        output_tokens=pl.col("output_tokens").sum(),
        cost_usd=pl.when(cost.count() > 0).then(cost.sum()),
        unpriced_calls=pl.col("unpriced").sum(),
    ).sort(KEYS)


@pytest.mark.parametrize("tenant", [1, 2])
def test_breakdown_equals_the_ledger_aggregation(con: Con, root: Path, tenant: int) -> None:
    frame = q.cost_breakdown(con, root, tenant, MON, TUE)
    expected = from_ledger(tenant)
    assert frame.columns == ["date", "provider_id", "provider_name", "feature", "model",
                             *MEASURES[:4], "cost_usd", "unpriced_calls"]
    assert frame.select(KEYS + MEASURES).rows() == expected.select(KEYS + MEASURES).rows()
    for got, want in zip(frame["cost_usd"], expected["cost_usd"], strict=True):
        assert got == approx(want) if want is not None else got is None


def test_provider_filter(con: Con, root: Path) -> None:
    frame = q.cost_breakdown(con, root, 1, MON, TUE, provider_ids=[GPT])
    assert set(frame["provider_id"]) == {GPT} and frame["calls"].sum() == 4
    assert q.cost_breakdown(con, root, 1, MON, TUE, provider_ids=[]).is_empty()


def test_all_tenants_is_each_tenants_breakdown(con: Con, root: Path) -> None:
    frame = q.cost_breakdown_all_tenants(con, root, MON, TUE)
    assert frame.columns == ["tenant_id", *q.cost_breakdown(con, root, 1, MON, TUE).columns]
    for tenant in (1, 2):
        mine = frame.filter(pl.col("tenant_id") == tenant).drop("tenant_id")
        assert mine.equals(q.cost_breakdown(con, root, tenant, MON, TUE))
    only_monday = q.cost_breakdown_all_tenants(con, root, MON, MON)
    assert set(only_monday["date"]) == {MON} and set(only_monday["tenant_id"]) == {1, 2}


def test_all_tenants_with_nothing_exported(con: Con, tmp_path: Path) -> None:
    frame = q.cost_breakdown_all_tenants(con, tmp_path, MON, TUE)
    assert frame.is_empty() and frame.schema == pl.Schema(q.ALL_TENANTS_BREAKDOWN)


def test_partition_files_pick_days_and_parquet_files_only(root: Path, tmp_path: Path) -> None:
    assert [Path(f).parent.name for f in partition_files(root, LLM_USAGE, 1, MON, TUE)] == [
        f"date={MON}", f"date={TUE}"]
    assert len(partition_files(root, LLM_USAGE, 1, TUE, TUE)) == 1
    assert partition_files(root, LLM_USAGE, 1, MON, TUE, skip=frozenset({MON})) == (
        partition_files(root, LLM_USAGE, 1, TUE, TUE))
    assert partition_files(root, LLM_USAGE, 1, TUE + dt.timedelta(days=1),
                           TUE + dt.timedelta(days=9)) == []
    assert partition_files(root, LLM_USAGE, 7, MON, TUE) == []  # no such tenant
    # A write in progress (temp name), a stray file and a folder not named date=... are ignored.
    base = root / LLM_USAGE / "tenant_id=1"
    junk = [base / f"date={MON}" / ".part-0.abc.tmp", base / f"date={MON}" / "notes.txt",
            base / "date=2026-11-02x" / "part-0.parquet", base / "date=2026-11-03.parquet"]
    try:
        for path in junk:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"")
        assert len(partition_files(root, LLM_USAGE, 1, MON, TUE)) == 2
    finally:
        for path in junk:
            path.unlink()
        os.rmdir(base / "date=2026-11-02x")
    files = all_partition_files(root, LLM_COST_DAILY, MON, TUE)
    assert files == (partition_files(root, LLM_COST_DAILY, 1, MON, TUE)
                     + partition_files(root, LLM_COST_DAILY, 2, MON, TUE))


def test_a_re_exported_partition_is_read_again(con: Con, tmp_path: Path) -> None:
    # The connection caches Parquet footers (views.connect); a rewrite must still be seen.
    usage = usage_frame(1).filter(pl.col("date") == MON)
    write_partition(tmp_path, LLM_COST_DAILY, 1, MON, rollup_cost_daily(usage))
    before = q.cost_breakdown(con, tmp_path, 1, MON, MON)
    write_partition(tmp_path, LLM_COST_DAILY, 1, MON, rollup_cost_daily(usage.head(1)))
    after = q.cost_breakdown(con, tmp_path, 1, MON, MON)
    assert before["calls"].sum() == 4 and after["calls"].sum() == 1
