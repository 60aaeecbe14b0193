"""Two real `messageflow gateway` processes over one database and 20 simulator devices; one is
SIGKILLed. Every device is held again within 30 s, no device is ever connected by both
processes, every queued reply is sent exactly once, and no inbound message is lost.

Simulator devices deliver their customers' messages on a fixed schedule while held
(webapp/whatsapp/simulated.py), so the test computes from the schedule alone what must be
stored; replies are "sent" by logging (`simulator sent <id>`), which survives the SIGKILL in the
victim's log file. Default lease timings (20 s lease, 3 s renewal): what an operator runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.webapp.whatsapp.test_runner import add_device, fresh_database, wait_for
from webapp.db import Database
from webapp.messaging import sending
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant
from webapp.whatsapp.simulated import Schedule, index_of

REPO = Path(__file__).resolve().parents[3]
DEVICES, RATE, TAKEOVER_BOUND = 20, 1.0, 30.0


@dataclass
class Gateway:
    """One gateway process and its JSON log file."""

    proc: subprocess.Popen[bytes]
    log: Path
    killed_at: datetime | None = None

    def entries(self) -> list[dict[str, Any]]:
        """The process's log lines so far."""
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # the victim's last line, cut by the SIGKILL
                continue
        return out

    def holder(self) -> str | None:
        """The holder id this process announced (None before it started)."""
        for e in self.entries():
            if e["msg"] == "gateway started":
                return str(e["holder"]).split()[0]
        return None


@dataclass
class Sampler:
    """Reads the lease table every 0.2 s while the test runs."""

    dsn: str
    samples: list[list[tuple[int, str]]] = field(default_factory=list)
    halt: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.halt.wait(0.2):
                rows = conn.execute("select device_id, holder::text from device_leases "
                                    "where lease_until > now()").fetchall()
                self.samples.append([(r[0], r[1]) for r in rows])


def start_gateway(dsn: str, home: Path, name: str) -> Gateway:
    """`messageflow gateway --simulator-rate 1` in its own process group, logging to a file."""
    log = home / f"{name}.log"
    env = {**os.environ, "DATABASE_URL": dsn, "MESSAGEFLOW_HOME": str(home / name),
           "LOG_LEVEL": "INFO"}
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "gateway",
                                 "--simulator-rate", str(RATE)], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    return Gateway(proc, log)


def holders(dsn: str) -> dict[int, str]:
    """device id -> holder of its live lease."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("select device_id, holder::text from device_leases "
                            "where lease_until > now()").fetchall()
    return {r[0]: r[1] for r in rows}


def queue_replies(db: Database, dsn: str, agents: dict[int, Principal], batch: int) -> list[int]:
    """One reply per device, to one of its conversations; the message ids."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        convs = conn.execute("select distinct on (device_id) device_id, tenant_id, id "
                             "from conversations order by device_id, id").fetchall()
    assert len(convs) == DEVICES
    return [sending.reply(db, agents[c["tenant_id"]], c["id"],
                          f"reply {batch} from device {c['device_id']}")["id"] for c in convs]


