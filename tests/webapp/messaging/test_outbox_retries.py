"""The outbox worker when sending fails: backoff and retry hints, giving up, unusable
devices, stale claims, and concurrent workers that never send one row twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.webapp.messaging.conftest import (
    OutboxDesk,
    db_now,
    events_since,
    last_event_id,
    outbox_state,
    query_all,
    queue_reply,
)
from webapp.db import Database
from webapp.messaging import outbound
from webapp.whatsapp.gateway import DeviceUnavailable, FakeGateway, GatewayError, SendFailed
from webapp.whatsapp.outbox import MAX_ATTEMPTS, backoff_seconds, process_due

pytestmark = pytest.mark.usefixtures("settled_outbox")

def test_retry_with_backoff_then_success(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "retry me")
    fake.fail_next()
    fake.fail_next()
    t0 = db_now(db) + dt.timedelta(seconds=1)
    assert process_due(db, lambda row: fake, now=t0) == 1
    first = outbox_state(db, outbox_desk, m["id"])
    assert (first["outbox"], first["status"], first["attempts"]) == ("queued", "queued", 1)
    assert first["next_attempt_at"] == t0 + dt.timedelta(seconds=2)
    assert "simulated send failure" in first["last_error"]
    assert process_due(db, lambda row: fake, now=t0 + dt.timedelta(seconds=1)) == 0
    t1 = t0 + dt.timedelta(seconds=2)
    assert process_due(db, lambda row: fake, now=t1) == 1
    second = outbox_state(db, outbox_desk, m["id"])
    assert second["attempts"] == 2 and second["next_attempt_at"] == t1 + dt.timedelta(seconds=4)
    assert process_due(db, lambda row: fake, now=t1 + dt.timedelta(seconds=4)) == 1
    done = outbox_state(db, outbox_desk, m["id"])
    assert (done["outbox"], done["status"], done["attempts"], done["last_error"]) == (
        "sent", "sent", 3, None)
    assert len(fake.sent) == 1


def test_retry_hint_is_honoured(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "slow down")
    limited = SendFailed("rate limited")
    limited.retry_after = 42  # type: ignore[attr-defined]
    fake.fail_next(limited)
    t0 = db_now(db) + dt.timedelta(seconds=1)
    process_due(db, lambda row: fake, now=t0)
    after = outbox_state(db, outbox_desk, m["id"])
    assert after["next_attempt_at"] == t0 + dt.timedelta(seconds=42)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 8, 9, 20)] == [2, 4, 8, 256, 300, 300]


def test_gives_up_after_max_attempts(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "never arrives")
    for _ in range(MAX_ATTEMPTS):
        fake.fail_next()
    now = db_now(db) + dt.timedelta(seconds=1)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert process_due(db, lambda row: fake, now=now) == 1
        now += dt.timedelta(seconds=301)
        assert outbox_state(db, outbox_desk, m["id"])["attempts"] == attempt
    final = outbox_state(db, outbox_desk, m["id"])
    assert (final["outbox"], final["status"]) == ("failed", "failed")
    assert process_due(db, lambda row: fake, now=now + dt.timedelta(days=1)) == 0
    assert fake.sent == []


def test_device_unavailable_fails_at_once(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "device gone")
    fake.fail_next(DeviceUnavailable("device is logged_out"))
    before = last_event_id(db, outbox_desk.tenant)
    assert process_due(db, lambda row: fake) == 1
    after = outbox_state(db, outbox_desk, m["id"])
    assert (after["outbox"], after["status"], after["attempts"]) == ("failed", "failed", 1)
    assert "logged_out" in after["last_error"]
    assert events_since(db, outbox_desk.tenant, before) == [("message.updated", m["id"])] * 2


def test_device_logged_out_after_queueing_fails_without_sending(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "too late")
    query_all(db, outbox_desk.tenant, "update devices set status = 'logged_out' where id = %s "
              "returning id", (outbox_desk.device,))
    try:
        assert process_due(db, lambda row: fake) == 1
    finally:
        query_all(db, outbox_desk.tenant, "update devices set status = 'connected' where id = %s "
                  "returning id", (outbox_desk.device,))
    after = outbox_state(db, outbox_desk, m["id"])
    assert (after["outbox"], after["status"]) == ("failed", "failed")
    assert "logged_out" in after["last_error"] and fake.sent == []


def test_a_permanent_gateway_error_fails_at_once(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    m = queue_reply(client, outbox_desk, "refused")
    fake.fail_next(GatewayError("only text can be forwarded"))
    assert process_due(db, lambda row: fake) == 1
    after = outbox_state(db, outbox_desk, m["id"])
    assert (after["outbox"], after["status"], after["attempts"]) == ("failed", "failed", 1)


def test_a_stale_claim_cannot_record_an_outcome(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk) -> None:
    m = queue_reply(client, outbox_desk, "stale")
    now = db_now(db) + dt.timedelta(seconds=1)
    [first] = outbound.claim(db, 10, now)
    job = outbound.start(db, first)
    assert job is not None
    [second] = outbound.claim(db, 10, now + dt.timedelta(seconds=outbound.LEASE_SECONDS + 1))
    assert second.attempts == 2 and outbound.start(db, first) is None
    assert not outbound.mark_sent(db, job, "LATE-1")
    assert not outbound.mark_failed(db, job, "late", retry_in=None)
    assert outbox_state(db, outbox_desk, m["id"])["outbox"] == "sending"


class SlowGateway(FakeGateway):
    """A gateway that takes a moment per send, so concurrent workers overlap."""

    def _record(self, sent: Any) -> str:
        time.sleep(0.005)
        return super()._record(sent)


def test_concurrent_workers_never_send_a_row_twice(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk) -> None:
    texts = [f"parallel {i}" for i in range(40)]
    ids = [queue_reply(client, outbox_desk, t)["id"] for t in texts]
    gateway = SlowGateway()
    gateway.start(str(outbox_desk.device))
    handled: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while (n := process_due(db, lambda row: gateway, limit=3)) > 0:
                handled.append(n)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and sum(handled) == 40
    assert sorted(s.text or "" for s in gateway.sent) == sorted(texts)
    assert {outbox_state(db, outbox_desk, i)["outbox"] for i in ids} == {"sent"}

