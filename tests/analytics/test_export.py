"""The Parquet writer: layout, atomic and idempotent partition rewrites, refusals, rollups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pytest import approx

from analytics.export import rollup_cost_daily, write_partition
from analytics.schema import LLM_COST_DAILY, LLM_USAGE, MESSAGE_STATS, SCHEMAS, full_schema
from tests.analytics.data import CLAUDE, GPT, MON, TUE, stats_frame, usage_frame


def monday(tenant: int = 1) -> pl.DataFrame:
    """Tenant's Monday ledger rows."""
    return usage_frame(tenant).filter(pl.col("date") == MON)


def test_layout_and_columns(tmp_path: Path) -> None:
    path = write_partition(tmp_path, LLM_USAGE, 1, MON, monday())
    assert path == tmp_path / "llm_usage" / "tenant_id=1" / "date=2026-11-02" / "part-0.parquet"
    stored = pl.read_parquet(path)
    # partition columns live in the path only; no message text in any dataset
    assert stored.columns == list(SCHEMAS[LLM_USAGE])
    assert stored.height == 4 and "text" not in stored.columns
    assert sorted(p.name for p in path.parent.iterdir()) == ["part-0.parquet"]


def test_rewrite_replaces_the_partition(tmp_path: Path) -> None:
    first = write_partition(tmp_path, LLM_USAGE, 1, MON, monday())
    again = write_partition(tmp_path, LLM_USAGE, 1, MON, monday())
    assert first == again and pl.read_parquet(again).height == 4  # a re-run: same rows
    stale = first.parent / "data_0.parquet"  # e.g. left by a DuckDB COPY of the same day
    stale.write_bytes(first.read_bytes())
    write_partition(tmp_path, LLM_USAGE, 1, MON, monday().head(1))
    assert sorted(p.name for p in first.parent.iterdir()) == ["part-0.parquet"]
    assert pl.read_parquet(first)["id"].to_list() == [1]
    write_partition(tmp_path, LLM_USAGE, 1, MON, monday().head(0))  # an empty day empties it
    assert pl.read_parquet(first).height == 0


def test_a_failed_write_keeps_the_old_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_partition(tmp_path, LLM_USAGE, 1, MON, monday())
    before = path.read_bytes()

    def half_written(self: pl.DataFrame, file: Any, **kwargs: Any) -> None:
        file.write(b"PAR1 truncated")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", half_written)
    with pytest.raises(OSError, match="disk full"):
        write_partition(tmp_path, LLM_USAGE, 1, MON, monday().head(1))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["part-0.parquet"]  # no temp file left


def test_refuses_rows_of_another_partition(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        write_partition(tmp_path, LLM_USAGE, 1, MON, usage_frame(2).filter(
            pl.col("date") == MON))
    with pytest.raises(ValueError, match="date"):
        write_partition(tmp_path, LLM_USAGE, 1, MON, usage_frame(1))
    assert not (tmp_path / "llm_usage").exists()


@pytest.mark.parametrize(("dataset", "tenant", "day"), [
    ("messages", 1, MON), (LLM_USAGE, 0, MON), (LLM_USAGE, True, MON), (LLM_USAGE, "1", MON),
    (LLM_USAGE, 1, dt.datetime(2026, 11, 2, tzinfo=dt.UTC)), (LLM_USAGE, 1, "2026-11-02"),
])
def test_refuses_bad_partition_keys(tmp_path: Path, dataset: str, tenant: Any, day: Any) -> None:
    with pytest.raises(ValueError):
        write_partition(tmp_path, dataset, tenant, day, monday())


def test_missing_columns_are_refused_and_arrow_is_accepted(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing columns"):
        write_partition(tmp_path, LLM_USAGE, 1, MON, monday().drop("cost_usd"))
    path = write_partition(tmp_path, MESSAGE_STATS, 1, TUE,
                           stats_frame(1).filter(pl.col("date") == TUE).to_arrow())
    assert pl.read_parquet(path)["inbound"].to_list() == [2]


def test_rollup_cost_daily() -> None:
    daily = rollup_cost_daily(usage_frame(1))
    assert daily.columns == list(full_schema(LLM_COST_DAILY))
    cells = {(r["date"], r["provider_id"], r["feature"], r["model"]): r
             for r in daily.to_dicts()}
    claude = cells[(MON, CLAUDE, "importance_detection", "claude-3-opus-20240229")]
    assert (claude["calls"], claude["failures"], claude["input_tokens"]) == (2, 0, 2000)
    assert claude["cost_usd"] == approx(0.06)
    assert claude["latency_p50_ms"] == approx(200.0) and claude["latency_p95_ms"] == approx(290.0)
    invalid = cells[(MON, GPT, "summarization", "gpt-4-turbo")]
    assert (invalid["failures"], invalid["invalid_outputs"]) == (1, 1)
    assert invalid["latency_p50_ms"] is None  # latency counts successful calls only
    unpriced = cells[(TUE, GPT, "importance_detection", "gpt-x-preview")]
    assert unpriced["cost_usd"] is None and unpriced["unpriced_calls"] == 1
    timeout = cells[(TUE, GPT, "importance_detection", "gpt-4-turbo")]
    assert (timeout["failures"], timeout["invalid_outputs"]) == (1, 0)
    assert daily["calls"].sum() == 8
