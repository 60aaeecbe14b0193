"""Cached data helpers for the pages: connections, live rows and the analytics queries.

Pages never see SQL or connections. Every query helper takes the signed-in Principal, checks
its role where costs are involved, and is cached per (analytics dir, tenant, arguments).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from analytics import queries as q
from analytics.live import (
    read_budgets_from_pg,
    read_message_stats_from_pg,
    read_tenant_timezone,
    read_usage_from_pg,
)
from analytics.schema import DATASETS, LLM_USAGE
from analytics.views import LiveRows, connect, partition_days
from webapp.config import Settings
from webapp.db import Database
from webapp.security import rbac
from webapp.security.principal import Principal

TTL_S = 60
LIVE_DAYS = 2  # recent days read live while their export has not run yet
Providers = tuple[int, ...] | None


class CostsForbidden(PermissionError):
    """The member's role may not see LLM usage and costs (manager and above may)."""


def can_see_costs(user: Principal) -> bool:
    """Costs and LLM usage are for managers and above (the app's one permission table)."""
    return rbac.allowed(user.role, "costs.read") and rbac.allowed(user.role, "llm.usage.read")


def _require_costs(user: Principal) -> None:
    if not can_see_costs(user):
        raise CostsForbidden(f"role {user.role!r} may not see LLM usage and costs")


def analytics_dir() -> str:
    """The exports' root: Settings.analytics_dir (ANALYTICS_DIR, by default
    $MESSAGEFLOW_HOME/analytics), as the Dagster export resolves it."""
    return str(Settings.from_env().analytics_dir)


def database_url() -> str | None:
    """DATABASE_URL from the environment (None when unset)."""
    return Settings.from_env().database_url


@st.cache_resource(show_spinner=False)
def _database(dsn: str) -> Database:
    db = Database(dsn, min_size=1, max_size=4, name="mf-streamlit")
    db.open()
    return db


def database() -> Database | None:
    """The process's pool (RLS-bound app role), or None without DATABASE_URL."""
    dsn = database_url()
    return _database(dsn) if dsn else None


@st.cache_resource(show_spinner=False)
def duck() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB database; each query takes its own cursor."""
    return connect()


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _live(root: str, dsn: str, tenant_id: int) -> LiveRows:
    """Today's rows and those of recent days not exported yet, under the tenant's RLS."""
    # Days are the tenant's (time zone); LIVE_DAYS bounds how far back an export may lag.
    with _database(dsn).tenant(tenant_id) as conn:
        tz = read_tenant_timezone(conn, tenant_id)
        today = dt.datetime.now(dt.UTC).astimezone(_zone(tz)).date()
        exported = set(partition_days(Path(root), LLM_USAGE, tenant_id))
        days = [today] + [today - dt.timedelta(days=n) for n in range(1, LIVE_DAYS + 1)
                          if today - dt.timedelta(days=n) not in exported]
        usage = pl.concat([read_usage_from_pg(conn, tenant_id, day, tz) for day in days])
        stats = pl.concat([read_message_stats_from_pg(conn, tenant_id, day, tz)
                           for day in days])
    return LiveRows(frozenset(days), usage, stats)


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def live_rows(root: str, tenant_id: int, end: dt.date) -> LiveRows | None:
    """Live rows when the range reaches the last few days and a database is configured."""
    dsn = database_url()
    if not dsn or end < dt.date.today() - dt.timedelta(days=LIVE_DAYS + 1):
        return None
    return _live(root, dsn, tenant_id)


EMPTY_BUDGETS = pl.DataFrame(schema={"provider_id": pl.Int64, "provider_name": pl.String,
                                    "monthly_budget_usd": pl.Float64})


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _comparison(root: str, tenant_id: int, start: dt.date, end: dt.date,
                providers: Providers) -> pl.DataFrame:
    return q.provider_comparison(duck(), Path(root), tenant_id, start, end,
                                 provider_ids=providers, live=live_rows(root, tenant_id, end))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _spend(root: str, tenant_id: int, start: dt.date, end: dt.date, providers: Providers,
           by: q.SpendDimension) -> pl.DataFrame:
    return q.spend_by_day(duck(), Path(root), tenant_id, start, end, by=by,
                          provider_ids=providers, live=live_rows(root, tenant_id, end))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _month(root: str, tenant_id: int, as_of: dt.date, providers: Providers) -> pl.DataFrame:
    return q.month_to_date(duck(), Path(root), tenant_id, as_of, provider_ids=providers,
                           live=live_rows(root, tenant_id, as_of))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _burn(root: str, dsn: str | None, tenant_id: int, as_of: dt.date) -> pl.DataFrame:
    plan = EMPTY_BUDGETS
    if dsn:
        with _database(dsn).tenant(tenant_id) as conn:
            plan = read_budgets_from_pg(conn, tenant_id)
    return q.budget_burn(duck(), Path(root), tenant_id, as_of, plan,
                         live=live_rows(root, tenant_id, as_of))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _breakdown(root: str, tenant_id: int, start: dt.date, end: dt.date,
               providers: Providers) -> pl.DataFrame:
    return q.cost_breakdown(duck(), Path(root), tenant_id, start, end, provider_ids=providers,
                            live=live_rows(root, tenant_id, end))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _top(root: str, tenant_id: int, start: dt.date, end: dt.date, providers: Providers,
         limit: int) -> pl.DataFrame:
    return q.top_conversations(duck(), Path(root), tenant_id, start, end, limit=limit,
                               provider_ids=providers, live=live_rows(root, tenant_id, end))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _providers(root: str, tenant_id: int, start: dt.date, end: dt.date) -> pl.DataFrame:
    return q.providers_seen(duck(), Path(root), tenant_id, start, end,
                            live=live_rows(root, tenant_id, end))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _traffic(root: str, tenant_id: int, start: dt.date, end: dt.date,
             by: q.TrafficBucket) -> pl.DataFrame:
    return q.traffic(duck(), Path(root), tenant_id, start, end, by=by,
                     live=live_rows(root, tenant_id, end))


def provider_comparison(user: Principal, start: dt.date, end: dt.date,
                        providers: Providers = None) -> pl.DataFrame:
    """Per-provider comparison for the user's tenant (managers and above)."""
    _require_costs(user)
    return _comparison(analytics_dir(), user.tenant_id, start, end, providers)


