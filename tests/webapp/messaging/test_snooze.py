"""Snoozed conversations wake up on their own: at snoozed_until they are open again, with the
snooze cleared and one conversation.updated event each, across tenants, once, also with two
wakers at once; the gateway process does it periodically."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from tests import factories as make
from tests.factories import msg
from tests.webapp.messaging.conftest import db_now, events_since, last_event_id, query_all
from webapp.db import Database
from webapp.messaging import snooze
from webapp.messaging.conversations import ConversationFilters, list_conversations
from webapp.messaging.ingest import ingest
from webapp.security.principal import Principal
from webapp.tenants.service import create_tenant
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig

T = TypeVar("T")
MINUTE, DAY = dt.timedelta(minutes=1), dt.timedelta(days=1)
UPDATED = "conversation.updated"


def desk(db: Database, count: int) -> tuple[int, list[int]]:
    """A new tenant with `count` open conversations (ids in chat order)."""
    tenant = create_tenant(db, f"Snooze {uuid.uuid4().hex[:6]}")
    # logged out: the gateway runner of the last test must not start this device
    device = make.device(db, tenant, status="logged_out")
    chats = [f"55119000{i:05d}@s.whatsapp.net" for i in range(count)]
    result = ingest(db, tenant, [msg(f"M{i}", "hello", i, chat=chat)
                                 for i, chat in enumerate(chats)], device_id=device)
    assert result.rejected == []
    ids = {r["chat_jid"]: int(r["id"]) for r in
           query_all(db, tenant, "select id, chat_jid from conversations")}
    return tenant, [ids[chat] for chat in chats]


def put(db: Database, tenant: int, conv: int, status: str, until: dt.datetime | None) -> None:
    """Set a conversation's status and snooze time directly."""
    rows = query_all(db, tenant, "update conversations set status = %s, snoozed_until = %s "
                     "where id = %s returning id", (status, until, conv))
    assert len(rows) == 1


def state(db: Database, tenant: int, conv: int) -> tuple[str, dt.datetime | None]:
    """(status, snoozed_until) of a conversation."""
    rows = query_all(db, tenant, "select status, snoozed_until from conversations where id = %s",
                     (conv,))
    return rows[0]["status"], rows[0]["snoozed_until"]


def updated(db: Database, tenant: int, after: int) -> list[int]:
    """Conversation ids of the tenant's conversation.updated events after an event id."""
    return sorted(entity for kind, entity in events_since(db, tenant, after) if kind == UPDATED)


def wait_for(check: Callable[[], T], timeout: float = 5.0) -> T:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return value


def test_due_snoozes_reopen_with_one_event_each_and_nothing_else_moves(db: Database) -> None:
    tenant, (due, overdue, later, forever, resolved, reopened) = desk(db, 6)
    now = db_now(db)
    put(db, tenant, due, "snoozed", now - MINUTE)
    put(db, tenant, overdue, "snoozed", now - DAY)
    put(db, tenant, later, "snoozed", now + DAY)
    put(db, tenant, forever, "snoozed", None)  # snoozed without a time: until a message comes
    put(db, tenant, resolved, "resolved", now - DAY)
    put(db, tenant, reopened, "open", now - DAY)  # reopened by a message, time left behind
    mark = last_event_id(db, tenant)

    assert snooze.wake_due(db) == 2

    assert state(db, tenant, due) == state(db, tenant, overdue) == ("open", None)
    assert state(db, tenant, later) == ("snoozed", now + DAY)
    assert state(db, tenant, forever) == ("snoozed", None)
    assert state(db, tenant, resolved) == ("resolved", now - DAY)
    assert state(db, tenant, reopened) == ("open", now - DAY)
    assert events_since(db, tenant, mark) == [(UPDATED, min(due, overdue)),
                                              (UPDATED, max(due, overdue))]
    # What the feed sends (re-read under the tenant's RLS context): the open conversation.
    frames = query_all(db, tenant, "select mf_event_frame(e) as f from events e "
                       "where id > %s order by id", (mark,))
    assert [(f["f"]["id"], f["f"]["status"], f["f"]["snoozed_until"]) for f in frames] == [
        (min(due, overdue), "open", None), (max(due, overdue), "open", None)]
    # ... and back in the open queue.
    who = Principal(0, tenant, "owner", "s", "o@example.com", "Owner", "Snooze")
    page = list_conversations(db, who, ConversationFilters(status="open"), limit=50, cursor=None)
    listed = {int(r.split('"id":')[1].split(",")[0]) for r in page.rows}
    assert {due, overdue, reopened} <= listed and later not in listed

    # Calling again does nothing more.
    again = last_event_id(db, tenant)
    assert snooze.wake_due(db) == 0
    assert last_event_id(db, tenant) == again


