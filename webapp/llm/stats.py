"""Usage and cost statistics from the ledger: usage, costs, breakdowns, provider comparison.

Ranges are UTC dates, both ends included (default: the last 30 days; `from` after `to` is a
400). Money is a decimal string with 6 places. A cost is the sum over the priced calls of its
group, with `unpriced_requests` beside it counting the calls whose price is unknown; when every
call of a group is unpriced the cost is null (unknown), never "0.000000", which is kept for
groups with no calls at all and for calls that really cost nothing (the local analyser).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.desk_home import important
from webapp.llm.client import LOCAL_MODEL
from webapp.llm.models import RangeQuery, UsageQuery
from webapp.llm.money import money, money0
from webapp.llm.providers import provider_rows
from webapp.llm.routing import LOCAL_NAME
from webapp.llm.rows import ProviderRow
from webapp.llm.usage_rows import (
    CallStats,
    CostBreakdownRow,
    FeatureCallStats,
    MonthCalls,
    MonthSpend,
    Spend,
    UsageDay,
    UsageLog,
)
from webapp.pagination import cursor_id, page

Q = load(__file__)

DEFAULT_DAYS = 30


def window(q: RangeQuery, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) datetimes of a query's date range."""
    today = today or dt.datetime.now(dt.UTC).date()
    end_day = q.end or today
    start_day = q.start or (end_day - dt.timedelta(days=DEFAULT_DAYS - 1))
    start = dt.datetime.combine(start_day, dt.time(), dt.UTC)
    return start, dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), dt.UTC)


def params(q: RangeQuery) -> dict[str, Any]:
    """Bind parameters of the range and filters."""
    start, end = window(q)
    return {"start": start, "end": end, "provider_id": q.provider_id, "feature": q.feature,
            "status": getattr(q, "status", None)}


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else round(part / whole, 4)


def priced(cost: Decimal | None, requests: int, unpriced: int) -> str | None:
    """The priced sum of a group: null when it has calls and none of them was priced."""
    if requests and unpriced >= requests:
        return None
    return money0(cost)


def day_row(r: UsageDay) -> dict[str, Any]:
    """The API shape of one day of usage."""
    return {"day": r.day, "requests": r.requests, "ok": r.ok, "failed": r.failed,
            "messages": r.messages, "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens,
            "cost_usd": priced(r.cost_usd, r.requests, r.unpriced_requests),
            "unpriced_requests": r.unpriced_requests,
            "p50_latency_ms": _ms(r.p50_latency_ms),
            "p95_latency_ms": _ms(r.p95_latency_ms)}


def _totals(days: list[UsageDay]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "requests": sum(d.requests for d in days), "ok": sum(d.ok for d in days),
        "failed": sum(d.failed for d in days), "messages": sum(d.messages for d in days),
        "input_tokens": sum(d.input_tokens for d in days),
        "output_tokens": sum(d.output_tokens for d in days),
        "unpriced_requests": sum(d.unpriced_requests for d in days)}
    total = sum((d.cost_usd or Decimal(0) for d in days), Decimal(0))
    out["cost_usd"] = priced(total, out["requests"], out["unpriced_requests"])
    return out


def _ledger_row(r: UsageLog) -> dict[str, Any]:
    return {**dataclasses.asdict(r), "cost_usd": money(r.cost_usd),
            "latency_ms": _ms(r.latency_ms)}


def usage_days(db: Database, tenant_id: int, p: dict[str, Any]) -> list[UsageDay]:
    """The per-UTC-day usage of a range with its filters (bind parameters of `params`)."""
    with db.tenant(tenant_id) as conn:
        return fetch_all(conn, UsageDay, Q.usage_by_day, p)


def usage(db: Database, tenant_id: int, q: UsageQuery) -> dict[str, Any]:
    """Ledger rows (paged, newest first) with totals and a per-day series of the range."""
    p = {**params(q), "before_id": cursor_id(q.cursor), "limit": q.limit + 1}
    with db.tenant(tenant_id) as conn:
        rows = fetch_all(conn, UsageLog, Q.list_usage, p)
        days = fetch_all(conn, UsageDay, Q.usage_by_day, p)
    start, end = window(q)
    return {**page([_ledger_row(r) for r in rows], q.limit),
            "from": start.date(), "to": (end - dt.timedelta(days=1)).date(),
            "totals": _totals(days), "by_day": [day_row(d) for d in days]}


