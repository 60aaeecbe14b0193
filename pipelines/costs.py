"""Dagster wiring of the LLM cost rollup and the monthly budget alerts.

The work is `webapp.llm.costs`: `rebuild_cost_day` replaces one tenant's `llm_cost_daily` rows
of its local day (from `llm_usage_logs`, under an advisory lock on the tenant-day), and
`check_budgets` records the 80% and 100% budget alerts of a UTC month once each, with their
`provider.budget` event and the admins' and owners' notifications. The asset `llm_cost_daily`
rebuilds partition day D for every ready tenant and then checks the budgets of D's month; the
asset `llm_budget_alerts` checks every tenant's budgets hourly for the current month.
"""

import datetime as dt
from typing import Any

import dagster as dg

from pipelines.daily import (
    DAILY,
    TenantDayConfig,
    list_tenants,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.llm.costs import BudgetAlert, check_budgets, month_of, rebuild_cost_day


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
