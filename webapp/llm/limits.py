"""Requests/min, requests/day and monthly budget, enforced across processes by PostgreSQL.

Before a call to a provider with limits (or a half-open probe) the caller reserves: inside one
transaction that locks the provider's `llm_health` row (so concurrent reservations of one
provider, from any process, are serialised) it checks the breaker gate, the requests of the last
minute, today's requests and this month's spend plus what calls in flight hold, and holds an
estimated cost that is an upper bound of the real one (prompt bytes + max_tokens at the
provider's price). After the call, settle() replaces the estimate with the real cost. A call that
would exceed a limit is refused before it is made, so spend never passes the budget.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.llm import breaker
from webapp.llm.client import ProviderConfig
from webapp.llm.money import money
from webapp.llm.pricing import Price, cost_usd, price_for
from webapp.llm.rows import GateRow, ProviderRow

Q = load(__file__)

TOKENS_PER_MESSAGE = 16  # role markers and separators a provider adds around each turn
RESERVATION_GRACE_S = 60.0


@dataclass(frozen=True)
class Reservation:
    """What a reservation holds until settled."""

    id: int | None
    day: dt.date
    month: dt.date
    estimated_usd: Decimal


@dataclass(frozen=True, slots=True)
class UsageNow:
    """A provider's requests of the last minute, today and this month's spend, calls in flight
    included: what the limits are checked against."""

    minute_requests: int
    day_requests: int
    month_usd: Decimal


@dataclass(frozen=True)
class Refusal:
    """Why a provider may not be called now."""

    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None  # what a person should read (shown in attempts and tests)


def unpriced_budget_message(model: str) -> str:
    """Why a provider with a monthly budget and no known price cannot be called."""
    return (f"The provider has a monthly budget, but the price of model {model!r} is unknown "
            "(not in MessageFlow's price table or litellm's price map), so no call can be "
            "checked against the budget. Set price_input_per_mtok and price_output_per_mtok "
            "(USD per million tokens), or remove monthly_budget_usd.")


def budget_unpriced(kind: str, model: str, budget: Decimal | None,
                    price_in: Decimal | None, price_out: Decimal | None) -> bool:
    """True when a monthly budget is set but the model's price is unknown (never callable)."""
    return budget is not None and price_for(kind, model, price_in, price_out) is None


def unpriced_budget_refusal(model: str) -> Refusal:
    """The refusal of a budgeted provider whose price is unknown."""
    return Refusal("budget_unpriced",
                   {"fields": ["price_input_per_mtok", "price_output_per_mtok"]},
                   unpriced_budget_message(model))


def gate_refusal(gate: str, until: dt.datetime | None) -> Refusal:
    """The refusal of a provider the breaker holds back."""
    if gate == "probe_in_flight":
        return Refusal(gate, {"until": until},
                       "A recovery probe of this provider is already in flight.")
    return Refusal(gate, {"until": until},
                   "The provider is cooling down after repeated failures"
                   + (f" until {until.isoformat()}." if until is not None else "."))


def needs_reservation(row: ProviderRow) -> bool:
    """True when the provider has a limit to enforce."""
    return any(v is not None for v in (row.rpm, row.rpd, row.monthly_budget_usd))


def prompt_token_bound(config: ProviderConfig, messages: list[dict[str, str]],
                       response_model: type[BaseModel]) -> int:
    """An upper bound of a prompt's input tokens: byte-level tokenizers emit <= 1 token a byte."""
    size = sum(len(m.get("content", "").encode()) + TOKENS_PER_MESSAGE for m in messages)
    if config.kind == "anthropic":  # the JSON schema travels as a forced tool definition
        size += len(json.dumps(response_model.model_json_schema()).encode())
    return size + TOKENS_PER_MESSAGE


def estimate_usd(config: ProviderConfig, messages: list[dict[str, str]],
                 response_model: type[BaseModel]) -> Decimal | None:
    """The most a call can cost (None when the provider's price is unknown)."""
    price: Price | None = price_for(config.kind, config.model, config.price_in, config.price_out)
    if price is None:
        return None
    tokens_in = prompt_token_bound(config, messages, response_model)
    return cost_usd(price, tokens_in, config.max_tokens)


