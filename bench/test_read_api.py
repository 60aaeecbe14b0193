"""Read API latency: GET /conversations and GET /conversations/:id/messages at 32 concurrent
clients against a real gunicorn server, over 1,000,000 messages, 20,000 conversations and 20
tenants, compared with a bare psycopg loop running the same queries at the same concurrency.

Two readings of "32 concurrent clients", both measured for the API and the bare loop:
- saturation: every client sends its next request as soon as the last one is answered (no think
  time). On 2 cores this measures throughput; latency is then clients / throughput.
- paced: every client waits a random 0.5x-1.5x BENCH_THINK_MS (default 150 ms) between requests,
  like a team whose screens refresh; reported with the offered rate (clients / think time, the
  most the clients would send with instant answers) and the achieved rate.

Sizes and server shape are parameters (environment): BENCH_MESSAGES, BENCH_CONVERSATIONS,
BENCH_TENANTS, BENCH_CLIENTS, BENCH_SECONDS, BENCH_WORKERS, BENCH_THREADS, BENCH_THINK_MS.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.conftest import record
from webapp.db import Database
from webapp.messaging import conversations
from webapp.tenants.service import add_user, create_tenant

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000000"))
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "20000"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "20"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "16"))
THINK_MS = float(os.environ.get("BENCH_THINK_MS", "150"))  # paced phase: mean pause
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")  # rate-limit storage (PostgreSQL when empty)
REPO = Path(__file__).resolve().parents[1]
Work = Callable[[random.Random], Any]
PASSWORD = "bench password 123"

# Bulk load as the table owner (RLS does not apply to superusers; FK triggers are skipped for
# the big insert, the data being consistent by construction).
DEVICES = """insert into devices (tenant_id, kind, display_name, status, jid)
select t, 'simulator', 'Bench ' || t, 'connected',
       '1555' || lpad(t::text, 7, '0') || '@s.whatsapp.net'
from unnest(%(tenants)s::bigint[]) t"""
CONTACTS = """insert into contacts (tenant_id, phone_jid, push_name)
select (%(tenants)s::bigint[])[1 + mod(i, cardinality(%(tenants)s::bigint[]))],
       '5511' || lpad(i::text, 9, '0') || '@s.whatsapp.net', 'Customer ' || i
from generate_series(0, %(n)s - 1) i"""
CONVERSATIONS_SQL = """insert into conversations (tenant_id, device_id, chat_key, chat_jid,
    is_group, contact_id, title, status, priority)
select ct.tenant_id, d.id, 'c:' || ct.id, ct.phone_jid, false, ct.id, ct.push_name,
       (array['open', 'open', 'open', 'pending', 'resolved'])[1 + mod(ct.id, 5)],
       (array['normal', 'normal', 'high', 'urgent', 'low'])[1 + mod(ct.id, 5)]
from contacts ct join devices d on d.tenant_id = ct.tenant_id"""
MESSAGES_SQL = """insert into messages (tenant_id, device_id, conversation_id, wa_message_id,
    sender_jid, sender_name, from_me, sent_at, original_text, text, status)
select c.tenant_id, c.device_id, c.id, 'B' || g,
       case when mod(g / 20, 4) = 0 then d.jid else c.chat_jid end,
       case when mod(g / 20, 4) = 0 then 'Ops Desk' else c.title end, mod(g / 20, 4) = 0,
       timestamptz '2026-01-01' + make_interval(secs => g), t.body, t.body,
       case when mod(g / 20, 4) = 0 then 'delivered' else 'received' end
from generate_series(0, %(n)s - 1) g
join (select id, tenant_id, device_id, chat_jid, title,
             row_number() over (order by id) - 1 as k from conversations) c
  on c.k = mod(g, %(conversations)s)
