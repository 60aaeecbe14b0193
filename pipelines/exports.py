"""The daily Parquet export: ledger, cost rollup and message statistics per tenant-day.

For partition day D, every tenant whose local day D is over gets its `llm_usage`,
`llm_cost_daily` and `message_stats` partitions written by `analytics.export.export_day` under
`$ANALYTICS_DIR/<dataset>/tenant_id=<id>/date=<D>/` (atomic write-then-rename; a re-run
replaces the partition). Tenant-days with no traffic and no LLM calls are skipped unless an
earlier export left partitions there, which are then replaced (with empty ones), so idle
tenants do not accumulate empty files and stale partitions never survive a re-run.

After each tenant-day is written, the tenant's month of that day is compacted again
(`analytics.compact.compact_month`): the month's `llm_cost_daily` partitions are copied into one
file under `$ANALYTICS_DIR/llm_cost_daily_by_month/tenant_id=<id>/month=<YYYY-MM>/`, which the
readers use for whole months while it matches the daily files (a re-export is never hidden).
"""

import os
from pathlib import Path

import dagster as dg

from analytics.compact import compact_month
from analytics.export import WrittenPartition, export_day
from analytics.schema import DATASETS, partition_dir
from pipelines.daily import (
    DAILY,
    TenantDay,
    TenantDayConfig,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.db import Database
from webapp.db.queries import load

Q = load(__file__)


class ExportConfig(TenantDayConfig):
    """Tenants to export (empty: all) and an optional root overriding ANALYTICS_DIR."""

    analytics_dir: str = ""


def analytics_root(override: str = "") -> Path:
    """ANALYTICS_DIR, by default $MESSAGEFLOW_HOME/analytics (what streamlit_app reads)."""
    explicit = override or os.environ.get("ANALYTICS_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MESSAGEFLOW_HOME", ".messageflow")) / "analytics"


def _has_partitions(root: Path, day: TenantDay) -> bool:
    return any(partition_dir(root, d, day.tenant_id, day.day).is_dir() for d in DATASETS)


def export_tenant_day(db: Database, root: Path, day: TenantDay) -> list[WrittenPartition] | None:
    """Export one tenant-day (None when it is idle and was never exported)."""
    with db.tenant(day.tenant_id) as conn:
        row = conn.execute(Q.select_export_day_activity,
                           {"start": day.start, "end": day.end}).fetchone()
        if not (row and row["active"]) and not _has_partitions(root, day):
            return None
        return export_day(conn, root, day.tenant_id, day.day, tz=day.timezone)


@dg.asset(partitions_def=DAILY, group_name="daily", kinds={"parquet"},
          description="Ledger, cost rollup and message stats of each tenant's local day as "
                      "Parquet under ANALYTICS_DIR (tenant_id=<id>/date=<day>/), and the "
                      "rollup of the day's month compacted into one file per tenant-month.")
def analytics_parquet_export(context: dg.AssetExecutionContext, config: ExportConfig,
                             pg: PostgresResource) -> dg.MaterializeResult:
    """Export partition day D for every ready tenant (or the configured ones)."""
    day = partition_day(context)
    root = analytics_root(config.analytics_dir)
    written: list[WrittenPartition] = []
    compacted: list[Path] = []
    exported = idle = 0
    with pg.database(name="mf-dagster-exports") as db:
        ready, pending = select_tenants(db, day, config.tenant_ids)
        for tenant in ready:
            parts = export_tenant_day(db, root, window(db, tenant.id, day, tenant.timezone))
            if parts is None:
                idle += 1
                continue
            exported += 1
            written += parts
            monthly = compact_month(root, tenant.id, day)
            if monthly is not None:
                compacted.append(monthly)
    if pending:
        context.log.info(f"day {day} is not over yet for tenants {pending}; run them later")
    rows_by_dataset = {d: sum(p.rows for p in written if p.dataset == d) for d in DATASETS}
    return dg.MaterializeResult(metadata={
        "root": dg.MetadataValue.path(str(root)),
        "tenants": exported, "tenants_idle": idle, "tenants_pending": len(pending),
        "files": len(written),
        "monthly_files": len(compacted),
        "rows": sum(p.rows for p in written),
        **{f"rows_{d}": n for d, n in rows_by_dataset.items()},
    })


analytics_export_job = dg.define_asset_job(
    "analytics_export_job", selection=[analytics_parquet_export],
    tags={"messageflow/pipeline": "daily"})
analytics_export_schedule = tenant_midnight_schedule(
    analytics_export_job, "analytics_parquet_export", 25)

defs = dg.Definitions(assets=[analytics_parquet_export], jobs=[analytics_export_job],
                      schedules=[analytics_export_schedule])