def _limit_refusal(row: ProviderRow, usage: UsageNow,
                   estimate: Decimal | None) -> Refusal | None:
    if row.rpm is not None and usage.minute_requests >= row.rpm:
        return Refusal("rpm_exceeded", {"limit": row.rpm},
                       f"The limit of {row.rpm} requests per minute is reached.")
    if row.rpd is not None and usage.day_requests >= row.rpd:
        return Refusal("rpd_exceeded", {"limit": row.rpd},
                       f"The limit of {row.rpd} requests per day (UTC) is reached.")
    budget = row.monthly_budget_usd
    if budget is None:
        return None
    if estimate is None:
        return unpriced_budget_refusal(row.model)
    if usage.month_usd + estimate > budget:
        return Refusal("budget_exhausted", {"budget_usd": money(budget),
                                            "month_to_date_usd": money(usage.month_usd),
                                            "estimated_usd": money(estimate)},
                       f"This call (up to ${money(estimate)}) would take the month's spend "
                       f"(${money(usage.month_usd)} so far, calls in flight included) over "
                       f"the monthly budget of ${money(budget)}.")
    return None


def reserve(conn: Conn, row: ProviderRow, estimate: Decimal | None, *,
            bypass_cooldown: bool = False) -> Reservation | Refusal:
    """Check gate and limits under the provider's lock and hold `estimate` (caller's tx)."""
    pid = row.id
    gate_row = fetch_one(conn, GateRow, Q.lock_gate, {"provider_id": pid})
    if gate_row is None:
        breaker.ensure_health(conn, pid)
        gate_row = fetch_one(conn, GateRow, Q.lock_gate, {"provider_id": pid})
    assert gate_row is not None
    gate = breaker.gate(gate_row, gate_row.now)
    if gate in ("cooling_down", "probe_in_flight") and not bypass_cooldown:
        return gate_refusal(gate, gate_row.cooldown_until or gate_row.probe_until)
    conn.execute(Q.expire_reservations, {"provider_id": pid})
    periods = {"provider_id": pid, "day": gate_row.day, "month": gate_row.month}
    usage = fetch_one(conn, UsageNow, Q.usage_now, periods)
    assert usage is not None
    refusal = _limit_refusal(row, usage, estimate)
    if refusal is not None:
        return refusal
    if gate == "probe":
        breaker.claim_probe(conn, pid, float(row.timeout_s) + RESERVATION_GRACE_S)
    held = estimate or Decimal(0)
    conn.execute(Q.hold_counters, {**periods, "usd": held})
    ttl = float(row.timeout_s) + RESERVATION_GRACE_S
    res = conn.execute(Q.insert_reservation, {**periods, "usd": held, "ttl": ttl}).fetchone()
    assert res is not None
    return Reservation(int(res["id"]), gate_row.day, gate_row.month, held)


def settle(conn: Conn, provider_id: int, reservation: Reservation | None,
           cost: Decimal | None) -> None:
    """Count a finished call into the day/month counters; release its reservation (caller's tx)."""
    real = cost if cost is not None else Decimal(0)
    held_requests, held_usd = 0, Decimal(0)
    day: dt.date | None = None
    month: dt.date | None = None
    if reservation is not None and reservation.id is not None:
        closed = conn.execute(Q.settle_reservation, {"id": reservation.id, "cost": real}
                              ).fetchone()
        day, month = reservation.day, reservation.month
        if closed is not None:  # None: it expired meanwhile and was already given back
            held_requests, held_usd = 1, closed["estimated_usd"]
    if day is None or month is None:
        now = conn.execute(Q.current_periods).fetchone()
        assert now is not None
        day, month = now["day"], now["month"]
    conn.execute(Q.settle_counters, {
        "provider_id": provider_id, "day": day, "month": month, "cost": real,
        "held_requests": held_requests, "held_usd": held_usd,
    })
