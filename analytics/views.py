"""DuckDB views over one tenant's Parquet partitions, optionally with live rows from PostgreSQL.

Every query runs on its own cursor of a shared in-memory DuckDB database. On that cursor the
views `llm_usage`, `llm_cost_daily` and `message_stats` are registered (cursor-local, so
concurrent queries for other tenants cannot see or replace them) over exactly the files under
`<root>/<dataset>/tenant_id=<id>/date=<day>/` for the requested days: another tenant's files are
never opened. File paths are bound as a query parameter, not formatted into SQL. A month
covered whole by the request is read from the tenant's monthly compaction of the rollup when
that file is current (analytics.compact), which opens one file instead of ~30.

`all_partition_files` and `all_partition_sources` list every tenant's files, for the operator
query `queries.cost_breakdown_all_tenants` only (never reachable from a tenant's session).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from analytics.compact import daily_sources, month_bounds, month_day_dirs, monthly_file
from analytics.export import rollup_cost_daily
from analytics.schema import (
    DATASETS,
    LLM_COST_DAILY,
    LLM_USAGE,
    MESSAGE_STATS,
    MONTHLY,
    SCHEMAS,
    check_dataset,
    check_day,
    check_tenant,
    conform,
    empty_frame,
    tenant_dir,
)
from webapp.db.queries import load

Q = load(__file__)

LOCAL_PROVIDER_ID = 0  # how the views name the built-in local analyser (NULL in the ledger)

_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_TENANT_DIR = re.compile(r"^tenant_id=[1-9]\d*$")


@dataclass(frozen=True)
class LiveRows:
    """Rows of recent days read live from PostgreSQL; they replace those days' files."""

    days: frozenset[dt.date]
    llm_usage: pl.DataFrame | None = None
    message_stats: pl.DataFrame | None = None

    def frame(self, dataset: str) -> pl.DataFrame | None:
        """The live rows of a dataset (llm_cost_daily is rolled up from llm_usage)."""
        if dataset == LLM_USAGE:
            return self.llm_usage
        if dataset == MESSAGE_STATS:
            return self.message_stats
        if dataset == LLM_COST_DAILY and self.llm_usage is not None:
            return rollup_cost_daily(self.llm_usage)
        return None


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB database (share it; each query takes its own cursor)."""
    # Partitions are many small files, and opening one costs more than reading its rows (see
    # analytics/README.md, "Speed"): the Parquet metadata cache keeps each file's footer
    # between queries (DuckDB re-reads it when the file's modification time changes, so a
    # re-exported partition is seen), and the external file cache, which only adds
    # bookkeeping for local files it does not keep (cache_local_files is off), is skipped.
    return duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "threads": threads or os.cpu_count() or 1,
        "parquet_metadata_cache": True,
        "enable_external_file_cache": False,
    })


def partition_days(root: Path, dataset: str, tenant_id: int) -> list[dt.date]:
    """The days for which the tenant has a partition directory, sorted."""
    base = tenant_dir(Path(root), dataset, tenant_id)
    if not base.is_dir():
        return []
    days = []
    for child in base.iterdir():
        match = _DATE_DIR.match(child.name)
        if match and child.is_dir():
            days.append(dt.date.fromisoformat(match.group(1)))
    return sorted(days)


def partition_files(
    root: Path, dataset: str, tenant_id: int, start: dt.date, end: dt.date,
    skip: frozenset[dt.date] = frozenset(),
) -> list[str]:
    """The tenant's Parquet files for days start..end (inclusive), minus skipped days."""
    return _files_in(str(tenant_dir(Path(root), dataset, tenant_id)), start, end, skip)


def partition_sources(
    root: Path, dataset: str, tenant_id: int, start: dt.date, end: dt.date,
    skip: frozenset[dt.date] = frozenset(),
) -> tuple[list[str], list[str]]:
    """The tenant's files for days start..end minus skipped days: (daily files, monthly files).

    A month that start..end covers whole, with no skipped day, is read from its monthly file
    (analytics.compact) when that file was built from exactly the month's daily files as they
    are now; otherwise, and for partly covered months, from the daily files."""
    if dataset not in MONTHLY:
        return partition_files(root, dataset, tenant_id, start, end, skip), []
    base = str(tenant_dir(Path(root), dataset, tenant_id))
    try:
        names = os.listdir(base)
    except FileNotFoundError:
        return [], []
    daily: list[str] = []
    monthly: list[str] = []
    month = start.replace(day=1)
    while month <= end:
        first, last = month_bounds(month)
        if start <= first and last <= end and not any(first <= d <= last for d in skip):
            files, current = daily_sources(month_day_dirs(base, names, month))
            whole = monthly_file(root, dataset, tenant_id, month, current)
            if whole is not None:
                monthly.append(whole)
            else:
                daily.extend(files)
        else:
            daily.extend(_files_in(base, max(start, first), min(end, last), skip, names))
        month = last + dt.timedelta(days=1)
    return daily, monthly


