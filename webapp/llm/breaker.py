"""Circuit breaker and rolling health of a provider: pure rules plus their one SQL round trip.

A provider that fails FAILURE_THRESHOLD times in a row opens its circuit and is cooled down
(30 s, doubling per consecutive trip up to 10 min). When the cooldown ends one request at a time
may probe it (half-open); success closes the circuit, failure opens it again for longer. A 429
cools the provider down for its Retry-After without opening the circuit. The state lives in
`llm_health`, so every process sees the same breaker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.llm.rows import BreakerState, GateState, HealthWindow

Q = load(__file__)

FAILURE_THRESHOLD = 3
BASE_COOLDOWN_S = 30.0
MAX_COOLDOWN_S = 600.0
DEFAULT_RETRY_AFTER_S = 30.0
WINDOW = 20  # attempts in the rolling health window
DEGRADED_RATE = 0.10
UNHEALTHY_RATE = 0.50
UNHEALTHY_MIN_SAMPLES = 5
SLOW_P95_MS = 10_000.0

Gate = Literal["go", "probe", "cooling_down", "probe_in_flight"]


@dataclass(frozen=True)
class Outcome:
    """What one attempt did, as far as the breaker cares."""

    ok: bool
    status: str
    error_class: str | None = None
    retry_after_s: float | None = None
    is_check: bool = False


def gate(state: GateState, now: dt.datetime) -> Gate:
    """May a request go to this provider now? (state: circuit, cooldown_until, probe_until)."""
    cooldown = state.cooldown_until
    if cooldown is not None and cooldown > now:
        return "cooling_down"
    if state.circuit == "open":
        probe = state.probe_until
        return "probe_in_flight" if probe is not None and probe > now else "probe"
    return "go"


def cooldown_for(trips: int) -> float:
    """Seconds of cooldown for a circuit opening after `trips` earlier consecutive trips."""
    return min(MAX_COOLDOWN_S, BASE_COOLDOWN_S * 2.0 ** min(trips, 10))


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def next_state(state: BreakerState, outcome: Outcome, now: dt.datetime) -> BreakerState:
    """The breaker columns after `outcome` (pure; `state` is the locked llm_health row)."""
    last_check = now if outcome.is_check else state.last_check_at
    if outcome.ok:
        return BreakerState(circuit="closed", consecutive_failures=0, trips=0,
                            cooldown_until=None, probe_until=None, last_check_at=last_check,
                            last_success_at=now, last_failure_at=state.last_failure_at,
                            last_error_class=state.last_error_class)
    failures = int(state.consecutive_failures) + 1
    trips = int(state.trips)
    cooldown = state.cooldown_until
    circuit = state.circuit
    probing = state.probe_until is not None or circuit == "open"
    if failures >= FAILURE_THRESHOLD or probing:
        circuit = "open"
        cooldown = _later(cooldown, now + dt.timedelta(seconds=cooldown_for(trips)))
        trips += 1
    if outcome.status == "rate_limited":
        wait = outcome.retry_after_s if outcome.retry_after_s is not None else DEFAULT_RETRY_AFTER_S
        cooldown = _later(cooldown, now + dt.timedelta(seconds=wait))
    return BreakerState(circuit=circuit, consecutive_failures=failures, trips=trips,
                        cooldown_until=cooldown, probe_until=None, last_check_at=last_check,
                        last_success_at=state.last_success_at, last_failure_at=now,
                        last_error_class=outcome.error_class)


def rolling_status(attempts: int, failures: int, p95_ms: float | None) -> str:
    """healthy | degraded | unhealthy | unknown, from the last WINDOW attempts."""
    if attempts == 0:
        return "unknown"
    rate = failures / attempts
    if rate >= UNHEALTHY_RATE and attempts >= UNHEALTHY_MIN_SAMPLES:
        return "unhealthy"
    if rate >= DEGRADED_RATE or (p95_ms is not None and p95_ms > SLOW_P95_MS):
        return "degraded"
    return "healthy"


def record(conn: Conn, provider_id: int, outcome: Outcome) -> tuple[BreakerState, str]:
    """Apply an outcome to the provider's breaker and rolling status (caller's transaction);
    the new breaker state and status."""
    params = {"provider_id": provider_id, "window": WINDOW}
    row = fetch_one(conn, HealthWindow, Q.lock_health_window, params)
    if row is None:
        ensure_health(conn, provider_id)
        row = fetch_one(conn, HealthWindow, Q.lock_health_window, params)
    assert row is not None
    new = next_state(row, outcome, row.now)
    p95 = float(row.p95_ms) if row.p95_ms is not None else None
    status = rolling_status(int(row.attempts), int(row.failures), p95)
    conn.execute(Q.update_health, {**dataclasses.asdict(new), "status": status,
                                   "provider_id": provider_id})
    return new, status


def ensure_health(conn: Conn, provider_id: int) -> None:
    """Create the provider's breaker and health row when it has none (caller's transaction)."""
    conn.execute(Q.insert_health, {"id": provider_id})


def claim_probe(conn: Conn, provider_id: int, seconds: float) -> None:
    """Mark a half-open probe in flight (the caller holds the health row lock)."""
    conn.execute(Q.claim_probe, {"provider_id": provider_id, "seconds": seconds})
