"""webapp.llm.costs on its own: one tenant-day's llm_cost_daily rows replaced from the ledger of
its local day, and budget alerts that notify the tenant's admins and owners once each (the
Dagster assets over these: tests/pipelines/test_costs.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests import factories as make
from tests.webapp.llm.test_support import add_usage
from webapp.db import Database
from webapp.llm.costs import check_budgets, month_of, rebuild_cost_day
from webapp.realtime.service import events_since
from webapp.tenants.days import window
from webapp.tenants.service import create_tenant

UTC = dt.UTC
DAY = dt.date(2026, 11, 20)


def _select(db: Database, tenant_id: int, sql: str, *args: Any) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return conn.execute(sql, args).fetchall()


def test_month_of() -> None:
    assert month_of(dt.date(2026, 11, 20)) == dt.date(2026, 11, 1)
    assert month_of(dt.date(2026, 12, 1)) == dt.date(2026, 12, 1)


def test_rebuild_cost_day_replaces_the_tenants_local_day(platform_db: Database,
                                                         database_url: str) -> None:
    tokyo = create_tenant(platform_db, "Rollup Tokyo", "Asia/Tokyo")
    other = create_tenant(platform_db, "Rollup bystander")
    provider = make.provider(platform_db, tokyo, "Tokyo")
    # 11-19 16:00 UTC is 01:00 on the 20th in Tokyo; 11-20 16:00 UTC is already the 21st.
    add_usage(database_url, tokyo, provider, dt.datetime(2026, 11, 19, 16, tzinfo=UTC),
              cost=Decimal("2"))
    add_usage(database_url, tokyo, provider, dt.datetime(2026, 11, 20, 14, tzinfo=UTC),
              cost=Decimal("0.5"), status="error")
    add_usage(database_url, tokyo, None, dt.datetime(2026, 11, 20, 10, tzinfo=UTC),
              cost=Decimal("0"), feature="daily_summary")
    add_usage(database_url, tokyo, provider, dt.datetime(2026, 11, 20, 16, tzinfo=UTC))
    add_usage(database_url, other, None, dt.datetime(2026, 11, 20, 10, tzinfo=UTC))
    day = window(platform_db, tokyo, DAY, "Asia/Tokyo")

    assert rebuild_cost_day(platform_db, day) == 2
    sql = ("select id, provider_id, feature, calls, failures, cost_usd from llm_cost_daily "
           "where day = %s order by provider_id nulls first")
    first = _select(platform_db, tokyo, sql, DAY)
    assert [(r["provider_id"], r["feature"], r["calls"], r["failures"], r["cost_usd"])
            for r in first] == [(None, "daily_summary", 1, 0, Decimal("0")),
                                (provider, "summarization", 2, 1, Decimal("2.5"))]
    assert rebuild_cost_day(platform_db, day) == 2  # a re-run replaces the day
    second = _select(platform_db, tokyo, sql, DAY)
    assert {r["id"] for r in first}.isdisjoint(r["id"] for r in second)
    assert [{k: v for k, v in r.items() if k != "id"} for r in second] == [
        {k: v for k, v in r.items() if k != "id"} for r in first]
    assert _select(platform_db, other, "select * from llm_cost_daily") == []


def test_budget_alerts_notify_admins_and_owners_once(platform_db: Database,
                                                     database_url: str) -> None:
    tenant = create_tenant(platform_db, "Budget notifications")
    owner, admin, member = (make.user(platform_db, tenant, role)
                            for role in ("owner", "admin", "member"))
    provider = make.provider(platform_db, tenant, "Watched", budget=Decimal("10"))
    add_usage(database_url, tenant, provider, dt.datetime(2026, 10, 2, 9, tzinfo=UTC),
              cost=Decimal("10"))
    month = dt.date(2026, 10, 1)
    assert [a.threshold for a in check_budgets(platform_db, tenant, month)] == [80, 100]
    assert check_budgets(platform_db, tenant, month) == []
    rows = _select(platform_db, tenant, "select user_id, kind, title, dedupe_key "
                                        "from notifications order by user_id, id")
    assert [(r["user_id"], r["kind"]) for r in rows] == [
        (owner, "budget"), (owner, "budget"), (admin, "budget"), (admin, "budget")]
    assert member not in {r["user_id"] for r in rows}
    assert rows[0]["title"] == "LLM budget 80% reached: Watched"
    pushed = [f for f in events_since(platform_db, tenant, 0, 1000, user_id=admin)
              if f["type"] == "notification.created"]
    assert len(pushed) == 2 and pushed[0]["data"]["kind"] == "budget"
