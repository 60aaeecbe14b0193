"""The daily summaries asset: partition day D for every tenant whose day D is over.

The work (digest and conversation summaries of a tenant's local day, idempotent per day) is
`webapp.analysis.daily_summaries.summarize_tenant_day`, which the API calls too; this module is the
Dagster wiring: partitions, config, run metadata, the per-tenant midnight schedule.
"""

from typing import Any

import dagster as dg

from pipelines.daily import (
    DAILY,
    TENANT_TAG,
    TenantDayConfig,
    partition_day,
    select_tenants,
    tenant_midnight_schedule,
    window,
)
from pipelines.resources import PostgresResource
from webapp.analysis.daily_summaries import TenantOutcome, summarize_tenant_day, usage_totals
from webapp.desk_home.daily import record_failure
from webapp.llm.routing import LLMContext


class DailySummariesConfig(TenantDayConfig):
    """Tenants to process (empty: all) and how many conversations are summarised at once."""

    max_workers: int = 8


@dg.asset(partitions_def=DAILY, group_name="daily", kinds={"postgres"},
          description="Each tenant's digest and conversation summaries of its local day.")
def daily_summaries(context: dg.AssetExecutionContext, config: DailySummariesConfig,
                    pg: PostgresResource) -> dg.MaterializeResult[Any]:
    """Summarise partition day D for every ready tenant (or the configured ones)."""
    day = partition_day(context)
    outcomes: list[TenantOutcome] = []
    failed: list[int] = []
    with pg.database(name="mf-dagster-summaries") as db:
        ctx = LLMContext(db, pg.secret_box())
        ready, pending = select_tenants(db, day, config.tenant_ids)
        for tenant in ready:
            try:
                outcomes.append(summarize_tenant_day(
                    ctx, window(db, tenant.id, day, tenant.timezone), config.max_workers))
            except Exception as exc:  # the other tenants still get their day; the run fails
                context.log.exception(f"daily summary of tenant {tenant.id} for {day} failed")
                record_failure(db, tenant.id, day, exc)  # Home shows the day as failed
                failed.append(tenant.id)
        totals = usage_totals(ctx, outcomes)
    if pending:
        context.log.info(f"day {day} is not over yet for tenants {pending}; run them later")
    if failed:
        raise dg.Failure(f"daily summaries failed for tenants {failed}",
                         metadata={"failed_tenants": str(failed)})
    return dg.MaterializeResult(metadata={
        "tenants": len(outcomes),
        "tenants_pending": len(pending),
        "digests": sum(o.digest_id is not None for o in outcomes),
        "conversations_summarised": sum(o.conversations for o in outcomes),
        "failures": sum(o.failures for o in outcomes),
        "llm_calls": totals.calls,
        "input_tokens": totals.input_tokens,
        "output_tokens": totals.output_tokens,
        "cost_usd": float(totals.cost_usd),
    })


daily_summaries_job = dg.define_asset_job(
    "daily_summaries_job", selection=[daily_summaries], tags={"messageflow/pipeline": "daily"})
daily_summaries_schedule = tenant_midnight_schedule(daily_summaries_job, "daily_summaries", 15)

defs = dg.Definitions(assets=[daily_summaries], jobs=[daily_summaries_job],
                      schedules=[daily_summaries_schedule])

__all__ = ["TENANT_TAG", "daily_summaries", "defs", "summarize_tenant_day"]
