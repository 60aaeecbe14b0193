"""Device leases against the real database: fair share, takeover after expiry, release, the
outbox claim by holder, stale status reports, and a runner's fence (it disconnects before its
lease can end when renewals stall, and at once when its lease is taken)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.webapp.whatsapp.test_runner import (
    ANA,
    add_device,
    device_row,
    fresh_database,
    unavailable,
    wait_for,
)
from webapp.db import Database
from webapp.messaging import outbound, sending
from webapp.messaging.ingest import ingest
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant
from webapp.whatsapp import devices
from webapp.whatsapp.leases import LeaseConfig, LeaseKeeper
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig

SHORT = LeaseConfig(lease_seconds=1, margin=0.3)


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def test_fair_share_takeover_after_expiry_and_release(fresh: tuple[Database, str]) -> None:
    db, dsn = fresh
    t1, t2 = create_tenant(db, "One"), create_tenant(db, "Two")
    devs = [add_device(db, t, kind="simulator") for t in (t1, t2, t1, t2, t1, t2)]
    removed = add_device(db, t1, kind="simulator", status="logged_out")
    a, b = LeaseKeeper(db, SHORT, name="a"), LeaseKeeper(db, SHORT, name="b")

    first = a.renew()
    assert sorted(first.devices) == devs and (first.fair_share, first.live_holders) == (6, 1)
    assert removed not in first.devices  # nobody serves a removed device
    assert b.renew().devices == {}  # nothing free; b is announced now
    over = a.renew()
    assert over.fair_share == 3  # a gives back what is above its share...
    a.release(sorted(over.devices)[3:])
    got_b = b.renew()  # ...and b takes it
    assert sorted(got_b.devices) == devs[3:] and sorted(a.renew().devices) == devs[:3]
    assert a.valid() and b.valid()

    time.sleep(1.2)  # a stops renewing: its leases and its announcement expire
    assert not a.valid()  # a's own clock says stop before that
    took = b.renew()
    assert sorted(took.devices) == devs and (took.fair_share, took.live_holders) == (6, 1)
    assert a.renew().devices == {}  # back again, but everything is b's now

    assert b.release() == 6
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select count(*) from device_leases").fetchone() == (0,)
        names = conn.execute("select name from gateway_holders").fetchall()
    assert names == [("a",)]


def test_the_app_role_reads_its_own_leases_only_and_writes_none(
        fresh: tuple[Database, str]) -> None:
    db, _ = fresh
    t1, t2 = create_tenant(db, "One"), create_tenant(db, "Two")
    d1 = add_device(db, t1, kind="simulator")
    add_device(db, t2, kind="simulator")
    LeaseKeeper(db).renew()
    with db.tenant(t1) as conn:
        rows = conn.execute("select device_id from device_leases").fetchall()
        assert [r["device_id"] for r in rows] == [d1]
        assert conn.execute("delete from device_leases").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from gateway_holders")


def _queued_replies(db: Database, tenant: int, devs: list[int]) -> list[int]:
    email = f"agent-{uuid.uuid4().hex[:6]}@example.com"
    user = add_user(db, tenant, email, "Agent", "correct horse battery", "member")
    agent = Principal(user, tenant, "member", "s", email, "Agent", "Out")
    out = []
    for dev in devs:
        ingest(db, tenant, [{"kind": "message", "id": f"IN-{dev}", "chat": ANA, "sender": ANA,
                             "text": "hello", "timestamp": "2026-11-25T09:00:00Z"}],
               device_id=dev)
        with db.tenant(tenant) as conn:
            conv = conn.execute("select id from conversations where device_id = %s",
                                (dev,)).fetchone()
        assert conv is not None
        out.append(sending.reply(db, agent, conv["id"], "on it")["id"])
    return out


def test_outbox_claims_follow_the_leases_and_a_dead_claimant_is_taken_over(
        fresh: tuple[Database, str]) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Out")
    d1, d2 = (add_device(db, tenant, kind="simulator", status="connected") for _ in range(2))
    _queued_replies(db, tenant, [d1, d2])
    a, b = LeaseKeeper(db, SHORT, name="a"), LeaseKeeper(db, SHORT, name="b")
    a.renew()
    b.renew()
    a.release([d2])
    b.renew()
    [mine] = outbound.claim(db, 10, holder=a.holder)
    assert mine.device_id == d1
    sending = outbound.start(db, mine)
    assert sending is not None  # a is sending it... and dies
    [theirs] = outbound.claim(db, 10, holder=b.holder)
    assert theirs.device_id == d2
    assert outbound.claim(db, 10, holder=b.holder) == []

    time.sleep(1.2)  # a's leases and announcement expire; the 60 s claim lease has not
    assert d1 in b.renew().devices
    [again] = outbound.claim(db, 10, holder=b.holder)
    assert (again.id, again.attempts) == (mine.id, mine.attempts + 1)
    assert outbound.start(db, mine) is None  # a's claim is stale: it can record nothing
    assert outbound.mark_sent(db, sending, "3EB0LATE") is False


def test_a_status_report_of_a_device_held_elsewhere_is_dropped(
        fresh: tuple[Database, str]) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Stale")
    dev = add_device(db, tenant, kind="simulator", status="connected")
    a, b = LeaseKeeper(db, SHORT, name="a"), LeaseKeeper(db, LeaseConfig(20), name="b")
    a.renew()
    time.sleep(1.2)
    b.renew()  # b took the device over
    late = DeviceStatusChange("disconnected", event="stopped")
    assert devices.apply_status(db, tenant, dev, late, a.holder) is None
    assert device_row(db, tenant, dev)["status"] == "connected"
    assert devices.apply_status(db, tenant, dev, late, b.holder) == "disconnected"


def _runner(db: Database, home: Path, leases: LeaseConfig) -> GatewayRunner:
    cfg = RunnerConfig(poll_interval=0.1, outbox_interval=0.1, home=home, leases=leases)
    return GatewayRunner(db, cfg, process_due=lambda *a, **k: 0)


def test_stalled_renewals_disconnect_before_the_lease_can_end(fresh: tuple[Database, str],
                                                              tmp_path: Path) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Fence")
    dev = add_device(db, tenant, kind="simulator")
    runner = _runner(db, tmp_path, LeaseConfig(lease_seconds=3, margin=1.5))
    runner.start()
    try:
        wait_for(lambda: runner.running() == {dev})
        with psycopg.connect(dsn) as conn:  # renewals now hang, as on a stalled database
            conn.execute("lock table gateway_holders in access exclusive mode")
            row = conn.execute("select lease_until, now() from device_leases").fetchone()
            assert row is not None
            until, locked_at = row
            wait_for(lambda: runner.running() == set(), timeout=5)  # the client is stopped
            stopped = datetime.now(UTC)
            assert unavailable(runner, dev)
            assert stopped - locked_at >= timedelta(seconds=0.5)  # it did hold on meanwhile
            assert stopped <= until - timedelta(seconds=0.5), (stopped, until)
        wait_for(lambda: runner.running() == {dev}, timeout=5)  # renewed: back again
    finally:
        runner.stop()


def test_a_device_whose_lease_is_taken_is_disconnected_at_once(fresh: tuple[Database, str],
                                                               tmp_path: Path) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Taken")
    dev = add_device(db, tenant, kind="simulator")
    runner = _runner(db, tmp_path, LeaseConfig())
    runner.start()
    try:
        wait_for(lambda: device_row(db, tenant, dev)["status"] == "connected"
                 and not unavailable(runner, dev))
        other = uuid.uuid4()
        with psycopg.connect(dsn) as conn:
            conn.execute("insert into gateway_holders (id, name, seen_until) "
                         "values (%s, 'other', now() + interval '1 minute')", (other,))
            conn.execute("update device_leases set holder = %s, holder_name = 'other', "
                         "lease_until = now() + interval '1 minute'", (other,))
        wait_for(lambda: runner.running() == set(), timeout=2)  # well inside its own lease
        assert runner.drain()
        time.sleep(0.3)
        assert runner.running() == set() and unavailable(runner, dev)  # not started again
        # Its "disconnected" came after the other holder took over: not stored.
        assert device_row(db, tenant, dev)["status"] == "connected"
    finally:
        runner.stop()


def test_a_second_runner_gets_its_fair_share_and_the_statuses_stay_right(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Share")
    devs = [add_device(db, tenant, kind="simulator") for _ in range(4)]
    first = _runner(db, tmp_path / "a", LeaseConfig())
    first.start()
    second: GatewayRunner | None = None
    try:
        wait_for(lambda: not any(unavailable(first, d) for d in devs))
        second = _runner(db, tmp_path / "b", LeaseConfig())
        second.start()
        runners = (first, second)

        def split() -> bool:
            mine = [r.running() for r in runners]
            return sorted(map(len, mine)) == [2, 2] and not mine[0] & mine[1]

        wait_for(split, timeout=5)
        assert first.drain() and second.drain()
        # The first runner's "disconnected" for what it gave back came before the second
        # runner's "connected": every device ends connected.
        assert {device_row(db, tenant, d)["status"] for d in devs} == {"connected"}
    finally:
        first.stop()
        if second is not None:
            second.stop()