join devices d on d.id = c.device_id
cross join lateral (select 'order ' || g || ' ' || (array['is late, where is it?',
    'invoice attached, please confirm payment', 'the printer at the store is down again',
    'thanks, all good now', 'can you call me back today?', 'delivery arrived damaged',
    'pedido atrasado, cadê?', 'factura pendiente de pago', 'Lieferung fehlt noch',
    'urgent: system offline since 9am'])[1 + mod(g / 20, 10)] as body) t"""
FINISH = ["""update conversations c set last_message_id = s.id, last_message_at = s.sent_at,
    unread_count = mod(c.id, 4)
from (select distinct on (conversation_id) conversation_id, id, sent_at from messages
      order by conversation_id, id desc) s
where s.conversation_id = c.id""",
          """insert into labels (tenant_id, name, color)
select t.id, l.name, '#64748b' from tenants t
cross join unnest(array['vip', 'billing', 'outage']) l(name)""",
          """insert into conversation_labels (tenant_id, conversation_id, label_id)
select c.tenant_id, c.id, l.id from conversations c
join labels l on l.tenant_id = c.tenant_id
 and l.name = (array['vip', 'billing', 'outage'])[1 + mod(c.id, 3)]
where mod(c.id, 2) = 0""", "vacuum analyze"]


def load_dataset(dsn: str, *, tenants: int, conversations: int,
                 messages: int) -> dict[str, Any]:
    """Tenants with one owner each (through the service), then the bulk rows in SQL."""
    db = Database(dsn, min_size=1, max_size=2)
    db.open()
    try:
        ids = [create_tenant(db, f"Bench {i}") for i in range(tenants)]
        emails = {t: f"bench-{t}@example.com" for t in ids}
        for t, email in emails.items():
            add_user(db, t, email, "Bench Owner", PASSWORD, "owner")
    finally:
        db.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DEVICES, {"tenants": ids})
        conn.execute(CONTACTS, {"tenants": ids, "n": conversations})
        conn.execute(CONVERSATIONS_SQL)
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute(MESSAGES_SQL, {"n": messages, "conversations": conversations})
        for statement in FINISH:
            conn.execute(statement)
        convs: dict[int, list[int]] = {t: [] for t in ids}
        for tenant, conv in conn.execute("select tenant_id, id from conversations"):
            convs[tenant].append(conv)
    return {"tenants": ids, "emails": emails, "conversations": convs}


def http_json(port: int, method: str, path: str, body: Any = None,
              token: str | None = None) -> tuple[int, Any]:
    """One request on a fresh connection: (status, decoded JSON body)."""
    client = ApiClient(port)
    try:
        return client.request(method, path, token, body)
    finally:
        client.conn.close()


class ApiClient:
    """A keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, token: str | None = None,
                body: Any = None) -> tuple[int, Any]:
        """Send a request and read the JSON answer."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=payload, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None

    def get(self, path: str, token: str) -> tuple[int, Any]:
        """GET with a bearer token."""
        return self.request("GET", path, token)

    def get_raw(self, path: str, token: str) -> tuple[int, bytes]:
        """GET with a bearer token; the body undecoded (the load loop does not parse JSON: the
        bare loop does not either, and parsing 25 KB costs the shared CPUs ~0.3 ms)."""
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = self.conn.getresponse()
        return resp.status, resp.read()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(dsn: str, tmp: Path, pids: list[int] | None = None) -> Iterator[int]:
    """A real gunicorn (gthread workers) serving the app on a free port."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": dsn, "JWT_SECRET": "bench-jwt-" + "x" * 40,
           "MASTER_KEY": "bench-master-" + "y" * 40, "MESSAGEFLOW_HOME": str(tmp),
           "RATE_LIMIT": "10000000/minute", "AUTH_RATE_LIMIT": "10000/minute",
           "ACCESS_TOKEN_TTL": "7200", "LOG_LEVEL": "WARNING", "DB_POOL_MIN": "2",
           "DB_POOL_MAX": str(THREADS + 2), "REDIS_URL": REDIS_URL}
    cmd = [sys.executable, "-m", "gunicorn", "webapp.wsgi:app", "-k", "gthread",
           "-w", str(WORKERS), "--threads", str(THREADS), "-b", f"127.0.0.1:{port}",
           "--backlog", "256", "--no-control-socket"]
    log = (tmp / "gunicorn.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http_json(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError((tmp / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.2)
        if pids is not None:  # the master and its workers, for CPU accounting
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            pids[:] = [proc.pid, *map(int, children)]
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def run_clients(work_for: Callable[[int], Work], clients: int,
                seconds: float, think_ms: float = 0.0) -> list[float]:
    """Run `clients` threads, each repeating its work for `seconds` (pausing a random 0.5x-1.5x
    think_ms between requests); latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def loop(index: int) -> None:
        work, rng, mine = work_for(index), random.Random(index), latencies[index]
        start.wait()
        try:
            while not stop.is_set():
                began = time.perf_counter()
                work(rng)
                mine.append((time.perf_counter() - began) * 1000)
                if think_ms:
                    time.sleep(think_ms * rng.uniform(0.5, 1.5) / 1000)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    if errors:
        raise errors[0]
    return [x for per in latencies for x in per]


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    """Count, throughput and percentiles (ms)."""
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"requests": len(ordered), "rps": round(len(ordered) / seconds, 1),
            "p50_ms": round(q[49], 2), "p90_ms": round(q[89], 2), "p99_ms": round(q[98], 2),
            "max_ms": round(ordered[-1], 2)}


def bare_work(dsn: str, data: dict[str, Any], endpoint: str,
              opened: list[psycopg.Connection[Any]]) -> Callable[[int], Work]:
    """The API's queries, run with a plain psycopg connection per client thread."""
    page_params = {**conversations.filter_params(conversations.ConversationFilters(), 0),
                   "after_id": None, "after_at": None, "limit": 51}
    first_page = conversations.conversations_query(page_params)
    newest = conversations.messages_query({"after_id": None, "before_id": None})

    def make(_index: int) -> Work:
        conn = psycopg.connect(dsn, autocommit=True, row_factory=psycopg.rows.dict_row)
        conn.execute("set role messageflow_app")
        opened.append(conn)

        def work(rng: random.Random) -> Any:
            tenant = rng.choice(data["tenants"])
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(tenant),))
                if endpoint == "conversations":
                    return conn.execute(first_page, page_params).fetchall()
                conv = rng.choice(data["conversations"][tenant])
                return conn.execute(newest, {"conversation_id": conv, "limit": 51}).fetchall()
        return work

    return make


