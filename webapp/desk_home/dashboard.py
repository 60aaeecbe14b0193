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
    """What the dashboard's statements return (dict rows), before shaping: the window (with the
    devices and the spend), the desk's counters, the action items' and the messages (with the
    first response)."""

    window: dict[str, Any]
    counters: dict[str, Any]
    items: dict[str, Any]
    messages: dict[str, Any]


State = tuple[dict[str, Any], dict[str, Any]]  # the counters and the messages in and out
# Agents' first response is recomputed at most this often (seconds), per window: it moves slowly
# (a median over days hardly moves in minutes), it is most of the dashboard's cost, and every
# message would otherwise recompute it.
FIRST_RESPONSE_MAX_AGE = {"today": 60.0, "7d": 300.0, "30d": 300.0}
# The action-item counters are exact at every action-item event; this bounds only what changes
# without one (a hand-made SQL fix). They carry no names, so nothing else goes stale.
ITEMS_MAX_AGE = 300.0
FIRST_RESPONSE = ("asked", "replied", "median_seconds", "p90_seconds")


@dataclass(frozen=True)
class Caches:
    """The app's dashboard caches (webapp/db/watermark_cache.py): the conversation and
    important-message counters and the messages in and out (per window, for the whole team),
    exact at every change (the tenant's event watermark); the action-item counters (per user),
    exact at every action-item change (the tenant's newest `action_item.*` event); and agents'
    first response for the window read, at most FIRST_RESPONSE_MAX_AGE[window] seconds old."""

    counters: WatermarkCache[State]
    items: WatermarkCache[dict[str, Any]]
    first_response: WatermarkCache[dict[str, Any]]


def _params(w: dict[str, Any], user_id: int) -> dict[str, Any]:
    return {"start": w["start"], "end": w["end"], "today": w["today"], "user_id": user_id,
            "closed": CLOSED, "start_day": w["start_day"], "today_start": w["today_start"]}


def _state(conn: Conn, w: dict[str, Any]) -> State:
    """The desk's conversation and important-message counters and the window's messages in and
    out (the same for every member)."""
    params = _params(w, 0)
    c = conn.execute(Q.select_counters, params).fetchone()
    m = conn.execute(Q.select_messages, params).fetchone()
    assert c is not None and m is not None  # aggregates without GROUP BY: one row each
    return c, m


def _items(conn: Conn, w: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Action items by status, overdue and the caller's (the same for every window)."""
    row = conn.execute(Q.select_item_counters, _params(w, user_id)).fetchone()
    assert row is not None
    return row


def _first_response(conn: Conn, w: dict[str, Any], window: str) -> dict[str, Any]:
    """Agents' first response in the window (today's messages are few: read once; over
    several days, one probe per conversation)."""
    row = conn.execute(Q.select_first_response_today if window == "today"
                       else Q.select_first_response, _params(w, 0)).fetchone()
    assert row is not None
    return {k: row[k] for k in FIRST_RESPONSE}


def read(conn: Conn, window: str, user_id: int, caches: Caches | None = None) -> Reads:
    """Run the dashboard's statements in the caller's tenant transaction (dict rows); the
    benchmark's bare-SQL baseline calls this too (without caches). The first statement reads
    the window, the watermarks, the devices and the spend, every time. With caches, the desk's
    counters and messages are reused while the tenant's event watermark and local day stay the
    same (keyed by the transaction's own tenant), the action-item counters while its newest
    action-item event does, the first response for up to FIRST_RESPONSE_MAX_AGE[window] s."""
    w = conn.execute(Q.select_window, {"days_back": DAYS_BACK[window]}).fetchone()
    assert w is not None  # the tenant of the transaction sees itself
    tenant, today = w["tenant_id"], w["today"]
    if caches is None:
        (c, m), items = _state(conn, w), _items(conn, w, user_id)
        frt = _first_response(conn, w, window)
    else:
        c, m = caches.counters.get_or_compute(tenant, ("desk", window, today), w["mark"],
                                              lambda: _state(conn, w))
        items = caches.items.get_or_compute(tenant, ("items", user_id, today),
                                            w["items_mark"], lambda: _items(conn, w, user_id))
        frt = caches.first_response.get_or_compute(tenant, (window, today), 0,
                                                   lambda: _first_response(conn, w, window))
    return Reads(w, c, items, {**m, **frt})


def dashboard(db: Database, p: Principal, window: str, *, with_costs: bool,
              caches: Caches | None = None) -> dict[str, Any]:
    """The dashboard body for a window (with the app's caches); LLM spend only `with_costs`."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        r = read(conn, window, p.user_id, caches=caches)
    w, c, items, frt = r.window, r.counters, r.items, r.messages
    llm = None
    if with_costs:
        budget = w["monthly_budget_usd"]
        mtd = w["month_to_date_usd"]
        llm = {"today_usd": money(w["today_usd"]), "month_to_date_usd": money(mtd),
               "monthly_budget_usd": money(budget),
               "budget_used_pct": round(float(mtd / budget * 100), 2) if budget else None}
    return {
        "window": window, "timezone": w["timezone"], "window_start": rfc3339(w["start"]),
        "window_end": rfc3339(w["end"]),
        "messages": {"inbound": frt["inbound"], "outbound": frt["outbound"]},
        "conversations": {k: c[k] for k in ("open", "pending", "resolved", "snoozed",
                                            "unassigned")} | {"new": c["new_conversations"]},
        "important": {"open": c["important_open"], "flagged": c["important_flagged"]},
        "action_items": {"by_status": items["by_status"], "overdue": items["overdue"],
                         "mine": items["mine"]},
        "first_response": {"conversations_asked": frt["asked"],
                           "conversations_replied": frt["replied"],
                           "median_seconds": _seconds(frt["median_seconds"]),
                           "p90_seconds": _seconds(frt["p90_seconds"])},
        "llm": llm, "devices": w["devices"],
    }
