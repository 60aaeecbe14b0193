"""Pure breaker rules, Wilson bounds, and recommendations from a synthetic ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import (
    add_provider,
    box,
    owner_principal,
)
from webapp.db import Database
from webapp.llm import breaker, features, ledger
from webapp.llm.client import CallResult
from webapp.llm.models import RangeQuery
from webapp.llm.recommend import recommendations, wilson
from webapp.llm.routing import LLMContext
from webapp.llm.rows import BreakerState

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CLOSED = BreakerState(circuit="closed", consecutive_failures=0, trips=0, cooldown_until=None,
                      probe_until=None, last_check_at=None, last_success_at=None,
                      last_failure_at=None, last_error_class=None)
FAIL = breaker.Outcome(ok=False, status="error", error_class="InternalServerError")


def test_breaker_opens_on_the_third_failure_and_backs_off() -> None:
    state = CLOSED
    for _ in range(2):
        state = breaker.next_state(state, FAIL, NOW)
        assert state.circuit == "closed" and state.cooldown_until is None
    state = breaker.next_state(state, FAIL, NOW)
    assert state.circuit == "open" and state.cooldown_until == NOW + dt.timedelta(seconds=30)
    assert breaker.gate(state, NOW) == "cooling_down"
    later = NOW + dt.timedelta(seconds=31)
    assert breaker.gate(state, later) == "probe"
    probing = dataclasses.replace(state, probe_until=later + dt.timedelta(seconds=30))
    assert breaker.gate(probing, later) == "probe_in_flight"
    again = breaker.next_state(probing, FAIL, later)
    assert again.cooldown_until == later + dt.timedelta(seconds=60) and again.trips == 2
    healed = breaker.next_state(probing, breaker.Outcome(ok=True, status="ok"), later)
    assert healed.circuit == "closed" and healed.trips == 0
    assert breaker.cooldown_for(20) == breaker.MAX_COOLDOWN_S


def test_rate_limit_cools_down_for_retry_after_without_opening() -> None:
    limited = breaker.Outcome(ok=False, status="rate_limited", retry_after_s=12.0)
    state = breaker.next_state(CLOSED, limited, NOW)
    assert state.circuit == "closed"
    assert state.cooldown_until == NOW + dt.timedelta(seconds=12)
    no_header = breaker.next_state(CLOSED, breaker.Outcome(ok=False, status="rate_limited"),
                                   NOW)
    assert no_header.cooldown_until == NOW + dt.timedelta(
        seconds=breaker.DEFAULT_RETRY_AFTER_S)


def test_rolling_status() -> None:
    assert breaker.rolling_status(0, 0, None) == "unknown"
    assert breaker.rolling_status(20, 0, 800.0) == "healthy"
    assert breaker.rolling_status(20, 2, 800.0) == "degraded"
    assert breaker.rolling_status(20, 6, 800.0) == "degraded"
    assert breaker.rolling_status(20, 10, 800.0) == "unhealthy"
    assert breaker.rolling_status(2, 2, 800.0) == "degraded"  # too few to call it unhealthy
    assert breaker.rolling_status(20, 0, 15_000.0) == "degraded"


def test_wilson_bounds() -> None:
    low, high = wilson(20, 20)
    assert 0.83 < low < 0.84 and high == 1.0
    proven_low, _ = wilson(990, 1000)
    assert proven_low > low
    assert wilson(0, 0) == (0.0, 1.0)


def _log(db: Database, tenant_id: int, provider: dict, n: int, *, ok: int, cost: str,
         messages: int = 10) -> None:
    with db.tenant(tenant_id) as conn:
        for i in range(n):
            good = i < ok
            result = CallResult(status="ok" if good else "invalid_output",
                                kind=provider["kind"], model=provider["model"],
                                input_tokens=1000, output_tokens=200,
                                cost_usd=Decimal(cost), latency_ms=400.0 + i,
                                error_class=None if good else "ValidationError")
            spec = ledger.CallSpec("importance_detection", "importance/v1",
                                   message_count=messages)
            ledger.insert(conn, provider["id"], result, spec)


def test_recommendations_need_samples_and_give_their_numbers(
    platform_db: Database, fake: FakeLLMServer
) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    pricey = add_provider(ctx, p, fake, "Pricey")
    cheap = add_provider(ctx, p, fake, "Cheap")
    flaky = add_provider(ctx, p, fake, "Flaky")
    unused = add_provider(ctx, p, fake, "Unused")
    brandnew = add_provider(ctx, p, fake, "Brandnew")
    features.assign(platform_db, p, "importance_detection", pricey["id"], 1)
    features.assign(platform_db, p, "importance_detection", cheap["id"], 2)
    _log(platform_db, p.tenant_id, pricey, 40, ok=40, cost="0.02")
    _log(platform_db, p.tenant_id, cheap, 30, ok=30, cost="0.004")
    _log(platform_db, p.tenant_id, flaky, 30, ok=15, cost="0.0001")
    _log(platform_db, p.tenant_id, brandnew, 3, ok=3, cost="0.00001")  # cheapest, too new

    out = recommendations(platform_db, p.tenant_id, RangeQuery())

    by_type = {(r["type"], r["provider_id"]): r for r in out["data"]}
    cheaper = by_type[("cheaper_provider", cheap["id"])]
    assert cheaper["numbers"]["saving_pct"] == 80.0
    assert cheaper["numbers"]["candidate"]["cost_per_1000_messages"] == "0.400000"
    assert cheaper["numbers"]["current"]["cost_per_1000_messages"] == "2.000000"
    assert "80%" in cheaper["reason"]
    assert ("unreliable_provider", flaky["id"]) in by_type
    assert by_type[("unreliable_provider", flaky["id"])]["numbers"]["valid_output_rate"] == 0.5
    winners = {r["provider_id"] for r in out["data"] if r["type"] != "unreliable_provider"}
    assert brandnew["id"] not in winners and unused["id"] not in winners
    assert {"provider_id": brandnew["id"], "provider_name": "Brandnew",
            "feature": "importance_detection", "requests": 3} in out["insufficient_data"]
    assert ("more_reliable_provider", cheap["id"]) not in by_type  # 30/30 vs 40/40: no proof