def api_work(port: int, data: dict[str, Any], endpoint: str) -> Callable[[int], Work]:
    """The same reads through HTTP, one keep-alive connection per client thread."""

    def make(_index: int) -> Work:
        client = ApiClient(port)

        def work(rng: random.Random) -> Any:
            tenant = rng.choice(data["tenants"])
            token = data["tokens"][tenant]
            if endpoint == "conversations":
                path = "/api/v1/conversations?limit=50"
            else:
                conv = rng.choice(data["conversations"][tenant])
                path = f"/api/v1/conversations/{conv}/messages?limit=50"
            status, raw = client.get_raw(path, token)
            if status != 200 or not raw.startswith(b'{"data":[{'):
                raise RuntimeError(f"{path}: {status} {raw[:500]!r}")
            return raw
        return work

    return make


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (Linux /proc)."""
    out: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def db_backends(dsn: str) -> list[int]:
    """Backend pids connected to the bench database (the server's pool among them)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("select pid from pg_stat_activity where datname = "
                            "current_database() and pid <> pg_backend_pid()").fetchall()
    return [int(r[0]) for r in rows]


def cpu_per_request(before: dict[int, float], after: dict[int, float], requests: int) -> float:
    """CPU ms per request spent by these processes between two snapshots."""
    spent = sum(t - before.get(pid, 0.0) for pid, t in after.items())
    return round(spent * 1000 / max(requests, 1), 2)