def month_projection(mtd: Decimal, now: dt.datetime) -> tuple[dt.date, Decimal]:
    """(first day of the month, month-to-date spend extrapolated to the month's end)."""
    month_start = dt.datetime(now.year, now.month, 1, tzinfo=dt.UTC)
    days = calendar.monthrange(now.year, now.month)[1]
    elapsed = max((now - month_start).total_seconds(), 3600.0)
    return month_start.date(), mtd * Decimal(days * 86400) / Decimal(elapsed)


def _group(rows: list[FeatureCallStats], key: Literal["provider_id", "feature"]
           ) -> list[dict[str, Any]]:
    out: dict[int | str | None, dict[str, Any]] = {}
    for r in rows:
        value = r.provider_id if key == "provider_id" else r.feature
        g = out.setdefault(value, {key: value, "requests": 0, "cost": Decimal(0),
                                   "unpriced_requests": 0})
        if key == "provider_id":
            g["provider_name"] = r.provider_name
        g["requests"] += r.requests
        g["cost"] += r.cost_usd or Decimal(0)
        g["unpriced_requests"] += r.unpriced_requests
    return [{**{k: v for k, v in g.items() if k != "cost"},
             "cost_usd": priced(g["cost"], g["requests"], g["unpriced_requests"])}
            for g in out.values()]


def provider_feature_stats(conn: Conn, p: dict[str, Any]) -> list[FeatureCallStats]:
    """Per provider (NULL = built-in local) and feature over a range (`params`): outcomes,
    tokens, cost and latency."""
    return fetch_all(conn, FeatureCallStats, Q.provider_feature_stats, p)


def costs(db: Database, tenant_id: int, q: RangeQuery) -> dict[str, Any]:
    """Cost of a range by day, provider and feature; month to date and projected month end."""
    p = params(q)
    now = dt.datetime.now(dt.UTC)
    month_start, _ = month_projection(Decimal(0), now)
    with db.tenant(tenant_id) as conn:
        days = fetch_all(conn, UsageDay, Q.usage_by_day, p)
        rows = provider_feature_stats(conn, p)
        mtd = fetch_one(conn, Spend, Q.spend_since, {**p, "since": month_start})
    assert mtd is not None
    _, projected = month_projection(mtd.cost_usd, now)
    mtd_args = (mtd.requests, mtd.unpriced_requests)
    return {
        "from": p["start"].date(), "to": (p["end"] - dt.timedelta(days=1)).date(),
        "total_usd": _totals(days)["cost_usd"],
        "unpriced_requests": sum(int(d.unpriced_requests) for d in days),
        "by_day": [{"day": d.day,
                    "cost_usd": priced(d.cost_usd, d.requests, d.unpriced_requests),
                    "requests": d.requests, "unpriced_requests": d.unpriced_requests}
                   for d in days],
        "by_provider": _group(rows, "provider_id"), "by_feature": _group(rows, "feature"),
        "month_to_date_usd": priced(mtd.cost_usd, *mtd_args),
        "month_to_date_requests": mtd.requests,
        "month_to_date_unpriced_requests": mtd.unpriced_requests,
        "projected_month_end_usd": priced(projected, *mtd_args), "as_of": now,
    }


def cost_breakdown(db: Database, tenant_id: int, q: RangeQuery) -> dict[str, Any]:
    """Usage and cost by day x provider x feature x model."""
    with db.tenant(tenant_id) as conn:
        rows = fetch_all(conn, CostBreakdownRow, Q.cost_breakdown, params(q))
    return {"data": [{**dataclasses.asdict(r),
                      "cost_usd": priced(r.cost_usd, r.requests, r.unpriced_requests)}
                     for r in rows]}


def stat_row(r: CallStats) -> dict[str, Any]:
    """Rates, latency and cost per 1,000 analysed messages of one aggregate row."""
    cost = r.cost_usd
    per_k = (money(cost * 1000 / r.valid_messages)
             if cost is not None and r.valid_messages else None)
    return {
        "requests": r.requests, "ok": r.ok,
        "success_rate": _rate(r.ok, r.requests),
        "valid_output_rate": _rate(r.valid, r.requests), "messages": r.messages,
        "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
        "cost_usd": priced(cost, r.requests, r.unpriced_requests),
        "unpriced_requests": r.unpriced_requests,
        "cost_per_1000_messages": per_k, "p50_latency_ms": _ms(r.p50_latency_ms),
        "p95_latency_ms": _ms(r.p95_latency_ms),
    }