def outbound(dsn: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """message id -> (status, WhatsApp id)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("select id, status, wa_message_id from messages where id = any(%s)",
                            (ids,)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def all_sent(dsn: str, ids: list[int]) -> bool:
    return all(s in ("sent", "delivered") for s, _ in outbound(dsn, ids).values())


def ts(entry: dict[str, Any]) -> datetime:
    return datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def connected_spans(gw: Gateway, end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per device, from 'starting' (logged before connecting) to 'stopped' (logged after
    disconnecting): each span covers the whole time this process had the device connected."""
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    opened: dict[int, datetime] = {}
    for e in gw.entries():
        if "device_id" not in e:
            continue
        device = int(e["device_id"])
        if e["msg"].startswith(f"device {device} starting"):
            opened[device] = ts(e)
        elif e["msg"].startswith(f"device {device} stopped") and device in opened:
            spans.setdefault(device, []).append((opened.pop(device), ts(e)))
    for device, since in opened.items():  # still connected when killed (or at the end)
        spans.setdefault(device, []).append((since, end))
    return spans


@pytest.fixture
def world(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def _setup(db: Database) -> tuple[dict[int, Principal], list[int]]:
    """Three tenants with an agent each, and 20 simulator devices spread over them."""
    agents: dict[int, Principal] = {}
    for n in range(3):
        tenant = create_tenant(db, f"Scale {n}")
        email = f"agent-{uuid.uuid4().hex[:6]}@example.com"
        user = add_user(db, tenant, email, "Agent", "correct horse battery", "member")
        agents[tenant] = Principal(user, tenant, "member", "s", email, "Agent", f"Scale {n}")
    tenants = sorted(agents)
    devices = [add_device(db, tenants[i % 3], kind="simulator") for i in range(DEVICES)]
    return agents, devices


def test_two_gateways_share_devices_and_survive_a_sigkill(world: tuple[Database, str],
                                                          tmp_path: Path) -> None:
    db, dsn = world
    agents, devices = _setup(db)
    sampler = Sampler(dsn)
    threading.Thread(target=sampler.run, daemon=True).start()
    a, b = start_gateway(dsn, tmp_path, "a"), start_gateway(dsn, tmp_path, "b")
    try:
        _scenario(db, dsn, agents, devices, a, b, sampler)
    finally:
        sampler.halt.set()
        for gw in (a, b):
            if gw.proc.poll() is None:
                os.killpg(gw.proc.pid, signal.SIGKILL)
                gw.proc.wait()


def _scenario(db: Database, dsn: str, agents: dict[int, Principal], devices: list[int],
              a: Gateway, b: Gateway, sampler: Sampler) -> None:
    # Both hold a fair share (10 each) of the 20 devices, each device exactly one holder.
    ids = wait_for(lambda: _both(a, b), timeout=30)
    assert ids is not None
    balanced = wait_for(lambda: sorted(Counter(holders(dsn).values()).values()) == [10, 10],
                        timeout=30)
    assert balanced and set(holders(dsn)) == set(devices)
    assert set(holders(dsn).values()) == set(ids)

    # Replies while both run: each is sent by the holder of its device.
    wait_for(lambda: _conversations(dsn) == DEVICES, timeout=20)
    first = queue_replies(db, dsn, agents, 1)
    wait_for(lambda: all_sent(dsn, first), timeout=20)

    victim_devices = {d for d, h in holders(dsn).items() if h == ids[0]}
    os.killpg(a.proc.pid, signal.SIGKILL)
    a.proc.wait()
    a.killed_at = datetime.now(UTC)
    second = queue_replies(db, dsn, agents, 2)  # half of them wait for the takeover

    def taken_over() -> bool:
        started = {int(e["device_id"]) for e in b.entries()
                   if e["msg"].startswith("device ") and " started " in e["msg"]
                   and ts(e) > (a.killed_at or ts(e))}
        return set(holders(dsn).values()) == {ids[1]} and len(holders(dsn)) == DEVICES \
            and victim_devices <= started

    wait_for(taken_over, timeout=TAKEOVER_BOUND + 5)
    took = (datetime.now(UTC) - a.killed_at).total_seconds()
    assert took <= TAKEOVER_BOUND, f"devices held again after {took:.1f} s"
    print(f"takeover after SIGKILL: {took:.1f} s")  # quoted in docs/scaling.md (pytest -s)
    wait_for(lambda: all_sent(dsn, second), timeout=20)

    time.sleep(1.5)  # more traffic on the survivor
    stop_at = datetime.now(UTC)
    b.proc.send_signal(signal.SIGTERM)
    assert b.proc.wait(30) == 0
    ended = datetime.now(UTC)
    sampler.halt.set()

    _check_exclusive(a, b, ended, set(ids), sampler, devices)
    _check_sends(dsn, a, b, first + second)
    _check_inbound(dsn, devices, stop_at, ended)
    with psycopg.connect(dsn) as conn:  # the graceful stop gave everything back
        assert conn.execute("select count(*) from device_leases").fetchone() == (0,)


def _both(a: Gateway, b: Gateway) -> tuple[str, str] | None:
    """The two holder ids, once both processes have announced theirs."""
    first, second = a.holder(), b.holder()
    return (first, second) if first and second else None


def _conversations(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(distinct device_id) from conversations").fetchone()
    return int(row[0]) if row else 0


def _check_exclusive(a: Gateway, b: Gateway, ended: datetime, ids: set[str],
                     sampler: Sampler, devices: list[int]) -> None:
    """Never two holders, never both processes connected to one device."""
    assert len(sampler.samples) > 50
    for sample in sampler.samples:
        held = [d for d, _ in sample]
        assert len(held) == len(set(held)) and {h for _, h in sample} <= ids
    assert a.killed_at is not None
    spans_a, spans_b = connected_spans(a, a.killed_at), connected_spans(b, ended)
    assert set(spans_a) | set(spans_b) == set(devices)
    for device, mine in spans_a.items():
        for s1, e1 in mine:
            for s2, e2 in spans_b.get(device, []):
                assert e1 <= s2 or e2 <= s1, f"device {device} connected twice"


def _check_sends(dsn: str, a: Gateway, b: Gateway, replies: list[int]) -> None:
    """Every reply sent, each exactly once: the simulator's log of sends matches the ids."""
    final = outbound(dsn, replies)
    assert {s for s, _ in final.values()} <= {"sent", "delivered"} and len(final) == 2 * DEVICES
    logged = Counter(e["wa_id"] for gw in (a, b) for e in gw.entries()
                     if e["msg"].startswith("simulator sent"))
    assert logged == Counter(wa for _, wa in final.values())
    senders = {gw.log.name: sum(1 for e in gw.entries() if e["msg"].startswith("simulator sent"))
               for gw in (a, b)}
    assert senders["a.log"] >= DEVICES // 2 and senders["b.log"] >= DEVICES  # both sent


def _check_inbound(dsn: str, devices: list[int], stop_at: datetime, ended: datetime) -> None:
    """Per device, the stored simulated messages are 0..n-1 with no gap, and n covers
    everything the schedule made arrive until shortly before the survivor was stopped."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        created = {r["id"]: r["created_at"] for r in
                   conn.execute("select id, created_at from devices").fetchall()}
        stored = conn.execute("select device_id, wa_message_id from messages "
                              "where wa_message_id like 'SIM-%%'").fetchall()
    per_device: dict[int, list[int]] = {d: [] for d in devices}
    for r in stored:
        n = index_of(Schedule(r["device_id"], created[r["device_id"]], RATE), r["wa_message_id"])
        assert n is not None
        per_device[r["device_id"]].append(n)
    for device, got in per_device.items():
        schedule = Schedule(device, created[device], RATE)
        got.sort()
        assert got == list(range(len(got))), f"device {device}: a gap or a double"
        assert len(got) >= schedule.arrived(stop_at - timedelta(seconds=2)), (
            f"device {device}: {len(got)} stored, "
            f"{schedule.arrived(stop_at - timedelta(seconds=2))} had arrived")
        assert len(got) <= schedule.arrived(ended)
