"""Typed analytics queries over one tenant's exports; each returns a polars DataFrame.

Every function takes the tenant explicitly and reads only that tenant's partitions (see
analytics.views). `live` adds today's rows read from PostgreSQL. Money is USD (float64); a
NULL cost means no call in the group was priced.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from analytics.schema import LLM_COST_DAILY, LLM_USAGE, MESSAGE_STATS, check_day
from analytics.views import LiveRows, all_partition_sources, tenant_views
from webapp.db.queries import load

Q = load(__file__)

Con = duckdb.DuckDBPyConnection
ProviderIds = Sequence[int] | None
SpendDimension = Literal["provider", "feature", "model"]
TrafficBucket = Literal["day", "hour", "weekday", "weekday_hour"]


def _providers(provider_ids: ProviderIds) -> dict[str, Any]:
    """Parameters of the provider filter (None = every provider; [] = none)."""
    ids = [int(i) for i in provider_ids] if provider_ids is not None else []
    return {"all_providers": provider_ids is None, "providers": ids or [-1]}


def _run(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, live: LiveRows | None,
    query: str, params: dict[str, Any] | None = None, dataset: str = LLM_USAGE,
) -> pl.DataFrame:
    """Run one named query on the tenant's view of one dataset for start..end."""
    with tenant_views(con, root, tenant_id, start, end, live, (dataset,)) as cur:
        return cur.sql(query, params=params or {}).pl()


def provider_comparison(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *,
    provider_ids: ProviderIds = None, live: LiveRows | None = None,
) -> pl.DataFrame:
    """Per provider: requests, success/invalid rates, latency, tokens, cost per 1k messages."""
    # Latency percentiles count successful calls; messages are those successful calls handled
    # (message_count of a batch, else 1 per message_id); human_override_rate is NULL until
    # overrides are recorded somewhere the export can read.
    return _run(con, root, tenant_id, start, end, live, Q.provider_comparison,
                _providers(provider_ids))


def spend_by_day(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *,
    by: SpendDimension = "provider", provider_ids: ProviderIds = None,
    live: LiveRows | None = None,
) -> pl.DataFrame:
    """Calls, tokens and spend per day and provider, feature or model (column named `by`)."""
    if by not in ("provider", "feature", "model"):
        raise ValueError(f"by must be provider, feature or model, got {by!r}")
    frame = _run(con, root, tenant_id, start, end, live, Q.spend_by_day,
                 {**_providers(provider_ids), "by": by}, LLM_COST_DAILY)
    return frame.rename({"key": by})


def month_to_date(
    con: Con, root: Path, tenant_id: int, as_of: dt.date, *,
    provider_ids: ProviderIds = None, live: LiveRows | None = None,
) -> pl.DataFrame:
    """Per provider: spend from the 1st of as_of's month to as_of, and its month-end projection."""
    # Straight line: spend / days elapsed x days in the month.
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    frame = _run(con, root, tenant_id, as_of.replace(day=1), as_of, live,
                 Q.spend_by_provider, _providers(provider_ids), LLM_COST_DAILY)
    return frame.with_columns(
        daily_avg_usd=pl.col("spend_usd") / as_of.day,
        projected_usd=pl.col("spend_usd") / as_of.day * days_in_month,
    )


def budget_burn(
    con: Con, root: Path, tenant_id: int, as_of: dt.date, budgets: pl.DataFrame, *,
    live: LiveRows | None = None,
) -> pl.DataFrame:
    """Per provider: month-to-date spend against its monthly budget, now and projected."""
    # budgets: provider_id, provider_name, monthly_budget_usd (live.read_budgets_from_pg).
    spend = month_to_date(con, root, tenant_id, as_of, live=live)
    plan = budgets.select(
        pl.col("provider_id").cast(pl.Int64), pl.col("provider_name").alias("budget_name"),
        pl.col("monthly_budget_usd").cast(pl.Float64),
    )
    frame = spend.join(plan, on="provider_id", how="full", coalesce=True).with_columns(
        provider_name=pl.coalesce("budget_name", "provider_name"),
        spend_usd=pl.col("spend_usd").fill_null(0.0),
        projected_usd=pl.col("projected_usd").fill_null(0.0),
    )
    budget = pl.when(pl.col("monthly_budget_usd") > 0).then(pl.col("monthly_budget_usd"))
    frame = frame.with_columns(
        burn_pct=100 * pl.col("spend_usd") / budget,
        projected_pct=100 * pl.col("projected_usd") / budget,
    ).with_columns(status=_budget_status())
    columns = ["provider_id", "provider_name", "monthly_budget_usd", "spend_usd", "burn_pct",
               "projected_usd", "projected_pct", "status"]
    return frame.select(columns).sort("burn_pct", "provider_id", descending=[True, False],
                                      nulls_last=True)


