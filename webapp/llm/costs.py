"""Cost rollups of the LLM ledger and monthly budget alerts (the Dagster assets in
pipelines/costs.py call these).

`llm_cost_daily` (grain: tenant x provider x model x feature x tenant-local day) is rebuilt per
tenant-day from `llm_usage_logs`: one transaction takes an advisory lock on the tenant-day,
deletes the day's rows and inserts the new aggregate, so a re-run replaces the day. The local day
matches the Parquet export (same window, same numbers as its llm_cost_daily).

`llm_budget_alerts` (key: tenant, provider, UTC month, threshold) records when a provider's
month-to-date spend reaches 80% and 100% of its monthly budget (UTC months, as the limits
enforce budgets). The insert is `on conflict do nothing`, and only the rows it actually
inserted append a `provider.budget` event in the same statement, so the realtime feed pushes
each alert once; the same transaction notifies the tenant's admins and owners of each
(`budget` notifications, once per provider, month and threshold).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from webapp.db import Database
from webapp.db.queries import load
from webapp.notifications import service as notifications
from webapp.tenants.days import TenantDay

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
