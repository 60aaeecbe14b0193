"""A tenant-day's export with its manifest, and the catch-up of the tenant's changed days (the
Dagster asset `analytics_parquet_export` in pipelines/exports.py calls these).

`export_tenant_day` writes a tenant's local day through `analytics.export.export_day` and
records its manifest (`analytics.freshness`: when, and a fingerprint of its source rows read just
before). A day with no traffic and no LLM calls is skipped unless an earlier export left
partitions there, which are then replaced (with empty ones), so idle tenants do not accumulate
empty files and stale partitions never survive a re-run.

`stale_days` finds the tenant's earlier days whose rows no longer match their manifest
(back-dated traffic into an idle or exported day, deleted rows, days exported before manifests
existed), newest first, at most CATCH_UP_DAYS; `catch_up` exports them again. Without this,
traffic replayed or imported for an older day never reached the analytics.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analytics.export import WrittenPartition, export_day
from analytics.freshness import Fingerprint, changed_days, day_fingerprints, write_manifest
from analytics.live import read_day_active_from_pg
from analytics.schema import DATASETS, partition_dir
from webapp.db import Database
from webapp.tenants.days import Tenant, TenantDay, window

CATCH_UP_DAYS = 14  # changed earlier days re-exported per tenant and run

_EMPTY = Fingerprint()
_T0 = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # window bounds unused where only the day matters


def has_partitions(root: Path, day: TenantDay) -> bool:
    """Whether an earlier export left any dataset's partition of the tenant-day."""
    return any(partition_dir(root, d, day.tenant_id, day.day).is_dir() for d in DATASETS)


def export_tenant_day(db: Database, root: Path, day: TenantDay) -> list[WrittenPartition] | None:
    """Export one tenant-day and record its manifest (None when it is idle and was never
    exported)."""
    with db.tenant(day.tenant_id) as conn:
        active = read_day_active_from_pg(conn, day.tenant_id, day.start, day.end)
        if not active and not has_partitions(root, day):
            return None
        # Read before the rows: a row landing in between shows as a change next time.
        fingerprint = day_fingerprints(conn, day.tenant_id, day.day, day.day, day.timezone)
        parts = export_day(conn, root, day.tenant_id, day.day, tz=day.timezone)
    write_manifest(root, day.tenant_id, day.day, fingerprint.get(day.day, _EMPTY))
    return parts


def stale_days(db: Database, root: Path, tenant: Tenant, before: dt.date,
               first: dt.date) -> list[dt.date]:
    """The tenant's days of [first, before) whose rows changed since their export, newest first,
    at most CATCH_UP_DAYS."""
    last = before - dt.timedelta(days=1)
    if last < first:
        return []
    with db.tenant(tenant.id) as conn:
        now = day_fingerprints(conn, tenant.id, first, last, tenant.timezone)

    def has_files(day: dt.date) -> bool:
        return has_partitions(root, TenantDay(tenant.id, day, tenant.timezone, _T0, _T0))

    return changed_days(root, tenant.id, now, first, last, has_files)[:CATCH_UP_DAYS]


def catch_up(db: Database, root: Path, tenant: Tenant, before: dt.date,
             first: dt.date) -> tuple[list[dt.date], list[WrittenPartition]]:
    """Re-export the tenant's changed days of [first, before) (see stale_days); the days
    re-exported and the partitions written."""
    done: list[dt.date] = []
    written: list[WrittenPartition] = []
    for stale in stale_days(db, root, tenant, before, first):
        parts = export_tenant_day(db, root, window(db, tenant.id, stale, tenant.timezone))
        if parts is not None:
            written += parts
            done.append(stale)
    return done, written
