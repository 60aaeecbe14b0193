"""Parquet export: write a tenant's day as its partitions (the rows come from analytics.live).

The Dagster export asset calls `export_day` (or analytics.live's readers and `write_partition`
one by one) with a connection from `webapp.db.Database.tenant(tenant_id)`. Writes are atomic
(temp file in the partition directory, then `os.replace`) and idempotent (a re-run replaces the
partition). This module writes files only; reading rows from PostgreSQL is analytics.live's.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa

from analytics.live import PgConn, read_message_stats_from_pg, read_usage_from_pg
from analytics.schema import (
    LLM_COST_DAILY,
    LLM_USAGE,
    MESSAGE_STATS,
    PART_FILE,
    check_day,
    check_tenant,
    conform,
    partition_dir,
)


@dataclass(frozen=True)
class WrittenPartition:
    """One partition file the export wrote, and how many rows it holds."""

    dataset: str
    path: Path
    rows: int


def write_partition(
    root: Path, dataset: str, tenant_id: int, day: dt.date, data: pl.DataFrame | pa.Table,
) -> Path:
    """Write (or replace) one partition atomically; returns the part-0.parquet path."""
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(pl.from_arrow(data))
    frame = conform(dataset, _strip_partition(frame, check_tenant(tenant_id), check_day(day)))
    folder = partition_dir(Path(root), dataset, tenant_id, day)
    return replace_file(folder, lambda fh: frame.write_parquet(fh, compression="zstd",
                                                               statistics=True))


def replace_file(folder: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Atomically (re)place folder/part-0.parquet with what `write` writes to a file handle:
    a temp file in the folder, fsync, `os.replace`, then any other *.parquet there removed."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PART_FILE
    # The temp name does not end in .parquet, so readers globbing *.parquet never see it.
    fd, tmp_name = tempfile.mkstemp(prefix=".part-0.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    for stale in folder.glob("*.parquet"):
        if stale != target:  # files of another writer (e.g. DuckDB COPY) for the same partition
            stale.unlink(missing_ok=True)
    _fsync_dir(folder)
    return target


def _strip_partition(frame: pl.DataFrame, tenant_id: int, day: dt.date) -> pl.DataFrame:
    """Drop tenant_id/date columns after checking every row belongs to this partition."""
    for name, expected in (("tenant_id", tenant_id), ("date", day)):
        if name in frame.columns:
            values = frame.get_column(name).drop_nulls().unique().to_list()
            if any(value != expected for value in values):
                raise ValueError(f"rows with {name} other than {expected} in this partition")
            frame = frame.drop(name)
    return frame


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (a directory fsync; ignored where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_GROUP = ["tenant_id", "date", "provider_id", "provider_name", "provider_kind", "model",
          "feature"]


def rollup_cost_daily(usage: pl.DataFrame) -> pl.DataFrame:
    """llm_cost_daily rows from llm_usage rows (same numbers as the DuckDB breakdown)."""
    usage = conform(LLM_USAGE, usage, with_partition=True)
    ok = pl.col("status") == "ok"
    invalid = pl.col("status") == "invalid_output"
    cost = pl.col("cost_usd")
    frame = usage.group_by(_GROUP).agg(
        calls=pl.len(),
        failures=(~ok).sum(),
        invalid_outputs=invalid.sum(),
        input_tokens=pl.col("input_tokens").sum(),
        output_tokens=pl.col("output_tokens").sum(),
        # Unpriced calls have NULL cost: a group with no priced call has NULL cost, never 0.
        cost_usd=pl.when(cost.count() > 0).then(cost.sum()).otherwise(None),
        unpriced_calls=pl.col("unpriced").fill_null(False).sum(),
        latency_p50_ms=pl.col("latency_ms").filter(ok).quantile(0.5, "linear"),
        latency_p95_ms=pl.col("latency_ms").filter(ok).quantile(0.95, "linear"),
    )
    return conform(LLM_COST_DAILY, frame, with_partition=True).sort(_GROUP[1:])


def export_day(
    conn: PgConn, root: Path, tenant_id: int, day: dt.date, tz: str = "UTC",
) -> list[WrittenPartition]:
    """Export one tenant-day: llm_usage, llm_cost_daily and message_stats partitions."""
    usage = read_usage_from_pg(conn, tenant_id, day, tz)
    frames = {
        LLM_USAGE: usage,
        LLM_COST_DAILY: rollup_cost_daily(usage),
        MESSAGE_STATS: read_message_stats_from_pg(conn, tenant_id, day, tz),
    }
    return [
        WrittenPartition(name, write_partition(root, name, tenant_id, day, frame), frame.height)
        for name, frame in frames.items()
    ]
