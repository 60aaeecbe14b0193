"""Monthly compaction of the cost rollup: same answers as the daily files, never stale, never
another tenant's rows, used only for whole months."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from analytics import queries as q
from analytics.compact import SOURCES_KEY, compact_month
from analytics.export import rollup_cost_daily, write_partition
from analytics.schema import LLM_COST_DAILY, LLM_USAGE, month_dir
from analytics.views import LiveRows, partition_files, partition_sources
from tests.analytics.data import MON, TUE, usage_frame

Con = duckdb.DuckDBPyConnection
FIRST, LAST = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
OCT = dt.date(2026, 10, 20)

QUERIES: dict[str, Callable[[Con, Path, int, dt.date, dt.date], pl.DataFrame]] = {
    "cost_breakdown": lambda c, r, t, s, e: q.cost_breakdown(c, r, t, s, e),
    "cost_breakdown_gpt": lambda c, r, t, s, e: q.cost_breakdown(c, r, t, s, e,
                                                                 provider_ids=[12]),
    "spend_by_day": lambda c, r, t, s, e: q.spend_by_day(c, r, t, s, e, by="model"),
    "month_to_date": lambda c, r, t, s, e: q.month_to_date(c, r, t, e),
    "providers_seen": lambda c, r, t, s, e: q.providers_seen(c, r, t, s, e),
}


@pytest.fixture()
def copy(root: Path, tmp_path: Path) -> Path:
    """A private copy of the fixture exports (these tests rewrite partitions)."""
    return Path(shutil.copytree(root, tmp_path / "copy"))


def monthly_path(root: Path, tenant: int) -> Path:
    return month_dir(root, LLM_COST_DAILY, tenant, MON) / "part-0.parquet"


def answers(con: Con, root: Path, start: dt.date = FIRST, end: dt.date = LAST) -> dict[str, Any]:
    """Every rollup query for both tenants, and the operator query."""
    found: dict[str, Any] = {name: [query(con, root, tenant, start, end) for tenant in (1, 2)]
                             for name, query in QUERIES.items()}
    found["all_tenants"] = [q.cost_breakdown_all_tenants(con, root, start, end)]
    return found


def assert_same(left: dict[str, Any], right: dict[str, Any]) -> None:
    for name, frames in left.items():
        for got, want in zip(frames, right[name], strict=True):
            assert got.equals(want), name


def test_monthly_file_holds_the_days_and_gives_the_same_answers(con: Con, copy: Path) -> None:
    daily = answers(con, copy)
    daily_partial = answers(con, copy, OCT, LAST)  # October partly: daily files for it
    for tenant in (1, 2):
        assert compact_month(copy, tenant, TUE) == monthly_path(copy, tenant)
    stored = pl.read_parquet(monthly_path(copy, 1))
    assert stored.height == rollup_cost_daily(usage_frame(1)).height
    assert set(stored["date"]) == {MON, TUE} and "tenant_id" not in stored.columns
    # The whole month is now one file per tenant; the daily files are not opened.
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST) == (
        [], [str(monthly_path(copy, 1))])
    assert partition_sources(copy, LLM_COST_DAILY, 1, OCT, LAST) == (
        [], [str(monthly_path(copy, 1))])
    assert_same(answers(con, copy), daily)
    assert_same(answers(con, copy, OCT, LAST), daily_partial)
    assert not answers(con, copy)["cost_breakdown"][0].is_empty()


def test_a_whole_month_and_days_of_another_month_in_one_range(con: Con, copy: Path) -> None:
    # Nov 1..Dec 1: November from its monthly file, December 1 from its daily file, in one
    # view (and in the operator's query); the same answers as the daily files alone.
    dec = LAST + dt.timedelta(days=1)
    for tenant in (1, 2):
        usage = usage_frame(tenant).filter(pl.col("date") == MON).with_columns(date=pl.lit(dec))
        write_partition(copy, LLM_COST_DAILY, tenant, dec, rollup_cost_daily(usage))
    daily = answers(con, copy, FIRST, dec)
    for tenant in (1, 2):
        compact_month(copy, tenant, MON)
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, dec) == (
        partition_files(copy, LLM_COST_DAILY, 1, dec, dec), [str(monthly_path(copy, 1))])
    assert_same(answers(con, copy, FIRST, dec), daily)
    assert set(daily["cost_breakdown"][0]["date"]) == {MON, TUE, dec}


def test_partial_months_and_live_days_use_the_daily_files(con: Con, copy: Path) -> None:
    compact_month(copy, 1, MON)
    daily = partition_files(copy, LLM_COST_DAILY, 1, MON, TUE)
    assert len(daily) == 2
    assert partition_sources(copy, LLM_COST_DAILY, 1, MON, TUE) == (daily, [])
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST - dt.timedelta(days=1)) == (
        daily, [])
    # A live day inside the month replaces that day's file: the month is read day by day.
    skip = frozenset({TUE})
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST, skip) == (daily[:1], [])
    live = LiveRows(days=skip, llm_usage=usage_frame(1).filter(pl.col("date") == TUE).head(1))
    with_live = q.cost_breakdown(con, copy, 1, FIRST, LAST, live=live)
    monday = usage_frame(1).filter(pl.col("date") == MON).height
    assert with_live["calls"].sum() == monday + 1
    # Other datasets have no monthly compaction.
    assert partition_sources(copy, LLM_USAGE, 1, FIRST, LAST) == (
        partition_files(copy, LLM_USAGE, 1, FIRST, LAST), [])


def test_a_day_re_exported_after_compaction_is_seen(con: Con, copy: Path) -> None:
    compact_month(copy, 1, MON)
    usage = usage_frame(1).filter(pl.col("date") == MON)
    write_partition(copy, LLM_COST_DAILY, 1, MON, rollup_cost_daily(usage.head(1)))
    # The monthly file now disagrees with the daily files: ignored, the daily files are read.
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST)[1] == []
    tue_calls = usage_frame(1).filter(pl.col("date") == TUE).height
    stale = q.cost_breakdown(con, copy, 1, FIRST, LAST)
    assert stale["calls"].sum() == 1 + tue_calls
    assert q.cost_breakdown_all_tenants(con, copy, FIRST, LAST).filter(
        pl.col("tenant_id") == 1)["calls"].sum() == 1 + tue_calls
    # The next compaction rebuilds it from the daily files, and it is used again.
    compact_month(copy, 1, MON)
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST)[1] == [
        str(monthly_path(copy, 1))]
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).equals(stale)


def test_same_size_same_mtime_rewrite_is_still_seen(con: Con, copy: Path) -> None:
    # Even a rewrite with the same size and (forced) the same mtime is a new file (inode).
    compact_month(copy, 1, MON)
    part = copy / LLM_COST_DAILY / "tenant_id=1" / f"date={MON}" / "part-0.parquet"
    before = part.stat()
    usage = usage_frame(1).filter(pl.col("date") == MON)
    write_partition(copy, LLM_COST_DAILY, 1, MON, rollup_cost_daily(usage))
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert part.stat().st_size == before.st_size
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST)[1] == []


def test_days_added_or_removed_after_compaction_are_seen(con: Con, copy: Path) -> None:
    compact_month(copy, 1, MON)
    usage = usage_frame(1).filter(pl.col("date") == MON)
    wed = MON + dt.timedelta(days=2)
    write_partition(copy, LLM_COST_DAILY, 1, wed,
                    rollup_cost_daily(usage.with_columns(date=pl.lit(wed))))
    with_wed = q.cost_breakdown(con, copy, 1, FIRST, LAST)
    assert set(with_wed["date"]) == {MON, TUE, wed}
    compact_month(copy, 1, MON)
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).equals(with_wed)
    shutil.rmtree(copy / LLM_COST_DAILY / "tenant_id=1" / f"date={wed}")
    assert set(q.cost_breakdown(con, copy, 1, FIRST, LAST)["date"]) == {MON, TUE}
    # A month without daily partitions has no monthly file.
    for day in (MON, TUE):
        shutil.rmtree(copy / LLM_COST_DAILY / "tenant_id=1" / f"date={day}")
    assert compact_month(copy, 1, MON) is None
    assert not monthly_path(copy, 1).parent.exists()
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).is_empty()


def test_another_tenants_monthly_file_is_never_used(con: Con, copy: Path) -> None:
    daily = q.cost_breakdown(con, copy, 1, FIRST, LAST)
    compact_month(copy, 2, MON)
    # Tenant 2's monthly file put in tenant 1's place: its record names tenant 2's daily files
    # (other inodes), so tenant 1 keeps reading its own daily files.
    target = monthly_path(copy, 1)
    target.parent.mkdir(parents=True)
    shutil.copy(monthly_path(copy, 2), target)
    assert partition_sources(copy, LLM_COST_DAILY, 1, FIRST, LAST)[1] == []
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).equals(daily)
    # A monthly file without a record (not written by compact_month) is ignored too.
    pl.read_parquet(monthly_path(copy, 2)).write_parquet(target)
    assert SOURCES_KEY not in (pq.read_metadata(target).metadata or {})
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).equals(daily)
    # Tenant 1's own monthly file is used, and tenant 2's files are never opened.
    compact_month(copy, 1, MON)
    for part in copy.glob("*/tenant_id=2/*/*.parquet"):
        part.write_bytes(b"not parquet")  # reading any of these would raise
    assert q.cost_breakdown(con, copy, 1, FIRST, LAST).equals(daily)
    with pytest.raises(duckdb.Error):
        q.cost_breakdown(con, copy, 2, FIRST, LAST)


def test_compaction_is_idempotent_and_atomic(copy: Path) -> None:
    first = compact_month(copy, 1, MON)
    assert first is not None
    inode, content = first.stat().st_ino, pl.read_parquet(first)
    second = compact_month(copy, 1, TUE)
    assert second == first and second.stat().st_ino != inode  # a new file renamed into place
    assert pl.read_parquet(second).equals(content)
    assert [p.name for p in second.parent.iterdir()] == ["part-0.parquet"]