def usage_by_feature(db: Database, tenant_id: int, q: RangeQuery) -> dict[str, Any]:
    """Per feature: the providers that served it and their numbers."""
    with db.tenant(tenant_id) as conn:
        rows = provider_feature_stats(conn, params(q))
    features: dict[str, dict[str, Any]] = {}
    for r in rows:
        f = features.setdefault(r.feature, {"feature": r.feature, "providers": []})
        f["providers"].append({"provider_id": r.provider_id,
                               "provider_name": r.provider_name,
                               "kind": r.provider_kind, "model": r.model, **stat_row(r)})
    for f in features.values():
        f["requests"] = sum(p["requests"] for p in f["providers"])
        f["unpriced_requests"] = sum(p["unpriced_requests"] for p in f["providers"])
        f["cost_usd"] = priced(sum((Decimal(p["cost_usd"] or 0) for p in f["providers"]),
                                   Decimal(0)), f["requests"], f["unpriced_requests"])
    return {"data": list(features.values())}


def _budget(provider: ProviderRow | None, spend: MonthSpend | None,
            month: MonthCalls | None) -> dict[str, Any]:
    """Month-to-date spend (the counters the budget is enforced on) against the budget."""
    mtd = spend.spent_usd if spend else Decimal(0)
    budget = provider.monthly_budget_usd if provider else None
    calls, unpriced = (month.requests, month.unpriced_requests) if month else (0, 0)
    return {"month_to_date_usd": priced(mtd, calls, unpriced),
            "month_to_date_unpriced_requests": unpriced, "monthly_budget_usd": money(budget),
            "budget_used_pct": (round(float(mtd / budget * 100), 2) if budget else None)}


# The numbers of a provider without calls in the range.
NO_CALLS = CallStats(provider_id=None, provider_name="", provider_kind="", model="", requests=0,
                     ok=0, valid=0, messages=0, valid_messages=0, input_tokens=0,
                     output_tokens=0, cost_usd=None, unpriced_requests=0, p50_latency_ms=None,
                     p95_latency_ms=None)


def month_spend(conn: Conn) -> dict[int, MonthSpend]:
    """This month's spend per provider id, from the counters every settled call maintains."""
    return {r.provider_id: r for r in fetch_all(conn, MonthSpend, Q.month_spend_by_provider)}


def comparison(db: Database, tenant_id: int, q: RangeQuery) -> dict[str, Any]:
    """Per provider (used or not): the range's numbers next to month-to-date spend vs budget."""
    p = params(q)
    with db.tenant(tenant_id) as conn:
        stats = {r.provider_id: r for r in fetch_all(conn, CallStats, Q.provider_stats, p)}
        providers = provider_rows(conn)
        spend = month_spend(conn)
        month = {r.provider_id: r
                 for r in fetch_all(conn, MonthCalls, Q.month_calls_by_provider)}
        overrides = important.override_stats(conn, p["start"], p["end"])
    data = []
    for prov in providers:
        if q.provider_id is not None and prov.id != q.provider_id:
            continue
        data.append({"provider_id": prov.id, "name": prov.name, "kind": prov.kind,
                     "model": prov.model, "active": prov.active,
                     **stat_row(stats.get(prov.id, NO_CALLS)),
                     **_budget(prov, spend.get(prov.id), month.get(prov.id)),
                     **important.override_fields(overrides.get(prov.id))})
    if (None in stats or None in overrides) and q.provider_id is None:
        # The built-in analyser: its ledger rows, or only the flags people reviewed.
        local = stats.get(None) or dataclasses.replace(
            NO_CALLS, provider_name=LOCAL_NAME, provider_kind="local", model=LOCAL_MODEL)
        data.append({"provider_id": None, "name": local.provider_name, "kind": "local",
                     "model": local.model, "active": True, **stat_row(local),
                     **_budget(None, None, month.get(None)),
                     **important.override_fields(overrides.get(None))})
    return {"from": p["start"].date(), "to": (p["end"] - dt.timedelta(days=1)).date(),
            "data": data}


def provider_series(db: Database, tenant_id: int, provider_id: int,
                    q: RangeQuery) -> list[dict[str, Any]]:
    """A provider's per-day usage and health series (error rate, latency, cost)."""
    days = usage_days(db, tenant_id, {**params(q), "provider_id": provider_id})
    return [{**day_row(d), "error_rate": _rate(d.failed, d.requests)} for d in days]
