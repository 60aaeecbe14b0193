"""The daily Parquet export: ledger, cost rollup and message statistics per tenant-day.

For partition day D, every tenant whose local day D is over gets its `llm_usage`,
`llm_cost_daily` and `message_stats` partitions written by `analytics.export.export_day` under
`$ANALYTICS_DIR/<dataset>/tenant_id=<id>/date=<D>/` (atomic write-then-rename; a re-run
replaces the partition). Tenant-days with no traffic and no LLM calls are skipped unless an
earlier export left partitions there, which are then replaced (with empty ones), so idle
tenants do not accumulate empty files and stale partitions never survive a re-run.

Each tenant-day written records a manifest (analytics.freshness: when, and a fingerprint of its
source rows read just before). After partition D, a run re-exports the tenant's earlier days whose
rows no longer match their manifest (back-dated traffic into an idle or exported day, deleted
rows, days exported before manifests existed), newest first, at most CATCH_UP_DAYS per tenant
and run (the rest at the next run). Without this, traffic replayed or imported for an older day
never reached the analytics: only each tenant's previous day was ever exported.

After each tenant-day is written, the tenant's month of that day is compacted again
(`analytics.compact.compact_month`): the month's `llm_cost_daily` partitions are copied into one
file under `$ANALYTICS_DIR/llm_cost_daily_by_month/tenant_id=<id>/month=<YYYY-MM>/`, which the
readers use for whole months while it matches the daily files (a re-export is never hidden).
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dagster as dg

from analytics.compact import compact_month
from analytics.export import WrittenPartition, export_day
from analytics.freshness import Fingerprint, changed_days, day_fingerprints, write_manifest
from analytics.schema import DATASETS, partition_dir
from pipelines.daily import (
    DAILY,
    START_DATE,
    Tenant,
    TenantDay,
    TenantDayConfig,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.config import resolve_analytics_dir
from webapp.db import Database
from webapp.db.queries import load

Q = load(__file__)

CATCH_UP_DAYS = 14  # changed earlier days re-exported per tenant and run


class ExportConfig(TenantDayConfig):
    """Tenants to export (empty: all) and an optional root overriding ANALYTICS_DIR."""

    analytics_dir: str = ""


_EMPTY = Fingerprint()
_T0 = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # window bounds unused where only the day matters


def analytics_root(override: str = "") -> Path:
    """The run's override, else ANALYTICS_DIR as webapp.config resolves it for every reader."""
    return Path(override) if override else resolve_analytics_dir(os.environ)


def _has_partitions(root: Path, day: TenantDay) -> bool:
    return any(partition_dir(root, d, day.tenant_id, day.day).is_dir() for d in DATASETS)


def export_tenant_day(db: Database, root: Path, day: TenantDay) -> list[WrittenPartition] | None:
    """Export one tenant-day and record its manifest (None when it is idle and was never
    exported)."""
    with db.tenant(day.tenant_id) as conn:
        row = conn.execute(Q.select_export_day_activity,
                           {"start": day.start, "end": day.end}).fetchone()
        if not (row and row["active"]) and not _has_partitions(root, day):
            return None
        # Read before the rows: a row landing in between shows as a change next time.
        fingerprint = day_fingerprints(conn, day.tenant_id, day.day, day.day, day.timezone)
        parts = export_day(conn, root, day.tenant_id, day.day, tz=day.timezone)
    write_manifest(root, day.tenant_id, day.day, fingerprint.get(day.day, _EMPTY))
    return parts


def stale_days(db: Database, root: Path, tenant: Tenant, before: dt.date) -> list[dt.date]:
    """The tenant's days before `before` whose rows changed since their export, newest first,
    at most CATCH_UP_DAYS."""
    first = dt.date.fromisoformat(START_DATE)
    last = before - dt.timedelta(days=1)
    if last < first:
        return []
    with db.tenant(tenant.id) as conn:
        now = day_fingerprints(conn, tenant.id, first, last, tenant.timezone)

    def has_files(day: dt.date) -> bool:
        return _has_partitions(root, TenantDay(tenant.id, day, tenant.timezone, _T0, _T0))

    return changed_days(root, tenant.id, now, first, last, has_files)[:CATCH_UP_DAYS]


@dg.asset(partitions_def=DAILY, group_name="daily", kinds={"parquet"},
          description="Ledger, cost rollup and message stats of each tenant's local day as "
                      "Parquet under ANALYTICS_DIR (tenant_id=<id>/date=<day>/), and the "
                      "rollup of the day's month compacted into one file per tenant-month.")
def analytics_parquet_export(context: dg.AssetExecutionContext, config: ExportConfig,
                             pg: PostgresResource) -> dg.MaterializeResult[Any]:
    """Export partition day D for every ready tenant (or the configured ones)."""
    day = partition_day(context)
    root = analytics_root(config.analytics_dir)
    written: list[WrittenPartition] = []
    compacted: set[Path] = set()
    exported = idle = 0
    caught_up: dict[int, list[str]] = {}
    with pg.database(name="mf-dagster-exports") as db:
        ready, pending = select_tenants(db, day, config.tenant_ids)
        for tenant in ready:
            parts = export_tenant_day(db, root, window(db, tenant.id, day, tenant.timezone))
            if parts is None:
                idle += 1
            else:
                exported += 1
                written += parts
                compacted |= _compact(root, tenant.id, [day])
            again = _catch_up(db, root, tenant, day, written)
            if again:
                caught_up[tenant.id] = [d.isoformat() for d in again]
                compacted |= _compact(root, tenant.id, again)
    if pending:
        context.log.info(f"day {day} is not over yet for tenants {pending}; run them later")
    if caught_up:
        context.log.info(f"re-exported earlier days whose rows changed: {caught_up}")
    rows_by_dataset = {d: sum(p.rows for p in written if p.dataset == d) for d in DATASETS}
    return dg.MaterializeResult(metadata={
        "root": dg.MetadataValue.path(str(root)),
        "tenants": exported, "tenants_idle": idle, "tenants_pending": len(pending),
        "files": len(written),
        "monthly_files": len(compacted),
        "days_reexported": sum(len(days) for days in caught_up.values()),
        "reexported": dg.MetadataValue.json({str(k): v for k, v in caught_up.items()}),
        "rows": sum(p.rows for p in written),
        **{f"rows_{d}": n for d, n in rows_by_dataset.items()},
    })


def _catch_up(db: Database, root: Path, tenant: Tenant, day: dt.date,
              written: list[WrittenPartition]) -> list[dt.date]:
    """Re-export the tenant's changed days before `day`; the days re-exported."""
    done = []
    for stale in stale_days(db, root, tenant, day):
        parts = export_tenant_day(db, root, window(db, tenant.id, stale, tenant.timezone))
        if parts is not None:
            written += parts
            done.append(stale)
    return done


def _compact(root: Path, tenant_id: int, days: list[dt.date]) -> set[Path]:
    """Compact the months of these days again; the monthly files written."""
    out = set()
    for month_day in {d.replace(day=1) for d in days}:
        monthly = compact_month(root, tenant_id, month_day)
        if monthly is not None:
            out.add(monthly)
    return out


analytics_export_job = dg.define_asset_job(
    "analytics_export_job", selection=[analytics_parquet_export],
    tags={"messageflow/pipeline": "daily"})
analytics_export_schedule = tenant_midnight_schedule(
    analytics_export_job, "analytics_parquet_export", 25)

defs = dg.Definitions(assets=[analytics_parquet_export], jobs=[analytics_export_job],
                      schedules=[analytics_export_schedule])
