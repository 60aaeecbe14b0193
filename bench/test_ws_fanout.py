"""Live feed: 1,000 WebSocket clients over 10 tenants on gunicorn gthread workers while 100
messages/s are ingested; commit-to-client latency, and zero lost, doubled or misrouted events.

Knobs (environment): BENCH_WS_CLIENTS (1000), BENCH_WS_TENANTS (10), BENCH_WS_RATE (100 msg/s),
BENCH_WS_SECONDS (20), BENCH_WS_WORKERS (2 gunicorn workers), BENCH_WS_CLIENT_PROCS (2).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.conftest import record
from tests.factories import make_settings, register_owner
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.messaging.service import default_device, ingest
from webapp.messaging.simulator import generate
from webapp.realtime import service as svc

CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "1000"))
TENANTS = int(os.environ.get("BENCH_WS_TENANTS", "10"))
RATE = float(os.environ.get("BENCH_WS_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_WS_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WS_WORKERS", "2"))
CLIENT_PROCS = int(os.environ.get("BENCH_WS_CLIENT_PROCS", "2"))
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not come up")


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """gunicorn -k gthread with enough threads for every socket; yields (ws:// base, pid)."""
    settings = make_settings(database_url, tmp_path)
    port = _free_port()
    threads = str(CLIENTS + 100)
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": settings.jwt_secret,
           "MASTER_KEY": settings.master_key, "MESSAGEFLOW_ENV": "test",
           "MESSAGEFLOW_HOME": str(tmp_path), "RATE_LIMIT": "1000000/minute",
           "LOG_LEVEL": "WARNING", "DB_POOL_MIN": "2", "DB_POOL_MAX": "8"}
    with (tmp_path / "gunicorn.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "gthread", "-w", str(WORKERS), "--threads", threads,
             "--worker-connections", str(CLIENTS * 2), "--backlog", "4096",
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "3", "webapp.wsgi:app"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        _wait_healthy(port, proc)
        yield f"ws://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _start_clients(base: str, owners: list[Any], tmp: Path) -> list[subprocess.Popen[str]]:
    """CLIENT_PROCS asyncio processes; clients spread round-robin over the tenants."""
    everyone = [[owners[i % TENANTS].tenant_id, owners[i % TENANTS].access]
                for i in range(CLIENTS)]
    procs = []
    for p in range(CLIENT_PROCS):
        cfg = tmp / f"clients-{p}.json"
        cfg.write_text(json.dumps({"url": base, "clients": everyone[p::CLIENT_PROCS]}))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.bench_ws_clients", str(cfg), str(tmp / f"out-{p}.jsonl")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO))
    for proc in procs:
        assert proc.stdout is not None
        line = _readline(proc, 180)
        assert line.strip() == "READY", line
    return procs


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    out: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: out.append(proc.stdout.readline()),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    reader.join(timeout)
    return out[0] if out else "timeout"


def _drive(db: Database, owners: list[Any]) -> tuple[dict[tuple[int, int], float], float]:
    """RATE messages/s spread evenly over the tenants, one writer thread per tenant (like one
    gateway per device), each message its own ingest; commit time per (tenant, message id)."""
    committed: dict[tuple[int, int], float] = {}
    per_tenant = int(RATE * SECONDS) // TENANTS
    started = time.perf_counter() + 0.5

    def writer(i: int) -> None:
        tenant = owners[i].tenant_id
        device = default_device(db, tenant)
        stream = (r for r in generate(100 + i, start=T0, count=10**7) if r.kind == "message")
        offset = i / RATE  # tenants interleave: one message every 1/RATE s overall
        for k in range(per_tenant):
            delay = started + offset + k * TENANTS / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            result = ingest(db, tenant, [next(stream)], device_id=device)
            now = time.time()
            for message_id in result.message_ids:
                committed[(tenant, message_id)] = now

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(TENANTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return committed, per_tenant * TENANTS / (time.perf_counter() - started)


class NotifyProbe:
    """A bare psycopg LISTEN in the bench process: the floor any fan-out can reach here."""

    def __init__(self, dsn: str):
        self.arrived: dict[int, float] = {}
        self._stop = threading.Event()
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._conn.execute("listen mf_events")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for note in self._conn.notifies(timeout=0.5):
                self.arrived[int(note.payload.split(":")[1])] = time.time()

    def stop(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(5)
        self._conn.close()

    def latencies(self, db: Database, tenants: list[int],
                  committed: dict[tuple[int, int], float]) -> list[float]:
        """Commit-to-listener milliseconds for the message.created events."""
        out = []
        for tenant in tenants:
            with db.tenant(tenant) as conn:
                rows = conn.execute("select id, (data ->> 'id')::bigint as mid from events "
                                    "where type = 'message.created'").fetchall()
            for row in rows:
                at, done = self.arrived.get(row["id"]), committed.get((tenant, row["mid"]))
                if at is not None and done is not None:
                    out.append((at - done) * 1000)
        return out


def _cpu() -> dict[int, tuple[int, int, str]]:
    """{pid: (cpu ticks, parent pid, command)} of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1: stat.rindex(")")], stat[stat.rindex(")") + 2:]
        fields = rest.split()
        out[int(entry)] = (int(fields[11]) + int(fields[12]), int(fields[1]), name)
    return out


def _cpu_shares(before: dict[int, tuple[int, int, str]], after: dict[int, tuple[int, int, str]],
                seconds: float, web_pid: int) -> dict[str, float]:
    """Percent of the whole machine used meanwhile by: the web server, the WebSocket clients,
    this process (the ingest writers), PostgreSQL (all of it), and everything else."""
    def family(root: int) -> set[int]:
        kids, found = {root}, True
        while found:
            new = {p for p, (_, ppid, _) in after.items() if ppid in kids} - kids
            kids |= new
            found = bool(new)
        return kids

    web, me = family(web_pid), {os.getpid()}
    clients = family(os.getpid()) - web - me
    capacity = seconds * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1) / 100
    shares = {"web_server": 0.0, "ws_clients": 0.0, "ingest_writers": 0.0, "postgres": 0.0,
              "everything_else": 0.0}
    for pid, (ticks, _, name) in after.items():
        used = (ticks - before.get(pid, (0, 0, ""))[0]) / capacity
        key = ("web_server" if pid in web else "ws_clients" if pid in clients
               else "ingest_writers" if pid in me else "postgres" if name.startswith("postgres")
               else "everything_else")
        shares[key] += used
    return {k: round(v, 1) for k, v in shares.items()}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.mark.bench
def test_ws_fanout(web: tuple[str, int], database_url: str, tmp_path: Path) -> None:
    base, web_pid = web
    app = create_app(make_settings(database_url, tmp_path, access_token_ttl_s=3600,
                                   pool_max=TENANTS + 2))
    db: Database = app.extensions["mf_db"]
    client = app.test_client()
    try:
        owners = [register_owner(client, f"Fanout {i}") for i in range(TENANTS)]
        baseline = {o.tenant_id: svc.last_event_id(db, o.tenant_id) for o in owners}
        load_before = os.getloadavg()
        procs = _start_clients(base, owners, tmp_path)
        probe = NotifyProbe(database_url)
        cpu_before, cpu_started = _cpu(), time.monotonic()
        committed, achieved = _drive(db, owners)
        cpu = _cpu_shares(cpu_before, _cpu(), time.monotonic() - cpu_started, web_pid)
        time.sleep(5)  # let the tail drain
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("STOP\n")
            proc.stdin.flush()
        for proc in procs:
            proc.wait(60)
        expected = {t: set(svc.event_ids_since(db, t, b, 10**7)) for t, b in baseline.items()}
        probe.stop()
        floor = probe.latencies(db, list(baseline), committed)
    finally:
        close_app(app)
    lost = dup = misrouted = frames = 0
    latencies: list[float] = []
    windows: dict[int, list[float]] = {}  # p50 per 2 s of the run: a growing backlog shows
    first = min(committed.values())
    for p in range(CLIENT_PROCS):
        for line in (tmp_path / f"out-{p}.jsonl").read_text().splitlines():
            res = json.loads(line)
            ids, want = res["ids"], expected[res["tenant"]]
            frames += len(ids)
            lost += len(want - set(ids))
            dup += len(ids) - len(set(ids))
            misrouted += len(set(ids) - want)
            for mid, at in res["created"]:
                done = committed.get((res["tenant"], mid))
                if done is not None:
                    latencies.append((at - done) * 1000)
                    windows.setdefault(int((done - first) // 2), []).append((at - done) * 1000)
    figures = {
        "clients": CLIENTS, "tenants": TENANTS, "server": f"gunicorn -k gthread -w {WORKERS} "
        f"--threads {CLIENTS + 100}", "client_processes": CLIENT_PROCS,
        "messages": len(committed), "target_rate": RATE, "achieved_rate": round(achieved, 1),
        "events_per_tenant": round(sum(len(v) for v in expected.values()) / TENANTS),
        "frames_delivered": frames, "lost": lost, "duplicated": dup, "misrouted": misrouted,
        "latency_samples": len(latencies),
        "p50_ms": round(_pct(latencies, 0.50), 1), "p90_ms": round(_pct(latencies, 0.90), 1),
        "p99_ms": round(_pct(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
        "p50_ms_per_2s": [round(_pct(windows[w], 0.5)) for w in sorted(windows)],
        "bare_listen_p50_ms": round(_pct(floor, 0.5), 2),
        "bare_listen_p99_ms": round(_pct(floor, 0.99), 2),
        "loadavg_before": [round(x, 2) for x in load_before], "cpus": os.cpu_count(),
        "machine_cpu_percent_during_ingest": cpu,
    }
    record("ws_fanout", figures)
    assert (lost, dup, misrouted) == (0, 0, 0)
    assert figures["p50_ms"] <= 50 and figures["p99_ms"] <= 250
