"""Restarts and crashes of the gateway process, in subprocesses (this module is also the child:
`python -m tests.webapp.whatsapp.test_runner_restart restart|history ...`).

- Restart: the session of a paired device is resumed from whatsmeow's Postgres store (schema
  whatsmeow) by a NEW process, so no QR is needed; shown offline by the store handing the client
  its paired identity, where an unpaired device gets none (whatsmeow would ask for a QR).
- Killed mid-batch: SIGKILL while a large history sync is being ingested, run again, and every
  message is stored exactly once (per-batch transactions + idempotent ingest).
- Killed while live messages stream in: every message whose neonize callback had returned
  (what lets WhatsApp's receipt go out) is in the database (the intake's group commit).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from neonize.client import ClientFactory
from neonize.events import PairStatusEv
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message

from tests.webapp.whatsapp.neonize_events import OWN, TS, jid, message_event, source
from tests.webapp.whatsapp.test_runner import (
    ME,
    QR,
    Line,
    add_device,
    device_row,
    dispatch,
    fresh_database,
    history_chunk,
    make_runner,
    show_qr,
    wait_for,
)
from webapp.db import Database
from webapp.tenants.service import create_tenant
from webapp.whatsapp import devices
from webapp.whatsapp.intake import Backoff
from webapp.whatsapp.neonize_gateway import NeonizeGateway, real_connect
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig
from webapp.whatsapp.sessions import SessionStore

REPO = Path(__file__).resolve().parents[3]
MODULE = "tests.webapp.whatsapp.test_runner_restart"
STORED_JID = f"{OWN}:7@s.whatsapp.net"
CHUNKS, PER_CHUNK, CHATS = 20, 100, 20
LIVE = 20_000


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def child(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run this module as a child process."""
    return subprocess.run([sys.executable, "-m", MODULE, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


def seed_session(dsn: str, device_jid: str) -> None:
    """What whatsmeow stores when a pairing succeeds: the device's keys under its JID."""
    store = SessionStore(dsn=dsn)
    ClientFactory.get_all_devices_from_db(store.name("seed"))  # creates whatsmeow's tables
    store.release("seed")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "insert into whatsmeow.whatsmeow_device (jid, registration_id, noise_key, "
            "identity_key, signed_pre_key, signed_pre_key_id, signed_pre_key_sig, adv_key, "
            "adv_details, adv_account_sig, adv_account_sig_key, adv_device_sig, push_name) "
            "values (%s, 4242, %s, %s, %s, 1, %s, %s, '\\x0a00', %s, %s, %s, 'Ops Desk')",
            (device_jid, *(os.urandom(n) for n in (32, 32, 32, 64, 32, 64, 32, 64))))


def test_a_restarted_gateway_resumes_the_stored_session_without_a_qr(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Restart")
    paired, unpaired = add_device(db, tenant), add_device(db, tenant)
    line = Line()
    runner = make_runner(db, tmp_path, line, store=SessionStore(dsn=dsn))
    runner.start()
    try:  # first run: QR, then the phone scans it
        wait_for(lambda: line.attempts == 2)
        client = next(c for c in line.clients if c.uuid == f"mf-device-{paired}".encode())
        show_qr(client, QR)
        dispatch(client, PairStatusEv(ID=jid(OWN, device=7), Status=PairStatusEv.SUCCESS))
        assert runner.drain()
    finally:
        runner.stop()
    seed_session(dsn, STORED_JID)
    assert (device_row(db, tenant, paired)["jid"], device_row(db, tenant, paired)["status"]) == (
        ME, "disconnected")

    out = child("restart", dsn)  # a new process, real neonize connect (fails offline)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen[str(paired)]["client_key"] == STORED_JID
    assert seen[str(paired)]["me"] == OWN  # identity loaded from the store: no QR needed
    assert (seen[str(unpaired)]["client_key"], seen[str(unpaired)]["me"]) == (None, "")
    assert min(s["attempts"] for s in seen.values() if isinstance(s, dict)) >= 3
    assert seen["qr_events"] == 0 and seen["open_store_connections"] <= 2
    after = device_row(db, tenant, paired)
    assert (after["status"], after["jid"], after["qr_payload"]) == ("disconnected", ME, None)
    assert "web.whatsapp.com" in after["last_error"]
    assert device_row(db, tenant, unpaired)["status"] == "pairing"
    with psycopg.connect(dsn) as conn:
        schemas = conn.execute("select table_schema, count(*) from information_schema.tables "
                               "where table_name like 'whatsmeow%%' group by 1").fetchall()
    assert schemas == [("whatsmeow", 17)]


def _in_transaction(dsn: str) -> bool:
    """Whether another session (the child's ingest) is inside a transaction right now."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(*) from pg_stat_activity where datname = "
                           "current_database() and pid <> pg_backend_pid() and state in "
                           "('active', 'idle in transaction') and query ilike '%%messages%%'"
                           ).fetchone()
    return bool(row and row[0])


def _count(dsn: str) -> tuple[int, int, int]:
    with psycopg.connect(dsn) as conn:  # superuser: sees every tenant
        row = conn.execute("select count(*), count(distinct wa_message_id), "
                           "(select coalesce(sum(unread_count), 0) from conversations) "
                           "from messages").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def test_gateway_killed_mid_batch_and_restarted_loses_and_doubles_nothing(
        fresh: tuple[Database, str]) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Crash")
    dev = add_device(db, tenant, status="connected", jid=ME)
    args = [sys.executable, "-m", MODULE, "history", dsn, str(tenant), str(dev)]
    total = CHUNKS * PER_CHUNK
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (_count(dsn)[0] >= total // 4 and _in_transaction(dsn))
                 or proc.poll() is not None, timeout=30)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    stored_when_killed = _count(dsn)[0]
    assert 0 < stored_when_killed < total
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr[-3000:]
    assert _count(dsn) == (total, total, total)  # every message once; unread counted once
    with db.tenant(tenant) as conn:
        convs = conn.execute("select count(*) as n from conversations").fetchone()
    assert convs is not None and convs["n"] == CHATS


def test_gateway_killed_while_live_messages_arrive_keeps_every_acknowledged_one(
        fresh: tuple[Database, str]) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Live crash")
    dev = add_device(db, tenant, status="connected", jid=ME)
    args = [sys.executable, "-m", MODULE, "live", dsn, str(tenant), str(dev)]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    acked: list[str] = []
    out = proc.stdout
    assert out is not None
    reader = threading.Thread(target=lambda: acked.extend(line.strip() for line in out
                                                          if line.strip()), daemon=True)
    reader.start()
    try:
        wait_for(lambda: len(acked) >= 300 or proc.poll() is not None, timeout=60)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    reader.join(5)
    assert proc.returncode == -signal.SIGKILL
    assert 300 <= len(acked) < LIVE  # killed mid-stream
    with psycopg.connect(dsn) as conn:
        stored = {r[0] for r in conn.execute("select wa_message_id from messages")}
    assert [i for i in acked if i not in stored] == []  # acknowledged => committed


def test_replay_killed_mid_batch_and_rerun_loses_and_doubles_nothing(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Replay crash")
    dev = add_device(db, tenant, kind="simulator", status="connected")
    total, chats = 30_000, 50
    traffic = tmp_path / "big.jsonl"
    with traffic.open("w", encoding="utf-8") as fh:
        for i in range(total):
            who = f"55118{i % chats:08d}@s.whatsapp.net"
            fh.write(json.dumps({"kind": "message", "id": f"R{i:06d}", "chat": who,
                                 "sender": who, "text": f"line {i}", "timestamp": TS + i}) + "\n")
    args = [sys.executable, "-m", "webapp.cli", "replay", str(traffic), "--tenant", str(tenant),
            "--device", str(dev)]
    env = {**os.environ, "DATABASE_URL": dsn, "MESSAGEFLOW_HOME": str(tmp_path)}
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (_count(dsn)[0] > 0 and _in_transaction(dsn)) or proc.poll() is not None,
                 timeout=30)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    stored_when_killed = _count(dsn)[0]
    assert 0 < stored_when_killed < total
    out = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == (f"ingested={total - stored_when_killed} "
                                  f"duplicates={stored_when_killed} rejected=0")
    assert _count(dsn) == (total, total, total)


def test_gateway_command_logs_json_and_stops_gracefully_on_sigterm(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, dsn = fresh
    tenant = create_tenant(db, "Command")
    dev = add_device(db, tenant, kind="simulator")
    env = {**os.environ, "DATABASE_URL": dsn, "MESSAGEFLOW_HOME": str(tmp_path),
           "LOG_LEVEL": "INFO"}
    # --simulated-pairing 0: this pending simulator device connects at once, unpaired
    proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "gateway", "--poll-interval",
                             "0.1", "--simulated-pairing", "0"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: device_row(db, tenant, dev)["status"] == "connected"
                 or proc.poll() is not None, timeout=30)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    logs = [json.loads(line) for line in err.splitlines() if line.strip()]
    messages = [entry["msg"] for entry in logs]
    assert messages[0] == "gateway started" and messages[-1] == "gateway stopped"
    assert "signal SIGTERM: stopping" in messages
    assert {entry["logger"] for entry in logs} <= {"webapp.whatsapp.runner",
                                                   "webapp.commands.gateway"}
    assert device_row(db, tenant, dev)["status"] == "disconnected"


def test_gateway_command_pairs_a_simulated_number(fresh: tuple[Database, str],
                                                  tmp_path: Path) -> None:
    """`messageflow gateway` as `make up` runs it: a simulator device added through the API
    (pending, no number) shows rotating QR codes, then connects under its own number."""
    db, dsn = fresh
    tenant = create_tenant(db, "Sim pairing")
    dev = add_device(db, tenant, kind="simulator")
    env = {**os.environ, "DATABASE_URL": dsn, "MESSAGEFLOW_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "gateway", "--poll-interval",
                             "0.1", "--simulated-pairing", "1.5", "--simulated-qr-interval",
                             "0.3"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        pairing = wait_for(lambda: (row := device_row(db, tenant, dev))["status"] == "pairing"
                           and row, timeout=30)
        first_qr = pairing["qr_payload"]
        assert first_qr.startswith(f"2@SIMULATED-{dev}-")
        wait_for(lambda: device_row(db, tenant, dev)["qr_payload"] not in (first_qr, None),
                 timeout=10)
        connected = wait_for(lambda: (row := device_row(db, tenant, dev))["status"]
                             == "connected" and row, timeout=15)
        assert connected["jid"] == f"1555{dev:08d}@s.whatsapp.net"
        assert connected["qr_payload"] is None
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0


def _history_child(dsn: str, tenant: int, device: int) -> None:
    """Dispatch a large history sync through neonize into a runner, then exit."""
    streamed = threading.Event()

    def stream(client: Any) -> None:
        for c in range(CHUNKS):
            dispatch(client, history_chunk(*[
                (f"M{c:03d}-{i:04d}", f"55119{i % CHATS:08d}@s.whatsapp.net", f"msg {c}/{i}",
                 TS + c * 1000 + i) for i in range(PER_CHUNK)], progress=(c + 1) * 5))
        streamed.set()

    db = Database(dsn, min_size=1, max_size=4)
    db.open()
    runner = make_runner(db, Path("/tmp"), Line(stream), batch_size=20)
    runner.start()
    streamed.wait(60)
    runner.drain(60)
    runner.stop()
    db.close()
    print("done", flush=True)


def _live_child(dsn: str, device: int) -> None:
    """Live messages through neonize's dispatch, one at a time as neonize delivers them; each
    id is printed once its callback returned. Runs until killed."""
    del device

    def stream(client: Any) -> None:
        for i in range(LIVE):
            who = f"55117{i % CHATS:08d}"
            dispatch(client, message_event(Message(conversation=f"live {i}"),
                                           msg_id=f"L{i:05d}", ts=TS + i,
                                           src=source(jid(who), jid(who))))
            print(f"L{i:05d}", flush=True)

    db = Database(dsn, min_size=1, max_size=4)
    db.open()
    runner = make_runner(db, Path("/tmp"), Line(stream))
    runner.start()
    threading.Event().wait(120)


def _restart_child(dsn: str) -> None:
    """A fresh gateway process on the same store, with neonize's real (offline) connect."""
    db = Database(dsn, min_size=1, max_size=4)
    db.open()
    qrs: list[str] = []

    def factory(runner: GatewayRunner) -> NeonizeGateway:
        def sink(device: str, item: Any) -> None:
            qrs.extend([device] if getattr(item, "qr", None) else [])
            runner.submit(int(device), item)
        return NeonizeGateway(SessionStore(dsn=dsn), sink, connector=real_connect,
                              backoff=Backoff(0.05, 0.2, jitter=0), quoted=runner.quoted)

    runner = GatewayRunner(db, RunnerConfig(poll_interval=0.05), neonize_factory=factory,
                           process_due=lambda *a, **k: 0)
    runner.start()
    gateway = wait_for(lambda: runner.neonize)
    keys = [str(r.id) for r in devices.gateway_devices(db) if r.kind == "neonize"]
    wait_for(lambda: all((gateway.session(k) or Line()).attempts >= 3 for k in keys),
             timeout=20)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(*) from pg_stat_activity "
                           "where application_name like 'mf-wa-%%'").fetchone()
    seen: dict[str, Any] = {"qr_events": len(qrs), "open_store_connections": row[0] if row else 0}
    for key in keys:
        s = gateway.session(key)
        assert s is not None
        me = s.client.get_me().JID  # safe: this client has been through connect()
        seen[key] = {"attempts": s.attempts, "client_key": s.client_key, "me": me.User}
    runner.drain()
    runner.stop()
    db.close()
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    mode, dsn_arg, *rest = sys.argv[1:]
    if mode == "history":
        _history_child(dsn_arg, int(rest[0]), int(rest[1]))
    elif mode == "live":
        _live_child(dsn_arg, int(rest[1]))
    else:
        _restart_child(dsn_arg)
