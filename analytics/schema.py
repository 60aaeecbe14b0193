"""The Parquet contract: datasets, their columns and where their partitions live.

Layout: ``<root>/<dataset>/tenant_id=<id>/date=<YYYY-MM-DD>/part-0.parquet``. The partition
columns (``tenant_id``, ``date``) live in the path only (hive style, as DuckDB's
``COPY ... PARTITION_BY`` writes them); readers get them back through hive partitioning.
No dataset holds message text. ``MONTHLY`` names the monthly compaction of a dataset
(``<root>/<name>/tenant_id=<id>/month=<YYYY-MM>/part-0.parquet``, see analytics.compact).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import polars as pl

LLM_USAGE: Final = "llm_usage"
LLM_COST_DAILY: Final = "llm_cost_daily"
MESSAGE_STATS: Final = "message_stats"

PARTITION_COLUMNS: Final = ("tenant_id", "date")
PART_FILE: Final = "part-0.parquet"

_UTC = pl.Datetime("us", "UTC")

SCHEMAS: Final[dict[str, dict[str, pl.DataType]]] = {
    # One row per ledger row (llm_usage_logs), failed calls included; no error_message (free
    # text). provider_id is NULL for the built-in local analyser (provider_name says so).
    LLM_USAGE: {
        "id": pl.Int64(), "created_at": _UTC, "provider_id": pl.Int64(),
        "provider_name": pl.String(), "provider_kind": pl.String(), "model": pl.String(),
        "feature": pl.String(), "conversation_id": pl.Int64(), "message_id": pl.Int64(),
        "message_count": pl.Int64(), "prompt_version": pl.String(),
        "input_tokens": pl.Int64(), "output_tokens": pl.Int64(),
        "cost_usd": pl.Float64(), "unpriced": pl.Boolean(), "latency_ms": pl.Float64(),
        "status": pl.String(), "error_class": pl.String(), "valid_output": pl.Boolean(),
    },
    # tenant x provider x model x feature x day.
    LLM_COST_DAILY: {
        "provider_id": pl.Int64(), "provider_name": pl.String(), "provider_kind": pl.String(),
        "model": pl.String(), "feature": pl.String(), "calls": pl.Int64(),
        "failures": pl.Int64(), "invalid_outputs": pl.Int64(), "input_tokens": pl.Int64(),
        "output_tokens": pl.Int64(), "cost_usd": pl.Float64(), "unpriced_calls": pl.Int64(),
        "latency_p50_ms": pl.Float64(), "latency_p95_ms": pl.Float64(),
    },
    # tenant x day x hour (hour of the day in the exporting time zone).
    MESSAGE_STATS: {
        "hour": pl.Int32(), "inbound": pl.Int64(), "outbound": pl.Int64(),
        "conversations": pl.Int64(), "responses": pl.Int64(),
        "first_response_s_sum": pl.Float64(), "first_response_p50_s": pl.Float64(),
        "first_response_p90_s": pl.Float64(),
    },
}

DATASETS: Final = tuple(SCHEMAS)

# Monthly compactions (analytics.compact): one file per tenant-month holding the rows of the
# month's daily partitions, with the day as a `date` column. Keyed by the daily dataset.
MONTHLY: Final[dict[str, str]] = {LLM_COST_DAILY: "llm_cost_daily_by_month"}


def check_dataset(dataset: str) -> str:
    """The dataset name, or ValueError for one outside the contract."""
    if dataset not in SCHEMAS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")
    return dataset


def check_tenant(tenant_id: int) -> int:
    """A positive integer tenant id (paths are built from it, so nothing else gets through)."""
    if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id <= 0:
        raise ValueError(f"tenant_id must be a positive int, got {tenant_id!r}")
    return tenant_id


def check_day(day: dt.date) -> dt.date:
    """A calendar date (a datetime is refused: it would hide a time-zone decision)."""
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise ValueError(f"day must be a datetime.date, got {day!r}")
    return day


def tenant_dir(root: Path, dataset: str, tenant_id: int) -> Path:
    """``<root>/<dataset>/tenant_id=<id>``: everything one tenant has in one dataset."""
    return Path(root) / check_dataset(dataset) / f"tenant_id={check_tenant(tenant_id)}"


def partition_dir(root: Path, dataset: str, tenant_id: int, day: dt.date) -> Path:
    """``<root>/<dataset>/tenant_id=<id>/date=<YYYY-MM-DD>``."""
    return tenant_dir(root, dataset, tenant_id) / f"date={check_day(day).isoformat()}"


def month_dir(root: Path, dataset: str, tenant_id: int, month: dt.date) -> Path:
    """``<root>/<dataset>_by_month/tenant_id=<id>/month=<YYYY-MM>`` (month of the given day)."""
    if check_dataset(dataset) not in MONTHLY:
        raise ValueError(f"{dataset} has no monthly compaction")
    return (Path(root) / MONTHLY[dataset] / f"tenant_id={check_tenant(tenant_id)}"
            / f"month={check_day(month):%Y-%m}")


def full_schema(dataset: str) -> dict[str, pl.DataType]:
    """The columns a reader sees: the file columns plus tenant_id and date."""
    return {**SCHEMAS[check_dataset(dataset)], "tenant_id": pl.Int64(), "date": pl.Date()}


def empty_frame(dataset: str, *, with_partition: bool = True) -> pl.DataFrame:
    """A frame with the dataset's columns and no rows."""
    schema = full_schema(dataset) if with_partition else SCHEMAS[check_dataset(dataset)]
    return pl.DataFrame(schema=schema)


def conform(dataset: str, frame: pl.DataFrame, *, with_partition: bool = False) -> pl.DataFrame:
    """The frame's contract columns, in contract order and types (a missing column fails)."""
    schema = full_schema(dataset) if with_partition else SCHEMAS[check_dataset(dataset)]
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise ValueError(f"{dataset}: missing columns {missing}")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
