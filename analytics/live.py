"""Live rows: a tenant's day read from PostgreSQL (under RLS), shaped like the Parquet datasets.

The exporter (analytics.export.export_day) writes what these readers return for a finished
day; Streamlit (streamlit_app.data) reads today's rows, and those of recent days not exported
yet, and lets them replace those days' files (analytics.views.LiveRows). Every reader takes a
connection from `webapp.db.Database.tenant(tenant_id)` and refuses any other. Days are local
days in the time zone given (the tenant's, `read_tenant_timezone`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from psycopg import Connection
from psycopg.rows import tuple_row

from analytics.schema import LLM_USAGE, MESSAGE_STATS, check_day, check_tenant, full_schema
from webapp.db.queries import load

Q = load(__file__)

PgConn = Connection[Any]

BUDGET_SCHEMA: dict[str, pl.DataType] = {
    "provider_id": pl.Int64(), "provider_name": pl.String(), "provider_kind": pl.String(),
    "model": pl.String(), "monthly_budget_usd": pl.Float64(),
}


def _check_context(conn: PgConn, tenant_id: int) -> None:
    """Refuse a connection whose transaction is not scoped to this tenant (RLS must apply)."""
    row = conn.cursor(row_factory=tuple_row).execute(Q.select_current_tenant).fetchone()
    if row is None or row[0] != tenant_id:
        raise PermissionError(
            f"connection is not in tenant {tenant_id}'s context; use Database.tenant()"
        )


def _fetch(conn: PgConn, query: str, params: dict[str, Any], dataset: str) -> pl.DataFrame:
    """Run a named query and load its rows into a frame with the dataset's full schema."""
    cur = conn.cursor(row_factory=tuple_row)
    rows = cur.execute(query, params).fetchall()
    names = [col.name for col in cur.description or ()]
    schema = full_schema(dataset)
    frame = pl.DataFrame(rows, schema={name: schema[name] for name in names}, orient="row")
    return frame.select(list(schema))


def read_usage_from_pg(
    conn: PgConn, tenant_id: int, day: dt.date, tz: str = "UTC",
) -> pl.DataFrame:
    """The tenant's llm_usage_logs rows of one day (in time zone tz) as an llm_usage frame."""
    _check_context(conn, check_tenant(tenant_id))
    params = {"tenant_id": tenant_id, "day": check_day(day), "tz": tz}
    return _fetch(conn, Q.select_usage_day, params, LLM_USAGE)


def read_message_stats_from_pg(
    conn: PgConn, tenant_id: int, day: dt.date, tz: str = "UTC",
) -> pl.DataFrame:
    """The tenant's traffic of one day (in time zone tz) by hour, as a message_stats frame."""
    _check_context(conn, check_tenant(tenant_id))
    params = {"tenant_id": tenant_id, "day": check_day(day), "tz": tz}
    return _fetch(conn, Q.select_message_stats_day, params, MESSAGE_STATS)


def read_day_active_from_pg(
    conn: PgConn, tenant_id: int, start: dt.datetime, end: dt.datetime,
) -> bool:
    """Whether the tenant had traffic or LLM calls in its local day [start, end) (the UTC
    bounds of `webapp.tenants.days.window`)."""
    _check_context(conn, check_tenant(tenant_id))
    row = conn.cursor(row_factory=tuple_row).execute(
        Q.select_day_active, {"start": start, "end": end}).fetchone()
    return bool(row and row[0])


def read_budgets_from_pg(conn: PgConn, tenant_id: int) -> pl.DataFrame:
    """The tenant's providers and monthly budgets (provider_id, names, monthly_budget_usd)."""
    _check_context(conn, check_tenant(tenant_id))
    cur = conn.cursor(row_factory=tuple_row)
    rows = cur.execute(Q.select_provider_budgets, {"tenant_id": tenant_id}).fetchall()
    return pl.DataFrame(rows, schema=BUDGET_SCHEMA, orient="row")


def read_tenant_timezone(conn: PgConn, tenant_id: int) -> str:
    """The tenant's time zone name (UTC when unset)."""
    _check_context(conn, check_tenant(tenant_id))
    row = conn.cursor(row_factory=tuple_row).execute(
        Q.select_tenant_timezone, {"tenant_id": tenant_id}).fetchone()
    return str(row[0]) if row and row[0] else "UTC"
