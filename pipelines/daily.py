"""Daily partitions in each tenant's time zone, shared by summaries, cost rollups and exports.

Partition key D means "each tenant's local day D" (`tenants.timezone`). The partitions are laid
out in UTC+14, the earliest time zone, so D becomes a partition as soon as the first tenant's day
D is over; a run of D processes the tenants whose day D has ended ("ready") and reports the rest
as pending, so a partial day is never written. The hourly schedules launch one run per tenant
shortly after that tenant's midnight (tenant id in run config and tags); a backfill or a manual
materialization without config processes every tenant.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.resources import PostgresResource
from webapp.tenants.days import (
    Tenant,
    TenantDay,
    day_end,
    list_tenants,
    safe_timezone,
    select_tenants,
    window,
)

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

log = logging.getLogger(__name__)

START_DATE = "2026-11-01"
# Etc/GMT-14 is UTC+14 (POSIX signs are inverted): the first zone in which a day ends.
PARTITION_TIMEZONE = "Etc/GMT-14"
DAILY = dg.DailyPartitionsDefinition(
    start_date=START_DATE, timezone=PARTITION_TIMEZONE, end_offset=0)
TENANT_TAG = "messageflow/tenant"


class TenantDayConfig(dg.Config):
    """Which tenants a run of a daily partition processes (empty: every tenant)."""

    tenant_ids: list[int] = []


def partition_day(context: dg.AssetExecutionContext) -> dt.date:
    """The partition key of the run as a date."""
    return dt.date.fromisoformat(context.partition_key)


def midnight_requests(tenants: list[Tenant], tick: dt.datetime, asset_name: str,
                      period: dt.timedelta = dt.timedelta(hours=1)) -> Iterator[dg.RunRequest]:
    """One run per tenant whose local midnight fell in (tick - period, tick]: its yesterday."""
    for tenant in tenants:
        local_today = tick.astimezone(ZoneInfo(tenant.timezone)).date()
        yesterday = local_today - dt.timedelta(days=1)
        midnight = day_end(yesterday, tenant.timezone)
        if not tick - period < midnight <= tick:
            continue
        if yesterday < dt.date.fromisoformat(START_DATE):
            continue
        key = yesterday.isoformat()
        yield dg.RunRequest(
            run_key=f"{asset_name}:{key}:{tenant.id}",
            partition_key=key,
            run_config={"ops": {asset_name: {"config": {"tenant_ids": [tenant.id]}}}},
            tags={TENANT_TAG: str(tenant.id)},
        )


def tenant_midnight_schedule(job: "UnresolvedAssetJobDefinition", asset_name: str,
                             minute: int) -> dg.ScheduleDefinition:
    """An hourly schedule (at `minute`) that runs `job` for each tenant after its midnight."""

    @dg.schedule(name=f"{asset_name}_schedule", job=job, cron_schedule=f"{minute} * * * *",
                 execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Each tenant's previous local day, shortly after its midnight.")
    def _schedule(context: dg.ScheduleEvaluationContext,
                  pg: PostgresResource) -> Iterator[dg.RunRequest]:
        tick = (context.scheduled_execution_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        with pg.database(name="mf-dagster-schedule") as db:
            tenants = list_tenants(db)
        yield from midnight_requests(tenants, tick, asset_name)

    return _schedule


# The tenant-day helpers live in webapp.tenants.days; re-exported for the Dagster modules.
__all__ = ["Tenant", "TenantDay", "day_end", "list_tenants", "safe_timezone", "select_tenants",
           "window"]
