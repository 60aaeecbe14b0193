"""Recommendations from the ledger's real statistics, never from thin data.

A provider is a candidate for a feature only with at least MIN_SAMPLES attempts for it in the
window; an unused or barely used provider never "wins" (it is listed under insufficient_data).
Reliability is compared with Wilson score bounds (95%), not raw rates, so a lucky 20/20 does not
beat a proven 990/1000. The built-in local analyser is heuristic and is never recommended.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.llm.features import default_provider, feature_routes
from webapp.llm.models import RangeQuery
from webapp.llm.money import money
from webapp.llm.providers import provider_rows
from webapp.llm.stats import month_projection, month_spend, params, provider_feature_stats, stat_row
from webapp.llm.usage_rows import FeatureCallStats

MIN_SAMPLES = 20
Z95 = 1.96
MIN_SAVING = 0.10       # a cheaper provider must save at least 10% per message
UNRELIABLE_BELOW = 0.90  # valid-output rate whose upper bound is below this is flagged


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a success rate."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _numbers(r: FeatureCallStats) -> dict[str, Any]:
    low, high = wilson(int(r.valid), int(r.requests))
    return {**stat_row(r), "valid_rate_ci95": [round(low, 4), round(high, 4)]}


def _per_message(r: FeatureCallStats) -> Decimal | None:
    if r.cost_usd is None or not r.valid_messages:
        return None
    return Decimal(r.cost_usd) / Decimal(r.valid_messages)


def _cheaper(feature: str, primary: FeatureCallStats, rows: list[FeatureCallStats]
             ) -> dict[str, Any] | None:
    base = _per_message(primary)
    p_low, _ = wilson(int(primary.valid), int(primary.requests))
    options = [r for r in rows if r is not primary and _per_message(r) is not None
               and wilson(int(r.valid), int(r.requests))[1] >= p_low]
    if base is None or not options:
        return None
    best = min(options, key=lambda r: _per_message(r) or Decimal(0))
    cost = _per_message(best)
    assert cost is not None
    if base == 0 or cost > base * Decimal(1 - MIN_SAVING):
        return None
    saving = float((base - cost) / base)
    return {"type": "cheaper_provider", "feature": feature, "provider_id": best.provider_id,
            "provider_name": best.provider_name,
            "reason": (f"{best.provider_name} costs {saving:.0%} less per message than "
                       f"{primary.provider_name} for {feature} with a valid-output rate "
                       "that is statistically no worse."),
            "numbers": {"candidate": _numbers(best), "current": _numbers(primary),
                        "saving_pct": round(saving * 100, 1)}}


def _more_reliable(feature: str, primary: FeatureCallStats, rows: list[FeatureCallStats]
                   ) -> dict[str, Any] | None:
    _, p_high = wilson(int(primary.valid), int(primary.requests))
    better = [r for r in rows if r is not primary
              and wilson(int(r.valid), int(r.requests))[0] > p_high]
    if not better:
        return None
    best = max(better, key=lambda r: wilson(int(r.valid), int(r.requests))[0])
    return {"type": "more_reliable_provider", "feature": feature,
            "provider_id": best.provider_id, "provider_name": best.provider_name,
            "reason": (f"{best.provider_name} gives valid output significantly more often "
                       f"than {primary.provider_name} for {feature} (95% intervals do not "
                       "overlap)."),
            "numbers": {"candidate": _numbers(best), "current": _numbers(primary)}}


def _unreliable(feature: str, r: FeatureCallStats) -> dict[str, Any] | None:
    _, high = wilson(int(r.valid), int(r.requests))
    if high >= UNRELIABLE_BELOW:
        return None
    return {"type": "unreliable_provider", "feature": feature, "provider_id": r.provider_id,
            "provider_name": r.provider_name,
            "reason": (f"{r.provider_name} returned valid output in only "
                       f"{int(r.valid)}/{int(r.requests)} attempts for {feature}; "
                       "demote it or check its model and limits."),
            "numbers": _numbers(r)}


def _budget_risks(conn: Conn) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    spend = month_spend(conn)
    out = []
    for prov in provider_rows(conn):
        budget, row = prov.monthly_budget_usd, spend.get(prov.id)
        if budget is None or row is None or int(row.requests) < MIN_SAMPLES:
            continue
        _, projected = month_projection(Decimal(row.spent_usd), now)
        if projected > budget:
            out.append({"type": "budget_risk", "feature": None, "provider_id": prov.id,
                        "provider_name": prov.name,
                        "reason": (f"At this month's pace {prov.name} will need "
                                   f"${money(projected)} against a ${money(budget)} budget; "
                                   "calls beyond the budget fall through to the next provider."),
                        "numbers": {"month_to_date_usd": money(row.spent_usd),
                                    "projected_month_end_usd": money(projected),
                                    "monthly_budget_usd": money(budget),
                                    "requests": int(row.requests)}})
    return out


def _primaries(conn: Conn) -> dict[str, int]:
    firsts: dict[str, int] = {}
    for r in feature_routes(conn):
        if r.active:
            firsts.setdefault(r.feature, r.provider_id)
    return firsts


def _for_feature(feature: str, rows: list[FeatureCallStats], primary_id: int | None
                 ) -> list[dict[str, Any]]:
    found = [x for x in (_unreliable(feature, r) for r in rows) if x]
    primary = next((r for r in rows if r.provider_id == primary_id), None)
    if primary is not None:
        found += [x for x in (_cheaper(feature, primary, rows),
                              _more_reliable(feature, primary, rows)) if x]
    return found


def recommendations(db: Database, tenant_id: int, q: RangeQuery) -> dict[str, Any]:
    """Reasoned recommendations (with their numbers) and what lacks data to judge."""
    p = params(q)
    with db.tenant(tenant_id) as conn:
        rows = [r for r in provider_feature_stats(conn, p)
                if r.provider_id is not None and r.feature != "health_check"]
        primaries = _primaries(conn)
        fallback = default_provider(conn)
        default = fallback.id if fallback else None
        budget = _budget_risks(conn)
    eligible = [r for r in rows if int(r.requests) >= MIN_SAMPLES]
    thin = [{"provider_id": r.provider_id, "provider_name": r.provider_name,
             "feature": r.feature, "requests": int(r.requests)}
            for r in rows if int(r.requests) < MIN_SAMPLES]
    found: list[dict[str, Any]] = []
    for feature in sorted({r.feature for r in eligible}):
        mine = [r for r in eligible if r.feature == feature]
        found += _for_feature(feature, mine, primaries.get(feature, default))
    return {"data": found + budget, "min_samples": MIN_SAMPLES, "insufficient_data": thin,
            "from": p["start"].date(), "to": (p["end"] - dt.timedelta(days=1)).date()}