def test_each_tenant_wakes_with_its_own_events(db: Database) -> None:
    (a, (a1, a2)), (b, (b1,)) = desk(db, 2), desk(db, 1)
    now = db_now(db)
    put(db, a, a1, "snoozed", now - MINUTE)
    put(db, a, a2, "snoozed", now + DAY)
    put(db, b, b1, "snoozed", now - MINUTE)
    mark_a, mark_b = last_event_id(db, a), last_event_id(db, b)

    assert snooze.wake_due(db) == 2

    assert events_since(db, a, mark_a) == [(UPDATED, a1)]
    assert events_since(db, b, mark_b) == [(UPDATED, b1)]
    assert state(db, a, a2) == ("snoozed", now + DAY)


def test_an_explicit_time_decides_what_is_due(db: Database) -> None:
    tenant, (conv,) = desk(db, 1)
    now = db_now(db)
    put(db, tenant, conv, "snoozed", now + dt.timedelta(hours=1))
    assert snooze.wake_due(db, now=now) == 0
    assert state(db, tenant, conv)[0] == "snoozed"
    assert snooze.wake_due(db, now=now + dt.timedelta(hours=2)) == 1
    assert state(db, tenant, conv) == ("open", None)


def test_two_wakers_at_once_wake_each_conversation_once(db: Database) -> None:
    tenant, convs = desk(db, 40)
    now = db_now(db)
    for conv in convs:
        put(db, tenant, conv, "snoozed", now - MINUTE)
    mark = last_event_id(db, tenant)
    counts: list[int] = []
    gate = threading.Barrier(2)

    def waker() -> None:
        gate.wait()
        counts.append(snooze.wake_due(db, batch=3))

    threads = [threading.Thread(target=waker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(counts) == 40 and len(counts) == 2
    assert updated(db, tenant, mark) == sorted(convs)  # one event each, no duplicates
    assert {state(db, tenant, c) for c in convs} == {("open", None)}


def test_a_conversation_held_by_another_transaction_is_skipped_not_waited_for(
        db: Database, database_url: str) -> None:
    tenant, (held, free) = desk(db, 2)
    now = db_now(db)
    put(db, tenant, held, "snoozed", now - MINUTE)
    put(db, tenant, free, "snoozed", now - MINUTE)
    mark = last_event_id(db, tenant)
    woken: list[int] = []
    with psycopg.connect(database_url) as other:  # e.g. an agent's PATCH in flight
        other.execute("select 1 from conversations where id = %s for update", (held,))
        waker = threading.Thread(target=lambda: woken.append(snooze.wake_due(db)))
        waker.start()
        waker.join(5)
        blocked = waker.is_alive()
        other.rollback()
    waker.join(10)
    assert not blocked and woken == [1]
    assert updated(db, tenant, mark) == [free]
    assert snooze.wake_due(db) == 1
    assert updated(db, tenant, mark) == sorted([held, free])


def test_the_gateway_wakes_snoozed_conversations_and_survives_failures(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    tenant, (conv,) = desk(db, 1)
    put(db, tenant, conv, "snoozed", db_now(db) + dt.timedelta(milliseconds=300))
    mark = last_event_id(db, tenant)
    real, calls = snooze.wake_due, []

    def flaky(database: Database, now: Any = None, **kw: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise psycopg.OperationalError("the database went away")
        return real(database, now, **kw)

    monkeypatch.setattr(snooze, "wake_due", flaky)
    cfg = RunnerConfig(poll_interval=0.05, outbox_interval=0.05, snooze_interval=0.05,
                       home=tmp_path)
    runner = GatewayRunner(db, cfg, process_due=lambda *a, **k: 0)
    with caplog.at_level(logging.ERROR, logger="webapp.whatsapp.runner"):
        runner.start()
        try:
            wait_for(lambda: state(db, tenant, conv)[0] == "open")
            count = len(calls)
            wait_for(lambda: len(calls) > count + 2)  # the loop keeps going
        finally:
            runner.stop()
    assert state(db, tenant, conv) == ("open", None)
    assert updated(db, tenant, mark) == [conv]
    assert "waking snoozed conversations failed" in caplog.text


def test_an_inbound_message_reopens_a_snoozed_conversation_and_clears_its_time(
        db: Database) -> None:
    tenant, (conv,) = desk(db, 1)
    device = int(query_all(db, tenant, "select device_id from conversations where id = %s",
                           (conv,))[0]["device_id"])
    put(db, tenant, conv, "snoozed", db_now(db) + DAY)

    result = ingest(db, tenant, [msg("M-again", "still broken", 50,
                                     chat="55119000" + "00000@s.whatsapp.net")],
                    device_id=device)

    assert result.rejected == []
    assert state(db, tenant, conv) == ("open", None)
