"""Cost rollups of the LLM ledger and monthly budget alerts.

`llm_cost_daily` (grain: tenant x provider x model x feature x tenant-local day) is rebuilt per
partition from `llm_usage_logs`: per tenant, one transaction takes an advisory lock on the
tenant-day, deletes the day's rows and inserts the new aggregate, so a re-run replaces the day.
The local day matches the Parquet export (same window, same numbers as its llm_cost_daily).

`llm_budget_alerts` (key: tenant, provider, UTC month, threshold) records when a provider's
month-to-date spend reaches 80% and 100% of its monthly budget (UTC months, as the limits
enforce budgets). The insert is `on conflict do nothing`, and only the rows it actually
inserted append a `provider.budget` event in the same statement, so the realtime feed pushes
each alert once; the same transaction notifies the tenant's admins and owners of each
(`budget` notifications, once per provider, month and threshold). The check runs after
every rollup (for the partition's month) and hourly on its own (for the current month).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dagster as dg

from pipelines.daily import (
    DAILY,
    TenantDay,
    TenantDayConfig,
    list_tenants,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.db import Database
from webapp.db.queries import load
from webapp.notifications import service as notifications

Q = load(__file__)


@dataclass(frozen=True)
class BudgetAlert:
    """An alert this check inserted (and pushed as a provider.budget event)."""

    id: int
    tenant_id: int
    provider_id: int
    threshold: int


def month_of(day: dt.date) -> dt.date:
    """The first day of the day's month."""
    return day.replace(day=1)


def rebuild_cost_day(db: Database, day: TenantDay) -> int:
    """Replace one tenant's llm_cost_daily rows of its local day; returns the row count."""
    with db.tenant(day.tenant_id) as conn:
        conn.execute(Q.lock_cost_day, {"day": day.day})
        conn.execute(Q.delete_cost_day, {"day": day.day})
        cur = conn.execute(Q.insert_cost_day,
                           {"day": day.day, "start": day.start, "end": day.end})
        return max(cur.rowcount, 0)


def check_budgets(db: Database, tenant_id: int, month: dt.date) -> list[BudgetAlert]:
    """Record the budget thresholds the tenant's providers crossed in the UTC month."""
    with db.tenant(tenant_id, events=True) as conn:
        rows = conn.execute(Q.insert_budget_alerts, {"month": month_of(month)}).fetchall()
        admins = notifications.members_with_roles(conn, ["admin", "owner"]) if rows else []
        for r in rows:  # each alert is inserted once, so each notifies once
            notifications.notify(
                conn, tenant_id=tenant_id, user_ids=admins, kind="budget",
                title=f"LLM budget {r['threshold']}% reached: {r['provider_name']}",
                body=f"${r['spend_usd']:.2f} of ${r['budget_usd']:.2f} this month.",
                link="/app/settings/llm",
                dedupe_key=f"budget:{r['provider_id']}:{month_of(month)}:{r['threshold']}")
    return [BudgetAlert(int(r["id"]), tenant_id, int(r["provider_id"]), int(r["threshold"]))
            for r in rows]


def _alert_metadata(alerts: list[BudgetAlert]) -> dict[str, Any]:
    return {"alerts_raised": len(alerts),
            "alerts": dg.MetadataValue.json([vars(a) for a in alerts])}


@dg.asset(partitions_def=DAILY, group_name="daily", kinds={"postgres"},
          description="The LLM ledger by tenant, provider, model, feature and local day; "
                      "then the month's budget alerts.")
def llm_cost_daily(context: dg.AssetExecutionContext, config: TenantDayConfig,
                   pg: PostgresResource) -> dg.MaterializeResult[Any]:
    """Rebuild partition day D for every ready tenant (or the configured ones)."""
    day = partition_day(context)
    rows = 0
    alerts: list[BudgetAlert] = []
    with pg.database(name="mf-dagster-costs") as db:
        ready, pending = select_tenants(db, day, config.tenant_ids)
        for tenant in ready:
            rows += rebuild_cost_day(db, window(db, tenant.id, day, tenant.timezone))
            alerts += check_budgets(db, tenant.id, month_of(day))
    if pending:
        context.log.info(f"day {day} is not over yet for tenants {pending}; run them later")
    return dg.MaterializeResult(metadata={
        "rows": rows, "tenants": len(ready), "tenants_pending": len(pending),
        **_alert_metadata(alerts)})


@dg.asset(group_name="daily", kinds={"postgres"},
          description="Budget alerts (80% and 100% of a provider's monthly budget) for the "
                      "current UTC month, each recorded and pushed once.")
def llm_budget_alerts(context: dg.AssetExecutionContext,
                      pg: PostgresResource) -> dg.MaterializeResult[Any]:
    """Check every tenant's budgeted providers against this month's spend."""
    month = month_of(dt.datetime.now(dt.UTC).date())
    alerts: list[BudgetAlert] = []
    with pg.database(name="mf-dagster-budgets") as db:
        tenants = list_tenants(db)
        for tenant in tenants:
            alerts += check_budgets(db, tenant.id, month)
    return dg.MaterializeResult(metadata={
        "month": month.isoformat(), "tenants": len(tenants), **_alert_metadata(alerts)})


llm_cost_daily_job = dg.define_asset_job(
    "llm_cost_daily_job", selection=[llm_cost_daily], tags={"messageflow/pipeline": "daily"})
llm_cost_daily_schedule = tenant_midnight_schedule(llm_cost_daily_job, "llm_cost_daily", 5)
llm_budget_alerts_job = dg.define_asset_job(
    "llm_budget_alerts_job", selection=[llm_budget_alerts])
llm_budget_alerts_schedule = dg.ScheduleDefinition(
    name="llm_budget_alerts_schedule", job=llm_budget_alerts_job, cron_schedule="35 * * * *",
    execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly budget check of the current month.")

defs = dg.Definitions(
    assets=[llm_cost_daily, llm_budget_alerts],
    jobs=[llm_cost_daily_job, llm_budget_alerts_job],
    schedules=[llm_cost_daily_schedule, llm_budget_alerts_schedule],
)