def _budget_status() -> pl.Expr:
    """A word for the burn: no budget, over budget, 80% used, projected over, on track."""
    return (
        pl.when(pl.col("burn_pct").is_null()).then(pl.lit("no budget"))
        .when(pl.col("burn_pct") >= 100).then(pl.lit("over budget"))
        .when(pl.col("burn_pct") >= 80).then(pl.lit("80% used"))
        .when(pl.col("projected_pct") > 100).then(pl.lit("projected over"))
        .otherwise(pl.lit("on track"))
    )


def traffic(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *,
    by: TrafficBucket = "day", live: LiveRows | None = None,
) -> pl.DataFrame:
    """Volume and first-response seconds per day, hour, ISO weekday (1 = Monday) or both."""
    # The mean is exact; p50/p90 over several day-hour cells are the response-weighted means of
    # the hourly percentiles (an approximation: percentiles do not add up).
    keys = {"day": ["date"], "hour": ["hour"], "weekday": ["weekday"],
            "weekday_hour": ["weekday", "hour"]}.get(by)
    if keys is None:
        raise ValueError(f"by must be day, hour, weekday or weekday_hour, got {by!r}")
    cells = _run(con, root, tenant_id, start, end, live, Q.traffic_cells, dataset=MESSAGE_STATS)
    weight = pl.col("responses").cast(pl.Float64)
    has_p50 = pl.col("first_response_p50_s").is_not_null()
    has_p90 = pl.col("first_response_p90_s").is_not_null()
    return cells.group_by(keys).agg(
        inbound=pl.col("inbound").sum(),
        outbound=pl.col("outbound").sum(),
        conversations=pl.col("conversations").sum(),
        responses=pl.col("responses").sum(),
        first_response_avg_s=pl.col("first_response_s_sum").sum()
        / pl.col("responses").sum().replace(0, None),
        first_response_p50_s=(pl.col("first_response_p50_s") * weight).filter(has_p50).sum()
        / weight.filter(has_p50).sum().replace(0.0, None),
        first_response_p90_s=(pl.col("first_response_p90_s") * weight).filter(has_p90).sum()
        / weight.filter(has_p90).sum().replace(0.0, None),
    ).sort(keys)


def top_conversations(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *, limit: int = 10,
    provider_ids: ProviderIds = None, live: LiveRows | None = None,
) -> pl.DataFrame:
    """The conversations whose LLM calls cost most: calls, cost, tokens, features, first/last."""
    params = {**_providers(provider_ids), "limit": max(1, int(limit))}
    return _run(con, root, tenant_id, start, end, live, Q.top_conversations, params)


def cost_breakdown(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *,
    provider_ids: ProviderIds = None, live: LiveRows | None = None,
) -> pl.DataFrame:
    """provider x feature x model x day: calls, failures, tokens, cost (from the daily rollup)."""
    return _run(con, root, tenant_id, start, end, live, Q.cost_breakdown,
                _providers(provider_ids), LLM_COST_DAILY)


def cost_breakdown_all_tenants(con: Con, root: Path, start: dt.date, end: dt.date) -> pl.DataFrame:
    """tenant_id plus cost_breakdown's columns, over every tenant's exports (operator only)."""
    start, end = check_day(start), check_day(end)
    files, monthly = all_partition_sources(root, LLM_COST_DAILY, start, end)
    if not files and not monthly:
        return pl.DataFrame(schema=ALL_TENANTS_BREAKDOWN)
    cur = con.cursor()
    try:
        if not monthly:
            return cur.sql(Q.cost_breakdown_all_tenants, params={"files": files}).pl()
        # Whole months come from the monthly compactions (one file per tenant-month), the rest
        # from daily files: both shaped alike, unioned, then the same breakdown.
        rows = cur.sql(Q.all_tenants_monthly_rows, params={
            "monthly_files": monthly, "monthly_start": start, "monthly_end": end})
        if files:
            rows = cur.sql(Q.all_tenants_daily_rows, params={"files": files}).union(rows)
        cur.register("cost_rows", rows)
        return cur.sql(Q.cost_breakdown_all_tenant_rows).pl()
    finally:
        cur.close()


ALL_TENANTS_BREAKDOWN: dict[str, pl.DataType] = {
    "tenant_id": pl.Int64(), "date": pl.Date(), "provider_id": pl.Int64(),
    "provider_name": pl.String(), "feature": pl.String(), "model": pl.String(),
    "calls": pl.Int64(), "failures": pl.Int64(), "input_tokens": pl.Int64(),
    "output_tokens": pl.Int64(), "cost_usd": pl.Float64(), "unpriced_calls": pl.Int64(),
}


def providers_seen(
    con: Con, root: Path, tenant_id: int, start: dt.date, end: dt.date, *,
    live: LiveRows | None = None,
) -> pl.DataFrame:
    """provider_id, provider_name, provider_kind of every provider used in start..end."""
    return _run(con, root, tenant_id, start, end, live, Q.providers_seen,
                dataset=LLM_COST_DAILY)
