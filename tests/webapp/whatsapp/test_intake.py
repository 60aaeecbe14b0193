"""The gateway intake's group commit: a callback carrying message data returns only once its
row is committed, and never as a success when its batch failed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from tests import factories as make
from tests.factories import msg
from webapp.db import Database
from webapp.errors import DependencyDown, NotFound
from webapp.messaging.records import Record, validate_record
from webapp.tenants.service import create_tenant
from webapp.whatsapp import intake as intake_module
from webapp.whatsapp.intake import Backoff, Intake, IntakeClosed
from webapp.whatsapp.results import DeviceStatusChange, HistoryBatch


@pytest.fixture(scope="module")
def desk(db: Database) -> tuple[int, int]:
    tenant = create_tenant(db, "Intake")
    return tenant, make.device(db, tenant)


@pytest.fixture
def make_intake(db: Database, desk: tuple[int, int]) -> Iterator[Callable[..., Intake]]:
    made: list[Intake] = []

    def make(start: bool = True, **kw: Any) -> Intake:
        tenant = desk[0]
        kw.setdefault("db_backoff", Backoff(0.01, 0.05, jitter=0))
        it = Intake(db, kw.pop("tenant_of", lambda _d: tenant), lambda *a: None, **kw)
        if start:
            it.start()
        made.append(it)
        return it

    yield make
    for it in made:
        it.close(2.0)


def record(wa_id: str) -> Record:
    return validate_record(msg(wa_id, f"text of {wa_id}"))


def committed(database_url: str, wa_id: str) -> int:
    """Rows with this WhatsApp id that another connection can see (committed ones)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("select count(*) from messages where wa_message_id = %s",
                           (wa_id,)).fetchone()
    return int(row[0]) if row else 0


class Callback(threading.Thread):
    """A WhatsApp callback thread: submits, then notes what it saw when submit returned."""

    def __init__(self, intake: Intake, device: int, item: Any,
                 after: Callable[[], Any] = lambda: None) -> None:
        super().__init__(daemon=True)
        self.intake, self.device, self.item, self.after = intake, device, item, after
        self.error: BaseException | None = None
        self.seen: Any = None
        self.returned = threading.Event()

    def run(self) -> None:
        try:
            self.intake.submit(self.device, self.item)
            self.seen = self.after()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        self.returned.set()


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_message_callback_returns_only_after_its_row_is_committed(
        make_intake: Callable[..., Intake], database_url: str, desk: tuple[int, int]) -> None:
    intake = make_intake()
    with psycopg.connect(database_url) as locker:
        # Holding this lock parks the worker's transaction at its insert into messages.
        locker.execute("lock table messages in exclusive mode")
        callback = Callback(intake, desk[1], record("LIVE-1"),
                            after=lambda: committed(database_url, "LIVE-1"))
        callback.start()
        wait_until(lambda: locker.execute(
            "select count(*) from pg_locks where not granted "
            "and relation = 'messages'::regclass").fetchone() == (1,))
        time.sleep(0.2)
        assert not callback.returned.is_set()  # its transaction is open: no receipt yet
        assert committed(database_url, "LIVE-1") == 0
    # The lock is released (the locker's transaction ended): the batch commits.
    assert callback.returned.wait(10)
    assert callback.error is None
    assert callback.seen == 1  # already committed when the callback returned


