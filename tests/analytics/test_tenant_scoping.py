"""One tenant's queries never read or return another tenant's data."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from analytics import queries as q
from analytics.views import LiveRows, partition_files
from tests.analytics.data import MON, OTHER, TUE, usage_frame

Con = duckdb.DuckDBPyConnection

QUERIES: list[Callable[..., pl.DataFrame]] = [
    lambda c, r, t, **k: q.provider_comparison(c, r, t, MON, TUE, **k),
    lambda c, r, t, **k: q.spend_by_day(c, r, t, MON, TUE, **k),
    lambda c, r, t, **k: q.month_to_date(c, r, t, TUE, **k),
    lambda c, r, t, **k: q.budget_burn(c, r, t, TUE, pl.DataFrame(
        {"provider_id": [1], "provider_name": ["x"], "monthly_budget_usd": [1.0]}), **k),
    lambda c, r, t, **k: q.traffic(c, r, t, MON, TUE, **k),
    lambda c, r, t, **k: q.traffic(c, r, t, MON, TUE, by="weekday_hour", **k),
    lambda c, r, t, **k: q.top_conversations(c, r, t, MON, TUE, **k),
    lambda c, r, t, **k: q.cost_breakdown(c, r, t, MON, TUE, **k),
    lambda c, r, t, **k: q.providers_seen(c, r, t, MON, TUE, **k),
]


def numbers(frame: pl.DataFrame) -> set[Any]:
    """Every value in a frame."""
    return {value for column in frame.iter_columns() for value in column.to_list()}


# Values only tenant 2's rows produce (costs, tokens, latency, traffic counts, provider).
TENANT_2_MARKS = {999.0, 1998.0, OTHER, "Other", 1_000_000, 2_000_000, 4_000_000, 9999.0,
                  7777, 8888, 6666, 5555, 15554, 4444.0, 3333.0}


@pytest.mark.parametrize("query", QUERIES)
def test_tenant_1_never_sees_tenant_2(con: Con, root: Path, query: Callable[..., Any]) -> None:
    mine = query(con, root, 1)
    assert not mine.is_empty()
    assert numbers(mine).isdisjoint(TENANT_2_MARKS)


def test_tenant_2_sees_only_its_own(con: Con, root: Path) -> None:
    frame = q.provider_comparison(con, root, 2, MON, TUE)
    assert frame["provider_id"].to_list() == [OTHER]
    assert frame["cost_usd"].to_list() == [1998.0]


def test_other_tenants_files_are_never_opened(
    con: Con, root: Path, tmp_path: Path,
) -> None:
    copy = Path(shutil.copytree(root, tmp_path / "copy"))
    for part in copy.glob("*/tenant_id=2/*/*.parquet"):
        part.write_bytes(b"not parquet")  # reading any of these would raise
    assert all("tenant_id=1" in f for f in partition_files(copy, "llm_usage", 1, MON, TUE))
    for query in QUERIES:
        assert not query(con, copy, 1).is_empty()
    with pytest.raises(duckdb.Error):
        q.provider_comparison(con, copy, 2, MON, TUE)


def test_live_rows_stand_in_for_their_day_and_stay_in_the_tenant(con: Con, root: Path) -> None:
    tuesday = usage_frame(1).filter(pl.col("date") == TUE)
    extra = tuesday.head(1).with_columns(id=pl.lit(99, pl.Int64), cost_usd=pl.lit(1.0))
    stray = usage_frame(2).filter(pl.col("date") == TUE)  # another tenant's rows by mistake
    live = LiveRows(days=frozenset({TUE}), llm_usage=pl.concat([tuesday, extra, stray]))
    with_live = q.cost_breakdown(con, root, 1, MON, TUE, live=live)
    plain = q.cost_breakdown(con, root, 1, MON, TUE)
    assert with_live["calls"].sum() == plain["calls"].sum() + 1  # Tuesday not counted twice
    assert with_live["cost_usd"].sum() == pytest.approx(plain["cost_usd"].sum() + 1.0)
    assert numbers(with_live).isdisjoint(TENANT_2_MARKS)
    spend = q.spend_by_day(con, root, 1, MON, TUE, live=live)  # rolled up from the live rows
    assert spend["cost_usd"].sum() == pytest.approx(plain["cost_usd"].sum() + 1.0)
    later = extra.with_columns(date=pl.lit(TUE + dt.timedelta(days=1)))
    outside = LiveRows(days=frozenset({TUE + dt.timedelta(days=1)}), llm_usage=later)
    assert q.cost_breakdown(con, root, 1, MON, TUE, live=outside).equals(plain)


@pytest.mark.parametrize("tenant", [0, -1, True, "1", "1/../2", 1.0])
def test_tenant_must_be_a_positive_int(con: Con, root: Path, tenant: Any) -> None:
    with pytest.raises(ValueError):
        q.provider_comparison(con, root, tenant, MON, TUE)
