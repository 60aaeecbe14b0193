"""A tenant's local days: its time zone, and a day as a half-open UTC window.

Shared by everything that works per tenant-local day: the daily summaries (API and pipeline),
cost rollups and exports. PostgreSQL cuts the window, exactly as the Parquet export does.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from webapp.db import Database
from webapp.db.queries import load

Q = load(__file__)
log = logging.getLogger(__name__)


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
