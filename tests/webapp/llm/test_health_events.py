"""provider.health events (migration 0017): one event per change of a provider's stored health
(status or circuit), whoever writes it (the breaker after real calls, the health job's passive
update), none while it stays the same; only the provider's tenant sees it, and its frame, read
through the realtime SQL, has the shape of a GET /api/v1/llm/health row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, register_owner
from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.webapp.llm.test_support import app_db as _db
from tests.webapp.llm.test_support import as_owner, box
from tests.webapp.llm.test_support import ok as _ok
from webapp.db import Database
from webapp.llm import health
from webapp.llm.routing import LLMContext
from webapp.realtime.service import events_by_ids, events_since

TIMES = ("cooldown_until", "last_check_at", "last_success_at", "last_failure_at")
LATENCIES = ("p50_latency_ms", "p95_latency_ms")


def _add_provider(client: FlaskClient, who: Member, fake: FakeLLMServer, name: str) -> int:
    body = {"name": name, "kind": "openai_compatible", "model": f"model-{name.lower()}",
            "api_base": fake.openai_base, "api_key": f"sk-{name.lower()}-0123456789abcdef",
            "timeout_s": 5, "price_input_per_mtok": "10", "price_output_per_mtok": "30"}
    return int(_ok(client.post("/api/v1/llm/providers", headers=who.headers, json=body),
                   201)["id"])


def _health_frames(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    return [f for f in events_since(db, tenant_id, 0, 10_000) if f["type"] == "provider.health"]


def _rest_row(client: FlaskClient, who: Member, provider_id: int) -> dict[str, Any]:
    rows = _ok(client.get("/api/v1/llm/health", headers=who.headers))["data"]
    return next(r for r in rows if r["provider_id"] == provider_id)


def _same_shape(frame: dict[str, Any], rest: dict[str, Any]) -> None:
    """The frame's data equals the REST row (times compared as instants; latencies to 0.1 ms,
    as PostgreSQL's numeric rounding and Python's float rounding may split a tie)."""
    assert set(frame) == set(rest)
    for key, value in rest.items():
        if key in TIMES:
            assert (frame[key] is None) == (value is None), key
            if value is not None:
                assert dt.datetime.fromisoformat(frame[key]) == dt.datetime.fromisoformat(value)
        elif key in LATENCIES and value is not None:
            assert frame[key] == pytest.approx(value, abs=0.1001), key
        else:
            assert frame[key] == value, key


def _check_latest(db: Database, client: FlaskClient, who: Member, provider_id: int,
                  count: int) -> dict[str, Any]:
    """Exactly `count` provider.health events so far; the newest one's frame, read by id,
    is this provider's REST health row."""
    frames = _health_frames(db, who.tenant_id)
    assert len(frames) == count, [f["data"].get("status") for f in frames]
    if not frames:
        return {}
    latest = frames[-1]
    (by_id,) = events_by_ids(db, who.tenant_id, [latest["id"]])
    assert by_id == latest
    _same_shape(latest["data"], _rest_row(client, who, provider_id))
    assert latest["data"]["provider_id"] == provider_id
    return dict(latest["data"])