def test_a_failing_item_fails_its_callback_and_spares_its_batch(
        make_intake: Callable[..., Intake], database_url: str, desk: tuple[int, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_ingest = intake_module.ingest

    def poisoned(db: Database, tenant: int, records: list[Record], **kw: Any) -> Any:
        ids = [r.id for r in records]
        calls.append(ids)
        if "BAD-1" in ids:
            raise RuntimeError("poisoned record")
        return real_ingest(db, tenant, records, **kw)

    monkeypatch.setattr(intake_module, "ingest", poisoned)
    intake = make_intake(start=False)
    callbacks = [Callback(intake, desk[1], record(i)) for i in ("OK-1", "BAD-1", "OK-2")]
    for c in callbacks:
        c.start()
    wait_until(lambda: intake._queue.qsize() == 3)
    intake.start()  # one pass takes all three: one batch
    for c in callbacks:
        assert c.returned.wait(10)
    assert sorted(calls[0]) == ["BAD-1", "OK-1", "OK-2"]
    assert sorted(map(tuple, calls[1:])) == [("BAD-1",), ("OK-1",), ("OK-2",)]
    ok1, bad, ok2 = callbacks
    assert ok1.error is None and ok2.error is None
    assert isinstance(bad.error, RuntimeError) and "poisoned" in str(bad.error)
    assert [committed(database_url, i) for i in ("OK-1", "BAD-1", "OK-2")] == [1, 0, 1]


def test_a_real_database_refusal_reaches_the_callback(
        make_intake: Callable[..., Intake], db: Database, database_url: str,
        desk: tuple[int, int]) -> None:
    other = create_tenant(db, "Not the device's tenant")
    intake = make_intake(tenant_of=lambda _d: other)  # the device is not `other`'s
    for item in (record("WRONG-1"), HistoryBatch([record("WRONG-2")], progress=10)):
        callback = Callback(intake, desk[1], item)
        callback.start()
        assert callback.returned.wait(10)
        assert isinstance(callback.error, NotFound)
    assert committed(database_url, "WRONG-1") == committed(database_url, "WRONG-2") == 0


def test_callbacks_wait_while_the_database_is_down_and_fail_if_it_never_returns(
        make_intake: Callable[..., Intake], database_url: str, desk: tuple[int, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    down = threading.Event()
    down.set()
    attempts: list[str] = []
    real_ingest = intake_module.ingest

    def flaky(db: Database, tenant: int, records: list[Record], **kw: Any) -> Any:
        attempts.append(records[0].id)
        if down.is_set():
            raise DependencyDown("The database is unavailable.")
        return real_ingest(db, tenant, records, **kw)

    monkeypatch.setattr(intake_module, "ingest", flaky)
    intake = make_intake()
    waiting = Callback(intake, desk[1], record("OUTAGE-1"))
    waiting.start()
    wait_until(lambda: len(attempts) >= 3)
    assert not waiting.returned.is_set()  # retried, not released
    down.clear()
    assert waiting.returned.wait(10) and waiting.error is None
    assert committed(database_url, "OUTAGE-1") == 1

    down.set()
    stuck = Callback(intake, desk[1], record("OUTAGE-2"))
    stuck.start()
    wait_until(lambda: attempts.count("OUTAGE-2") >= 2)
    intake.close(timeout=0.3)  # shutting down while the database is still down
    assert stuck.returned.wait(10)
    assert isinstance(stuck.error, IntakeClosed)
    assert committed(database_url, "OUTAGE-2") == 0
    with pytest.raises(IntakeClosed):
        intake.submit(desk[1], record("AFTER-CLOSE"))


def test_status_changes_do_not_wait(make_intake: Callable[..., Intake],
                                    desk: tuple[int, int]) -> None:
    intake = make_intake(start=False)  # nothing is processed yet
    started = time.monotonic()
    intake.submit(desk[1], DeviceStatusChange("connected", None, None, "connected"))
    assert time.monotonic() - started < 0.5
    assert intake._queue.qsize() == 1


def test_concurrent_callbacks_still_share_transactions(
        make_intake: Callable[..., Intake], database_url: str, desk: tuple[int, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real_ingest = intake_module.ingest

    def counted(db: Database, tenant: int, records: list[Record], **kw: Any) -> Any:
        sizes.append(len(records))
        return real_ingest(db, tenant, records, **kw)

    monkeypatch.setattr(intake_module, "ingest", counted)
    intake = make_intake(linger=0.005)
    callbacks = [Callback(intake, desk[1], record(f"GC-{i:03d}")) for i in range(60)]
    for c in callbacks:
        c.start()
    for c in callbacks:
        assert c.returned.wait(20) and c.error is None
    assert sum(sizes) == 60
    assert len(sizes) < 60 and max(sizes) > 1  # group commit: several callbacks per commit
    with psycopg.connect(database_url) as conn:
        row = conn.execute("select count(*) from messages where wa_message_id like 'GC-%'"
                           ).fetchone()
    assert row == (60,)


def test_devices_of_one_pass_are_stored_side_by_side_and_fail_alone(
        make_intake: Callable[..., Intake], db: Database, database_url: str,
        desk: tuple[int, int]) -> None:
    tenant, device = desk
    other_tenant = create_tenant(db, "Second desk")
    other_device = make.device(db, other_tenant)
    stranger = make.device(db, other_tenant)  # claimed below for the wrong tenant
    owners = {device: tenant, other_device: other_tenant, stranger: tenant}
    intake = make_intake(start=False, tenant_of=owners.__getitem__)
    callbacks = [Callback(intake, d, record(f"SIDE-{d}-{i}"))
                 for i in range(3) for d in (device, other_device, stranger)]
    for c in callbacks:
        c.start()
    wait_until(lambda: intake._queue.qsize() == len(callbacks))
    intake.start()
    for c in callbacks:
        assert c.returned.wait(10)
    for c in callbacks:
        if c.device == stranger:
            assert isinstance(c.error, NotFound)
        else:
            assert c.error is None
    assert [committed(database_url, f"SIDE-{d}-{i}") for d in (device, other_device, stranger)
            for i in range(3)] == [1, 1, 1, 1, 1, 1, 0, 0, 0]
