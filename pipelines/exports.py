"""Dagster wiring of the daily Parquet export: ledger, cost rollup and message statistics per
tenant-day.

For partition day D, every tenant whose local day D is over gets its `llm_usage`,
`llm_cost_daily` and `message_stats` partitions written under
`$ANALYTICS_DIR/<dataset>/tenant_id=<id>/date=<D>/` by `analytics.day_export.export_tenant_day`
(atomic write-then-rename, a re-run replaces the partition, idle tenant-days are skipped unless
an earlier export left partitions there; each tenant-day written records a manifest). After
partition D, a run re-exports the tenant's earlier days whose rows no longer match their manifest
(`analytics.day_export.catch_up`: newest first, at most CATCH_UP_DAYS per tenant and run, the
rest at the next run).

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
from analytics.day_export import catch_up, export_tenant_day
from analytics.export import WrittenPartition
from analytics.schema import DATASETS
from pipelines.daily import (
    DAILY,
    START_DATE,
    TenantDayConfig,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.config import resolve_analytics_dir


class ExportConfig(TenantDayConfig):
    """Tenants to export (empty: all) and an optional root overriding ANALYTICS_DIR."""

    analytics_dir: str = ""


def analytics_root(override: str = "") -> Path:
    """The run's override, else ANALYTICS_DIR as webapp.config resolves it for every reader."""
    return Path(override) if override else resolve_analytics_dir(os.environ)


@dg.asset(partitions_def=DAILY, group_name="daily", kinds={"parquet"},
          description="Ledger, cost rollup and message stats of each tenant's local day as "
                      "Parquet under ANALYTICS_DIR (tenant_id=<id>/date=<day>/), and the "
                      "rollup of the day's month compacted into one file per tenant-month.")
def analytics_parquet_export(context: dg.AssetExecutionContext, config: ExportConfig,
                             pg: PostgresResource) -> dg.MaterializeResult[Any]:
    """Export partition day D for every ready tenant (or the configured ones)."""
    day = partition_day(context)
    first = dt.date.fromisoformat(START_DATE)  # the earliest day a catch-up looks at
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
            again, redone = catch_up(db, root, tenant, day, first)
            written += redone
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
