"""The Home dashboard: the window's counters and the desk's current state in a few queries.

Windows are the team's local days: `today` (since local midnight), `7d` and `30d` (that many
local days, today included), each ending now. LLM spend is read from the counters the budget is
enforced on (UTC day and month), and only for roles that may read costs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.watermark_cache import WatermarkCache
from webapp.llm.money import money
from webapp.security.principal import Principal

Q = load(__file__)

DAYS_BACK = {"today": 0, "7d": 6, "30d": 29}
# Action items that are not (or no longer) work to do.
CLOSED = ["proposed", "done", "rejected", "dismissed"]


def rfc3339(value: dt.datetime) -> str:
    """A time as the API writes times (UTC, `Z`, as mf_ts does)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class Reads:
    """What the dashboard's statements return (dict rows), before shaping."""

    window: dict[str, Any]
    counters: dict[str, Any]
    messages: dict[str, Any]
    spend: dict[str, Any] | None
    devices: list[dict[str, Any]]


State = tuple[dict[str, Any], dict[str, Any]]  # the counters and the messages in and out
# Agents' first response is recomputed at most this often (seconds): it moves slowly, it is most
# of the dashboard's cost, and every message would otherwise recompute it.
FIRST_RESPONSE_MAX_AGE = 60.0
FIRST_RESPONSE = ("asked", "replied", "median_seconds", "p90_seconds")


@dataclass(frozen=True)
class Caches:
    """The app's dashboard caches (webapp/db/watermark_cache.py): the counters and messages in
    and out, exact at every change (the tenant's event watermark), and agents' first response,
    at most FIRST_RESPONSE_MAX_AGE seconds old."""

    counters: WatermarkCache[State]
    first_response: WatermarkCache[dict[str, Any]]


def _params(w: dict[str, Any], user_id: int) -> dict[str, Any]:
    return {"start": w["start"], "end": w["end"], "today": w["today"], "user_id": user_id,
            "closed": CLOSED, "start_day": w["start_day"], "today_start": w["today_start"]}


def _state(conn: Conn, w: dict[str, Any], user_id: int) -> State:
    """The desk's counters and the window's messages in and out."""
    params = _params(w, user_id)
    c = conn.execute(Q.select_counters, params).fetchone()
    m = conn.execute(Q.select_messages, params).fetchone()
    assert c is not None and m is not None  # aggregates without GROUP BY: one row each
    return c, m


def _first_response(conn: Conn, w: dict[str, Any], window: str) -> dict[str, Any]:
    """Agents' first response in the window (today's messages are few: read once; over
    several days, one probe per conversation)."""
    row = conn.execute(Q.select_first_response_today if window == "today"
                       else Q.select_first_response, _params(w, 0)).fetchone()
    assert row is not None
    return {k: row[k] for k in FIRST_RESPONSE}


def read(conn: Conn, window: str, user_id: int, *, with_costs: bool,
         caches: Caches | None = None) -> Reads:
    """Run the dashboard's statements in the caller's tenant transaction (dict rows); the
    benchmark's bare-SQL baseline calls this too (without caches). With caches, the counters and
    messages are reused while the tenant's event watermark and local day stay the same (keyed by
    the transaction's own tenant), the first response for up to FIRST_RESPONSE_MAX_AGE seconds;
    the window, spend and devices are always read."""
    w = conn.execute(Q.select_window, {"days_back": DAYS_BACK[window]}).fetchone()
    assert w is not None  # the tenant of the transaction sees itself
    tenant = w["tenant_id"]
    if caches is None:
        (c, m), frt = _state(conn, w, user_id), _first_response(conn, w, window)
    else:
        c, m = caches.counters.get_or_compute(
            tenant, ("dashboard", window, user_id, w["today"]), w["mark"],
            lambda: _state(conn, w, user_id))
        frt = caches.first_response.get_or_compute(tenant, (window, w["today"]), 0,
                                                   lambda: _first_response(conn, w, window))
    spend = conn.execute(Q.select_spend).fetchone() if with_costs else None
    return Reads(w, c, {**m, **frt}, spend, conn.execute(Q.select_devices).fetchall())


def dashboard(db: Database, p: Principal, window: str, *, with_costs: bool,
              caches: Caches | None = None) -> dict[str, Any]:
    """The dashboard body for a window (with the app's caches)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        r = read(conn, window, p.user_id, with_costs=with_costs, caches=caches)
    w, c, frt, spend, devices = r.window, r.counters, r.messages, r.spend, r.devices
    llm = None
    if spend is not None:
        budget = spend["monthly_budget_usd"]
        mtd = spend["month_to_date_usd"]
        llm = {"today_usd": money(spend["today_usd"]), "month_to_date_usd": money(mtd),
               "monthly_budget_usd": money(budget),
               "budget_used_pct": round(float(mtd / budget * 100), 2) if budget else None}
    return {
        "window": window, "timezone": w["timezone"], "window_start": rfc3339(w["start"]),
        "window_end": rfc3339(w["end"]),
        "messages": {"inbound": frt["inbound"], "outbound": frt["outbound"]},
        "conversations": {k: c[k] for k in ("open", "pending", "resolved", "snoozed",
                                            "unassigned")} | {"new": c["new_conversations"]},
        "important": {"open": c["important_open"], "flagged": c["important_flagged"]},
        "action_items": {"by_status": c["by_status"], "overdue": c["overdue"],
                         "mine": c["mine"]},
        "first_response": {"conversations_asked": frt["asked"],
                           "conversations_replied": frt["replied"],
                           "median_seconds": _seconds(frt["median_seconds"]),
                           "p90_seconds": _seconds(frt["p90_seconds"])},
        "llm": llm, "devices": devices,
    }