def _files_in(
    base: str, start: dt.date, end: dt.date, skip: frozenset[dt.date] = frozenset(),
    names: list[str] | None = None,
) -> list[str]:
    """The *.parquet files of the date=<day> folders under base for days start..end."""
    # One listing of the tenant's folder and one per day read (os.scandir, no stat per file):
    # this runs before every query, so it stays cheap next to the scan itself.
    if names is None:
        try:
            names = os.listdir(base)
        except FileNotFoundError:
            return []
    low, high = f"date={start.isoformat()}", f"date={end.isoformat()}"
    files: list[str] = []
    for name in sorted(names):
        match = _DATE_DIR.match(name) if low <= name <= high else None
        if match is None or (skip and dt.date.fromisoformat(match.group(1)) in skip):
            continue
        try:
            entries = os.scandir(os.path.join(base, name))
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            files.extend(sorted(entry.path for entry in entries
                                if entry.name.endswith(".parquet") and entry.is_file()))
    return files


def all_partition_files(root: Path, dataset: str, start: dt.date, end: dt.date) -> list[str]:
    """Every tenant's Parquet files for days start..end (operator use only)."""
    base = Path(root) / check_dataset(dataset)
    try:
        tenants = sorted(entry.name for entry in os.scandir(base)
                         if _TENANT_DIR.match(entry.name) and entry.is_dir())
    except FileNotFoundError:
        return []
    return [path for name in tenants for path in _files_in(str(base / name), start, end)]


def all_partition_sources(
    root: Path, dataset: str, start: dt.date, end: dt.date,
) -> tuple[list[str], list[str]]:
    """Every tenant's (daily files, monthly files) for days start..end, as partition_sources
    picks them per tenant (operator use only)."""
    base = Path(root) / check_dataset(dataset)
    try:
        tenants = sorted(int(entry.name.removeprefix("tenant_id=")) for entry in os.scandir(base)
                         if _TENANT_DIR.match(entry.name) and entry.is_dir())
    except FileNotFoundError:
        return [], []
    daily: list[str] = []
    monthly: list[str] = []
    for tenant in tenants:
        files, whole = partition_sources(root, dataset, tenant, start, end)
        daily += files
        monthly += whole
    return daily, monthly


def _live_frame(
    dataset: str, live: pl.DataFrame, tenant_id: int, start: dt.date, end: dt.date,
) -> pl.DataFrame:
    """Live rows of this tenant and days only, shaped like the files' view."""
    frame = conform(dataset, live, with_partition=True).filter(
        (pl.col("tenant_id") == tenant_id) & pl.col("date").is_between(start, end))
    if "provider_id" in frame.columns:
        frame = frame.with_columns(pl.col("provider_id").fill_null(LOCAL_PROVIDER_ID))
    return frame


def _source(
    cur: duckdb.DuckDBPyConnection, dataset: str, files: tuple[list[str], list[str]],
    live: pl.DataFrame | None, params: dict[str, object],
) -> duckdb.DuckDBPyRelation:
    """The tenant's daily and monthly files (filtered again by tenant and day) union all its
    live rows (None: no live rows; the empty frame is built only when nothing else is read)."""
    # The local analyser's NULL provider_id becomes 0 so filters and joins can name it.
    daily, monthly = files
    provider = "provider_id" in SCHEMAS[dataset]
    parts: list[duckdb.DuckDBPyRelation] = []
    if daily:
        query = Q.view_provider_rows if provider else Q.view_rows
        parts.append(cur.sql(query, params={**params, "files": daily}))
    if monthly:
        # Named apart from the daily part's: DuckDB refuses to union relations that bind the
        # same parameter name (sql/views.sql).
        query = Q.view_monthly_provider_rows if provider else Q.view_monthly_rows
        named = {f"monthly_{name}": value for name, value in params.items()}
        parts.append(cur.sql(query, params={**named, "monthly_files": monthly}))
    if not parts:
        return cur.from_arrow((empty_frame(dataset) if live is None else live).to_arrow())
    stored = parts[0]
    for part in parts[1:]:
        stored = stored.union(part)
    if live is None or live.is_empty():
        return stored
    return stored.union(cur.from_arrow(live.select(stored.columns).to_arrow()))


@contextmanager
def tenant_views(
    con: duckdb.DuckDBPyConnection, root: Path, tenant_id: int, start: dt.date, end: dt.date,
    live: LiveRows | None = None, datasets: tuple[str, ...] = DATASETS,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor with the tenant's views (of `datasets`) for days start..end; closed on exit."""
    tenant_id, start, end = check_tenant(tenant_id), check_day(start), check_day(end)
    skip = frozenset() if live is None else live.days
    cur = con.cursor()
    params: dict[str, object] = {"tenant": tenant_id, "start": start, "end": end}
    try:
        for dataset in datasets:
            files = partition_sources(root, dataset, tenant_id, start, end, skip)
            frame = None if live is None else live.frame(dataset)
            rows = None if frame is None else _live_frame(dataset, frame, tenant_id, start, end)
            cur.register(dataset, _source(cur, dataset, files, rows, params))
        yield cur
    finally:
        cur.close()

