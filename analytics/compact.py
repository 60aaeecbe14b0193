"""Monthly compaction of the cost rollup: one file per tenant-month instead of one per day.

Opening a Parquet file costs DuckDB more than reading a rollup partition's rows (analytics/
README.md, "Speed"), so a month read from ~30 daily files is dominated by file opens.
`compact_month` copies the rows of a tenant's daily `llm_cost_daily` partitions of one month
into ``<root>/llm_cost_daily_by_month/tenant_id=<id>/month=<YYYY-MM>/part-0.parquet`` (the day
becomes a `date` column), written atomically like a partition, and records in the file's
key-value metadata which daily files it was built from (day, name, inode, mtime in ns, size).

The daily partitions stay the source of truth. A reader uses the monthly file only when that
record equals what the month's daily folders hold right now (`monthly_file`): a day exported,
re-exported or removed after the compaction changes the record's inputs, so the stale monthly
file is ignored (and the daily files read) until the next compaction rebuilds it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow.parquet as pq

from analytics.export import replace_file
from analytics.schema import (
    LLM_COST_DAILY,
    MONTHLY,
    PART_FILE,
    check_day,
    check_tenant,
    conform,
    month_dir,
    tenant_dir,
)

SOURCES_KEY: Final = b"messageflow.sources"

# One daily file as the compaction saw it: day (ISO), file name, inode, mtime (ns), size.
# A re-export writes a new file and renames it into place, so at least the inode changes.
Source = tuple[str, str, int, int, int]

_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_CACHE_LIMIT = 4096
_recorded: dict[tuple[str, int, int, int], tuple[Source, ...] | None] = {}


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of the given day."""
    first = check_day(month).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_day_dirs(base: str, names: list[str], month: dt.date) -> list[tuple[str, str]]:
    """(day ISO, folder path) of the date=<day> folder names of that month, sorted."""
    prefix = f"date={month:%Y-%m}-"
    return [(name[5:], os.path.join(base, name)) for name in sorted(names)
            if name.startswith(prefix) and _DATE_DIR.match(name)]


def daily_sources(day_dirs: list[tuple[str, str]]) -> tuple[list[str], list[Source]]:
    """The *.parquet files of those day folders, and each one's Source (one stat per file)."""
    files: list[str] = []
    sources: list[Source] = []
    for day, folder in day_dirs:
        try:
            entries = os.scandir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            found = sorted((entry.name, entry) for entry in entries
                           if entry.name.endswith(".parquet") and entry.is_file())
        for name, entry in found:
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            files.append(entry.path)
            sources.append((day, name, st.st_ino, st.st_mtime_ns, st.st_size))
    return files, sources


def compact_month(
    root: Path, tenant_id: int, month: dt.date, dataset: str = LLM_COST_DAILY,
) -> Path | None:
    """Rebuild the tenant's monthly file of `dataset` for the month of `month` from its daily
    partitions (idempotent). Returns its path, or None when the month has no daily partition
    (a monthly file left from earlier is then removed)."""
    tenant_id = check_tenant(tenant_id)
    folder = month_dir(Path(root), dataset, tenant_id, month)
    base = str(tenant_dir(Path(root), dataset, tenant_id))
    try:
        names = os.listdir(base)
    except FileNotFoundError:
        names = []
    frames: list[pl.DataFrame] = []
    sources: list[Source] = []
    for day, path in zip(*_files_by_day(base, names, month), strict=True):
        # Read through the same handle that is stat'ed: the record is exactly what was read.
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below, fstat needs the handle
        except FileNotFoundError:
            continue  # removed since the listing: not part of the month any more
        with fh:
            st = os.fstat(fh.fileno())
            frame = pl.read_parquet(fh)
        frames.append(conform(dataset, frame).with_columns(date=pl.lit(day, pl.Date())))
        sources.append((day.isoformat(), os.path.basename(path), st.st_ino, st.st_mtime_ns,
                        st.st_size))
    if not frames:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    table = pl.concat(frames, how="vertical").to_arrow()
    record = json.dumps([list(source) for source in sources]).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           SOURCES_KEY: record})
    return replace_file(folder, lambda fh: pq.write_table(table, fh, compression="zstd"))


def _files_by_day(base: str, names: list[str], month: dt.date) -> tuple[list[dt.date], list[str]]:
    days: list[dt.date] = []
    files: list[str] = []
    paths, sources = daily_sources(month_day_dirs(base, names, month))
    for path, source in zip(paths, sources, strict=True):
        days.append(dt.date.fromisoformat(source[0]))
        files.append(path)
    return days, files


def recorded_sources(path: str) -> tuple[Source, ...] | None:
    """The daily files a monthly file was built from (None: no such file or no record).

    Cached per (path, inode, mtime, size): after the first query only one stat is paid."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, fstat needs the handle
    except FileNotFoundError:
        return None
    with fh:
        st = os.fstat(fh.fileno())
        key = (path, st.st_ino, st.st_mtime_ns, st.st_size)
        if key in _recorded:
            return _recorded[key]
        try:
            raw = (pq.read_metadata(fh).metadata or {}).get(SOURCES_KEY)
            sources = None if raw is None else tuple(
                (str(d), str(n), int(i), int(m), int(s)) for d, n, i, m, s in json.loads(raw))
        except (OSError, ValueError, TypeError):
            sources = None  # not a readable monthly file: never used
    if len(_recorded) >= _CACHE_LIMIT:
        _recorded.clear()
    _recorded[key] = sources
    return sources


def monthly_file(
    root: Path, dataset: str, tenant_id: int, month: dt.date, current: list[Source],
) -> str | None:
    """The tenant's monthly file for that month if it was built from exactly the `current`
    daily files (see daily_sources), else None (missing, or stale: read the daily files)."""
    if dataset not in MONTHLY or not current:
        return None
    path = str(month_dir(Path(root), dataset, tenant_id, month) / PART_FILE)
    return path if recorded_sources(path) == tuple(current) else None