def compare(port: int, dsn: str, data: dict[str, Any], endpoint: str,
            think_ms: float, server_pids: list[int]) -> dict[str, Any]:
    """The API and the bare loop at the same concurrency and think time, their ratios, and
    where the CPU went per request (gunicorn, PostgreSQL backends, the load generator)."""
    loadavg = os.getloadavg()[0]
    pg_before, web_before = cpu_seconds(db_backends(dsn)), cpu_seconds(server_pids)
    client_before = time.process_time()
    latencies = run_clients(api_work(port, data, endpoint), CLIENTS, SECONDS, think_ms)
    client_cpu = time.process_time() - client_before
    api = summary(latencies, SECONDS)
    n = len(latencies)
    api["cpu_ms_per_request"] = {
        "gunicorn": cpu_per_request(web_before, cpu_seconds(server_pids), n),
        "postgres": cpu_per_request(pg_before, cpu_seconds(db_backends(dsn)), n),
        "load_generator": round(client_cpu * 1000 / max(n, 1), 2)}
    opened: list[psycopg.Connection[Any]] = []
    client_before = time.process_time()
    latencies = run_clients(bare_work(dsn, data, endpoint, opened), CLIENTS, SECONDS, think_ms)
    client_cpu = time.process_time() - client_before
    bare = summary(latencies, SECONDS)
    n = len(latencies)
    bare["cpu_ms_per_request"] = {  # the loop's own connections, opened for this run
        "postgres": cpu_per_request({}, cpu_seconds([c.info.backend_pid for c in opened]), n),
        "load_generator": round(client_cpu * 1000 / max(n, 1), 2)}
    single = summary(run_clients(bare_work(dsn, data, endpoint, opened), 1, 5), 5)
    for conn in opened:
        conn.close()
    out: dict[str, Any] = {
        "think_ms": think_ms, "loadavg_1m_at_start": round(loadavg, 2), "api": api,
        "bare_psycopg_same_concurrency": bare, "bare_psycopg_1_client": single,
        "ratio_p50": round(api["p50_ms"] / bare["p50_ms"], 2),
        "ratio_p99": round(api["p99_ms"] / bare["p99_ms"], 2),
        "ratio_rps": round(bare["rps"] / api["rps"], 2)}
    if think_ms:
        out["offered_rps_max"] = round(CLIENTS * 1000 / think_ms, 1)
    return out


@pytest.mark.bench
def test_read_api_latency(database_url: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    data = load_dataset(database_url, tenants=TENANTS, conversations=CONVERSATIONS,
                        messages=MESSAGES)
    load_s = time.perf_counter() - started
    figures: dict[str, Any] = {
        "messages": MESSAGES, "conversations": CONVERSATIONS, "tenants": TENANTS,
        "clients": CLIENTS, "seconds_per_run": SECONDS, "load_s": round(load_s, 1),
        "server": f"gunicorn gthread -w {WORKERS} --threads {THREADS}", "think_ms": THINK_MS,
        "rate_limit_storage": "redis" if REDIS_URL else "postgres (mf-postgres, shared)",
        "cpus": os.cpu_count(), "loadavg_before": os.getloadavg()[0]}
    server_pids: list[int] = []
    with gunicorn(database_url, tmp_path, server_pids) as port:
        data["tokens"] = {t: http_json(port, "POST", "/api/v1/auth/login", body={
            "email": email, "password": PASSWORD})[1]["access_token"]
            for t, email in data["emails"].items()}
        for endpoint in ("conversations", "messages"):
            run_clients(api_work(port, data, endpoint), CLIENTS, 3)  # warm-up
            figures[endpoint] = {
                phase: compare(port, database_url, data, endpoint, think, server_pids)
                for phase, think in (("saturation", 0.0), ("paced", THINK_MS))}
    figures["loadavg_after"] = os.getloadavg()[0]
    record("read_api", figures)
    for endpoint in ("conversations", "messages"):
        for phase in ("saturation", "paced"):
            assert figures[endpoint][phase]["api"]["requests"] > 0
    # The target (p99 <= 50 ms) is reported, not asserted: it depends on the machine.