def test_one_event_per_change_of_health_through_real_calls(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    db = _db(app)
    ctx = LLMContext(db, box())
    owner = register_owner(client, "Health Events")
    other = register_owner(client, "Other Tenant")
    pid = _add_provider(client, owner, fake, "Flaky")
    _add_provider(client, other, fake, "Bystander")

    def call(n: int = 1) -> None:
        for _ in range(n):
            health.test_provider(ctx, owner.tenant_id, pid)

    assert _check_latest(db, client, owner, pid, 0) == {}  # creating a provider is no change
    call()  # unknown -> healthy
    assert _check_latest(db, client, owner, pid, 1)["status"] == "healthy"
    call()  # healthy again: nothing
    _check_latest(db, client, owner, pid, 1)

    fake.faults = FaultPlan.always("http_500")
    call()  # 1 failure in 3 attempts -> degraded
    assert _check_latest(db, client, owner, pid, 2)["status"] == "degraded"
    call()  # 2 in 4: still degraded, circuit still closed
    _check_latest(db, client, owner, pid, 2)
    call()  # 3 in 5 -> unhealthy, and the third failure in a row opens the circuit: one write
    frame = _check_latest(db, client, owner, pid, 3)
    assert (frame["circuit"], frame["status"]) == ("open", "cooling_down")
    assert frame["consecutive_failures"] == 3 and frame["last_error_class"]
    call()  # a failed probe: longer cooldown, more trips, same status and circuit: nothing
    _check_latest(db, client, owner, pid, 3)

    fake.faults = FaultPlan()
    call()  # the circuit closes; 4 failures in 7 is still unhealthy
    frame = _check_latest(db, client, owner, pid, 4)
    assert (frame["circuit"], frame["status"]) == ("closed", "unhealthy")
    call()  # 4 in 8: unhealthy
    _check_latest(db, client, owner, pid, 4)
    call()  # 4 in 9 -> degraded
    assert _check_latest(db, client, owner, pid, 5)["status"] == "degraded"
    call(15)  # attempts 10..24: the failures leave the 20-attempt window one by one
    frame = _check_latest(db, client, owner, pid, 5)
    assert frame["window_attempts"] == 20 and frame["error_rate"] == 0.1
    call()  # attempt 25: one failure left in the window -> healthy
    frame = _check_latest(db, client, owner, pid, 6)
    assert (frame["status"], frame["window_attempts"], frame["error_rate"]) == (
        "healthy", 20, 0.05)

    # Only the provider's tenant ever sees these events, whichever way it reads the feed.
    ids = [f["id"] for f in _health_frames(db, owner.tenant_id)]
    assert _health_frames(db, other.tenant_id) == []
    assert events_by_ids(db, other.tenant_id, ids) == []


def test_passive_health_job_writes_emit_only_on_change(
    app: Flask, client: FlaskClient, database_url: str, fake: FakeLLMServer
) -> None:
    from webapp.llm.health_checks import passive_update

    db = _db(app)
    owner = register_owner(client, "Passive Health")
    pid = _add_provider(client, owner, fake, "Quiet")

    def log(status: str, n: int) -> None:
        for _ in range(n):
            as_owner(database_url, "insert into llm_usage_logs (tenant_id, provider_id, "
                     "provider_kind, model, feature, status, unpriced, latency_ms) values "
                     "(%s, %s, 'openai_compatible', 'm', 'importance_detection', %s, true, "
                     "120.5)", (owner.tenant_id, pid, status))

    assert passive_update(db, owner.tenant_id, pid) == "unknown"  # no traffic: no change
    _check_latest(db, client, owner, pid, 0)
    log("error", 5)
    assert passive_update(db, owner.tenant_id, pid) == "unhealthy"
    assert _check_latest(db, client, owner, pid, 1)["status"] == "unhealthy"
    assert passive_update(db, owner.tenant_id, pid) == "unhealthy"  # the next run: no change
    _check_latest(db, client, owner, pid, 1)
    log("ok", 45)
    assert passive_update(db, owner.tenant_id, pid) == "healthy"
    assert _check_latest(db, client, owner, pid, 2)["status"] == "healthy"

    # A provider without a health row gets one from the job: an event when it says more than
    # "unknown, closed" (what the API reports for a provider without a row).
    as_owner(database_url, "delete from llm_health where provider_id = %s", (pid,))
    assert passive_update(db, owner.tenant_id, pid) == "healthy"
    _check_latest(db, client, owner, pid, 3)


def test_health_events_keep_commit_order(
    app: Flask, client: FlaskClient, database_url: str, fake: FakeLLMServer
) -> None:
    db = _db(app)
    owner = register_owner(client, "Ordered Health")
    pid = _add_provider(client, owner, fake, "Ordered")
    flip = "update llm_health set status = %s where provider_id = %s"

    # While another transaction of the tenant holds an event id, a health change waits for its
    # commit before drawing its own id (the commit-order lock of migrations 0013/0014).
    with db.tenant(owner.tenant_id) as first:
        held = first.execute("insert into events (tenant_id, type, data) values "
                             "(mf_current_tenant(), 'test.hold', '{}') returning id").fetchone()
        assert held is not None
        with db.tenant(owner.tenant_id) as second:
            second.execute("set local lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable), second.transaction():
                second.execute(flip, ("degraded", pid))
    with db.tenant(owner.tenant_id) as conn:
        conn.execute(flip, ("degraded", pid))
    frames = _health_frames(db, owner.tenant_id)
    assert [f["data"]["status"] for f in frames] == ["degraded"]
    assert frames[0]["id"] > held["id"]

    # A writer with no tenant setting (an operator as superuser) goes through 0013's row
    # trigger, and the event is still the provider's tenant's.
    as_owner(database_url, flip, ("healthy", pid))
    as_owner(database_url, flip, ("healthy", pid))  # no change, no event
    frames = _health_frames(db, owner.tenant_id)  # frames show the provider as it is now
    assert [f["data"]["status"] for f in frames] == ["healthy", "healthy"]
    assert frames[1]["id"] > frames[0]["id"]
