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
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg

from pipelines.resources import PostgresResource
from webapp.db import Database
from webapp.db.queries import load

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

Q = load(__file__)
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


@dataclass(frozen=True)
class Tenant:
    """A tenant and the time zone its days are cut in."""

    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class TenantDay:
    """One tenant's local day as a half-open UTC window [start, end)."""

    tenant_id: int
    day: dt.date
    timezone: str
    start: dt.datetime
    end: dt.datetime


def safe_timezone(name: str | None) -> str:
    """The tenant's time zone name when Python and PostgreSQL know it, else UTC."""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; using UTC", name)
        return "UTC"
    return name or "UTC"


def list_tenants(db: Database) -> list[Tenant]:
    """Every tenant with its time zone (through the mf_list_tenants SECURITY DEFINER function)."""
    with db.system() as conn:
        rows = conn.execute(Q.select_tenants_with_timezones).fetchall()
    return [Tenant(int(r["id"]), r["name"], safe_timezone(r["timezone"])) for r in rows]


def day_end(day: dt.date, timezone: str) -> dt.datetime:
    """The UTC instant the tenant's local day ends (the next local midnight)."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(timezone))
    return midnight.astimezone(dt.UTC)


def window(db: Database, tenant_id: int, day: dt.date, timezone: str) -> TenantDay:
    """The tenant's day D as UTC bounds, cut by PostgreSQL exactly as the Parquet export cuts it."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute(Q.select_tenant_day_window, {"day": day, "tz": timezone}).fetchone()
    assert row is not None
    return TenantDay(tenant_id, day, timezone, row["start"], row["end"])


def select_tenants(db: Database, day: dt.date, tenant_ids: list[int],
                   now: dt.datetime | None = None) -> tuple[list[Tenant], list[int]]:
    """(tenants whose day D is over, ids of those whose day D is still running) for a run."""
    now = now or dt.datetime.now(dt.UTC)
    wanted = set(tenant_ids)
    ready: list[Tenant] = []
    pending: list[int] = []
    for tenant in list_tenants(db):
        if wanted and tenant.id not in wanted:
            continue
        if day_end(day, tenant.timezone) <= now:
            ready.append(tenant)
        else:
            pending.append(tenant.id)
    return ready, pending


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
