"""Writers of one tenant never deadlock: ingest running while agents mark conversations read,
change them and reply, all on the same conversations, or while the gateway stores a device's
status; and every event writer takes the tenant's event lock in its first statement, before any
row lock (migration 0019, `Database.tenant(..., events=True)`)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from tests import factories as make
from tests.factories import msg
from webapp.db import Database
from webapp.labels.service import attach_label, create_label, detach_label
from webapp.messaging import outbound
from webapp.messaging.conversations import mark_read, update_conversation
from webapp.messaging.sending import reply
from webapp.messaging.service import ingest
from webapp.messaging.snooze import wake_tenant
from webapp.security.principal import Principal
from webapp.whatsapp.devices import apply_status
from webapp.whatsapp.results import DeviceStatusChange

CHATS = [f"55119777000{i:02d}@s.whatsapp.net" for i in range(3)]
ROUNDS = 60


def _owner(db: Database) -> Principal:
    return make.principal(db, f"Writers {uuid.uuid4().hex[:6]}", name="Owner")


def _run(workers: list[Callable[[int], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def loop(work: Callable[[int], None]) -> None:
        start.wait()
        try:
            for i in range(ROUNDS):
                work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_ingest_and_agents_on_the_same_conversations_never_deadlock(db: Database) -> None:
    p = _owner(db)
    device = make.device(db, p.tenant_id)
    ingest(db, p.tenant_id, [msg(f"W-{i}", "hi", i, chat=c) for i, c in enumerate(CHATS)],
           device_id=device)
    convs = [make.conversation(db, p.tenant_id, c) for c in CHATS]

    def gateway(i: int) -> None:  # a batch touching every conversation, in varying order
        order = CHATS[i % 3:] + CHATS[:i % 3]
        ingest(db, p.tenant_id, [msg(f"G-{i}-{k}", f"update {i}", 100 + i, chat=c)
                                 for k, c in enumerate(order)], device_id=device)

    def reader(i: int) -> None:
        mark_read(db, p, convs[i % 3])

    def triager(i: int) -> None:
        update_conversation(db, p, convs[(i + 1) % 3],
                            {"priority": ("high", "normal")[i % 2], "status": "open"})

    def agent(i: int) -> None:
        reply(db, p, convs[(i + 2) % 3], f"on it ({i})")

    errors = _run([gateway, reader, triager, agent])

    assert errors == []
    assert _message_count(db, p.tenant_id) == 3 + 3 * ROUNDS + ROUNDS


def _message_count(db: Database, tenant_id: int) -> int:
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select count(*) as n from messages").fetchone()
    assert row is not None
    return int(row["n"])


def test_ingest_and_device_status_changes_never_deadlock(db: Database) -> None:
    # the gateway storing a device's status (device row locked, then its event) while a replay
    # ingests into the same device (its inserts hold the device row's foreign-key lock)
    p = _owner(db)
    device = make.device(db, p.tenant_id)

    def replay(i: int) -> None:
        ingest(db, p.tenant_id, [msg(f"D-{i}", "hello", i, chat=CHATS[i % 3])], device_id=device)

    def gateway(i: int) -> None:
        status = ("connected", "disconnected")[i % 2]
        apply_status(db, p.tenant_id, device, DeviceStatusChange(status, event=status))

    assert _run([replay, gateway]) == []
    assert _message_count(db, p.tenant_id) == ROUNDS


LOCKED_FIRST = re.compile(r"^select mf_lock_tenant_events\(\) from \(select set_config")


def _holding_the_event_lock(db: Database, admin: psycopg.Connection[Any], tenant_id: int,
                            write: Callable[[], object]) -> str:
    """Run `write` while another transaction holds the tenant's event lock; the statement it
    was waiting in (it must be its first: the lock before any row lock). The write then ends."""
    errors: list[BaseException] = []
    with db.tenant(tenant_id, events=True):  # the holder
        thread = threading.Thread(target=lambda: _catch(write, errors))
        thread.start()
        deadline = time.monotonic() + 10
        waiting: list[tuple[Any, ...]] = []
        while not waiting and time.monotonic() < deadline:
            waiting = admin.execute(  # a superuser sees the other sessions' statements
                "select a.query from pg_stat_activity a join pg_locks l on l.pid = a.pid "
                "where l.locktype = 'advisory' and not l.granted "
                "and a.datname = current_database()").fetchall()
            # pg_stat_activity and pg_locks are read at two instants: the activity may still
            # show the transaction's BEGIN while the lock table already shows the wait of the
            # statement after it. Look again until both agree.
            if waiting and str(waiting[0][0]).strip().upper() == "BEGIN":
                waiting = []
            time.sleep(0.01)
    thread.join(30)
    assert errors == [] and not thread.is_alive()
    assert waiting, "the writer never waited for the event lock"
    return str(waiting[0][0])


def _catch(work: Callable[[], object], errors: list[BaseException]) -> None:
    try:
        work()
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_every_writer_takes_the_event_lock_in_its_first_statement(db: Database,
                                                                  database_url: str) -> None:
    p = _owner(db)
    device = make.device(db, p.tenant_id)
    ingest(db, p.tenant_id, [msg("F-1", "hi", 1, chat=CHATS[0])], device_id=device)
    conv = make.conversation(db, p.tenant_id, CHATS[0])
    label = create_label(db, p, "vip", None)["id"]
    due = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    writers: dict[str, Callable[[], object]] = {
        "ingest": lambda: ingest(db, p.tenant_id, [msg("F-2", "again", 2, chat=CHATS[0])],
                                 device_id=device),
        "mark read": lambda: mark_read(db, p, conv),
        "change": lambda: update_conversation(db, p, conv, {"priority": "high"}),
        "snooze": lambda: update_conversation(db, p, conv, {"snoozed_until": due}),
        "wake": lambda: wake_tenant(db, p.tenant_id, due + dt.timedelta(minutes=1)),
        "reply": lambda: reply(db, p, conv, "on it"),
        "label": lambda: attach_label(db, p, conv, label),
        "unlabel": lambda: detach_label(db, p, conv, label),
        "device status": lambda: apply_status(db, p.tenant_id, device,
                                              DeviceStatusChange("disconnected", event="x")),
    }
    with psycopg.connect(database_url, autocommit=True) as admin:
        for name, write in writers.items():
            query = _holding_the_event_lock(db, admin, p.tenant_id, write)
            assert LOCKED_FIRST.match(query), (name, query)

        # the outbox sender: start a send, requeue it after a failure, start it again, mark sent
        jobs: list[outbound.OutboxJob] = []

        def start_send() -> None:
            claimed = [r for r in outbound.claim(db, 100) if r.tenant_id == p.tenant_id]
            assert len(claimed) == 1
            job = outbound.start(db, claimed[0])
            assert job is not None
            jobs.append(job)

        sender: list[tuple[str, Callable[[], object]]] = [
            ("outbox start", start_send),
            ("outbox retry", lambda: outbound.mark_failed(db, jobs[-1], "offline", retry_in=0)),
            ("outbox start again", start_send),
            ("outbox sent", lambda: outbound.mark_sent(db, jobs[-1], "3EB0SENT0000001")),
        ]
        for name, write in sender:
            query = _holding_the_event_lock(db, admin, p.tenant_id, write)
            assert LOCKED_FIRST.match(query), (name, query)
    assert _message_count(db, p.tenant_id) == 3  # F-1, F-2 and the reply, sent once