def spend_by_day(user: Principal, start: dt.date, end: dt.date, providers: Providers = None,
                 by: q.SpendDimension = "provider") -> pl.DataFrame:
    """Daily calls, tokens and spend by provider, feature or model (managers and above)."""
    _require_costs(user)
    return _spend(analytics_dir(), user.tenant_id, start, end, providers, by)


def month_to_date(user: Principal, as_of: dt.date, providers: Providers = None) -> pl.DataFrame:
    """Month-to-date spend and projection per provider (managers and above)."""
    _require_costs(user)
    return _month(analytics_dir(), user.tenant_id, as_of, providers)


def budget_burn(user: Principal, as_of: dt.date) -> pl.DataFrame:
    """Month-to-date spend against each provider's monthly budget (managers and above)."""
    _require_costs(user)
    return _burn(analytics_dir(), database_url(), user.tenant_id, as_of)


def cost_breakdown(user: Principal, start: dt.date, end: dt.date,
                   providers: Providers = None) -> pl.DataFrame:
    """provider x feature x model x day (managers and above)."""
    _require_costs(user)
    return _breakdown(analytics_dir(), user.tenant_id, start, end, providers)


def top_conversations(user: Principal, start: dt.date, end: dt.date,
                      providers: Providers = None, limit: int = 10) -> pl.DataFrame:
    """The conversations whose LLM calls cost most (managers and above)."""
    _require_costs(user)
    return _top(analytics_dir(), user.tenant_id, start, end, providers, limit)


def providers_seen(user: Principal, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Providers used in the period, for the filter (managers and above)."""
    _require_costs(user)
    return _providers(analytics_dir(), user.tenant_id, start, end)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _day_sources(root: str, tenant_id: int, start: dt.date,
                 end: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    live = live_rows(root, tenant_id, end)
    live_days = sorted(d for d in (live.days if live else ()) if start <= d <= end)
    stored = {d for dataset in DATASETS for d in partition_days(Path(root), dataset, tenant_id)}
    exported = sorted(d for d in stored if start <= d <= end and d not in live_days)
    return live_days, exported


def day_sources(user: Principal, start: dt.date,
                end: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """(days of the range read live from the database, days read from the export)."""
    return _day_sources(analytics_dir(), user.tenant_id, start, end)


def traffic(user: Principal, start: dt.date, end: dt.date,
            by: q.TrafficBucket = "day") -> pl.DataFrame:
    """Message volume and first-response times (every role)."""
    return _traffic(analytics_dir(), user.tenant_id, start, end, by)
