"""Desk home latency (issue 12): GET /api/v1/dashboard (windows today and 30d) and, when the
branch serves it, GET /api/v1/action-items, at 32 paced clients against a real gunicorn server
over the read benchmark's dataset (1,000,000 messages, 20,000 conversations, 20 tenants) with
the messages spread over the last 30 days (so every window has traffic to count), one agent
reply in 20 sent from the app (outbox rows with their author, for the first-response figures),
100,000 action items and, when the notifications table exists, 200,000 notifications; compared
with a bare psycopg loop running the same queries at the same concurrency in the same run.

The floor: the cheapest authenticated request, GET /api/v1/auth/me (token check, rate-limit
check, the principal and one small read), measured the same way in the same run, shows what
any API request costs on this machine at this concurrency before the endpoint does anything.

This machine's PostgreSQL runs with autovacuum off (a CI setting); a deployment keeps it on.
The rate-limit store (migration 0020) inserts and deletes a row per request, so before each
measured phase the benchmark vacuums its two tables, as autovacuum would have, instead of
letting their dead rows pile up over the run.

Paced: every client pauses a random 0.5x-1.5x BENCH_THINK_MS (default 150 ms) between
requests. While the API is measured, a writer ingests BENCH_WRITES_PER_S (default 2) inbound
messages a second, each into a random tenant, through the real ingest path: every write moves
that tenant's event watermark, so the dashboard's cached counters (webapp/db/watermark_cache.py)
are recomputed as they would be on working desks. The bare loop has no cache.
Parameters (environment): BENCH_MESSAGES, BENCH_CONVERSATIONS, BENCH_TENANTS,
BENCH_CLIENTS, BENCH_SECONDS, BENCH_WORKERS, BENCH_THREADS, BENCH_THINK_MS, BENCH_ACTION_ITEMS,
BENCH_NOTIFICATIONS, BENCH_WRITES_PER_S. Target: p99 <= 50 ms (reported, not asserted: it
depends on the machine).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench import test_read_api as read
from bench.conftest import record
from webapp.db import Database
from webapp.desk_home import dashboard
from webapp.messaging.ingest import ingest
from webapp.tenants.service import add_user, create_tenant

ACTION_ITEMS = int(os.environ.get("BENCH_ACTION_ITEMS", "100000"))
WRITES_PER_S = float(os.environ.get("BENCH_WRITES_PER_S", "2"))
NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "200000"))
Work = Callable[[random.Random], Any]

# The read benchmark's messages, spread evenly over the 30 days before now.
RECENT_MESSAGES = read.MESSAGES_SQL.replace(
    "timestamptz '2026-01-01' + make_interval(secs => g)",
    "now() - interval '30 days' + make_interval(secs => g * 2592000.0 / %(n)s)")
assert RECENT_MESSAGES != read.MESSAGES_SQL
# An agent's reply through the app: one from-me message in 20 gets its outbox row and author.
AGENT_REPLIES = """insert into outbox (tenant_id, message_id, device_id, kind, status, created_by,
    created_at, updated_at)
select m.tenant_id, m.id, m.device_id, 'text', 'sent', o.user_id, m.sent_at, m.sent_at
from messages m
join memberships o on o.tenant_id = m.tenant_id and o.role = 'owner'
where m.from_me and mod(m.id, 20) = 0"""
ITEMS = """insert into action_items (tenant_id, conversation_id, description, status, due_date,
    origin, assignee_id, created_at, updated_at)
select c.tenant_id, c.id, 'Follow up on order ' || g,
       (%(statuses)s::text[])[1 + mod(g, cardinality(%(statuses)s::text[]))],
       case when mod(g, 3) = 0 then current_date + (mod(g, 40) - 20) end, 'manual',
       case when mod(g, 4) = 0 then o.user_id end,
       now() - make_interval(secs => mod(g * 7919, 5184000)),
       now() - make_interval(secs => mod(g * 7919, 5184000))
from generate_series(0, %(n)s - 1) g
join (select id, tenant_id, row_number() over (order by id) - 1 as k from conversations) c
  on c.k = mod(g, %(conversations)s)
join memberships o on o.tenant_id = c.tenant_id and o.role = 'owner'"""
REBUILD_DAY_COUNTS = "select mf_rebuild_message_day_counts(t.id) from tenants t"
STATUSES = """select pg_get_constraintdef(oid) as def from pg_constraint
where conname = 'action_items_status_check'"""


def action_item_statuses(conn: psycopg.Connection[Any]) -> list[str]:
    """The status vocabulary the action_items table accepts on this branch."""
    row = conn.execute(STATUSES).fetchone()
    assert row is not None
    return re.findall(r"'([a-z_]+)'", row[0])


def load(dsn: str) -> dict[str, Any]:
    """Tenants with one owner each (through the service), then the bulk rows in SQL."""
    db = Database(dsn, min_size=1, max_size=2)
    db.open()
    try:
        ids = [create_tenant(db, f"Bench {i}") for i in range(read.TENANTS)]
        emails = {t: f"desk-{t}@example.com" for t in ids}
        for t, email in emails.items():
            add_user(db, t, email, "Bench Owner", read.PASSWORD, "owner")
    finally:
        db.close()
    figures: dict[str, Any] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(read.DEVICES, {"tenants": ids})
        conn.execute(read.CONTACTS, {"tenants": ids, "n": read.CONVERSATIONS})
        conn.execute(read.CONVERSATIONS_SQL)
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute(RECENT_MESSAGES, {"n": read.MESSAGES,
                                           "conversations": read.CONVERSATIONS})
        # the bulk insert skipped the triggers that keep the per-day counts (migration 0033)
        conn.execute(REBUILD_DAY_COUNTS)
        figures["agent_replies"] = conn.execute(AGENT_REPLIES).rowcount
        statuses = action_item_statuses(conn)
        figures["action_item_statuses"] = statuses
        conn.execute(ITEMS, {"n": ACTION_ITEMS, "conversations": read.CONVERSATIONS,
                             "statuses": statuses})
        count = conn.execute("select count(*) from action_items").fetchone()
        figures["action_items"] = int(count[0]) if count else 0
        figures["notifications"] = insert_notifications(conn, len(ids))
        for statement in read.FINISH:
            conn.execute(statement)
        # Write the load's dirty pages (833 MB of messages alone) out now: otherwise the
        # checkpoint after a bulk load spreads them over the next minutes, i.e. over the
        # measured phases.
        conn.execute("checkpoint")
    return {"tenants": ids, "emails": emails, "figures": figures}


NOTIFICATIONS_SQL = """insert into notifications (tenant_id, user_id, kind, title, body, link,
    read_at, created_at)
select o.tenant_id, o.user_id, (array['action_item.assigned', 'mention',
       'important_message', 'action_item.due'])[1 + mod(g, 4)], 'Notification ' || g,
       'Something happened on order ' || g, '/app/action-items',
       case when mod(g, 3) <> 0 then now() - make_interval(secs => mod(g, 86400)) end,
       now() - make_interval(secs => mod(g * 7919, 5184000))
from generate_series(0, %(n)s - 1) g
join (select tenant_id, user_id, row_number() over (order by tenant_id) - 1 as k
      from memberships where role = 'owner') o on o.k = mod(g, %(tenants)s)"""


def insert_notifications(conn: psycopg.Connection[Any], tenants: int) -> int | str:
    """200,000 notifications spread over the tenants' owners (two in three read), when the
    notifications table exists on this branch."""
    if conn.execute("select to_regclass('public.notifications')").fetchone() == (None,):
        return "table absent on this branch"
    conn.execute(NOTIFICATIONS_SQL, {"n": NOTIFICATIONS, "tenants": tenants})
    row = conn.execute("select count(*) from notifications").fetchone()
    assert row is not None
    return int(row[0])


def bare_dashboard(dsn: str, data: dict[str, Any], window: str,
                   opened: list[psycopg.Connection[Any]]) -> Callable[[int], Work]:
    """The dashboard's statements (webapp.desk_home.dashboard.read), run with a plain psycopg
    connection per client thread."""

    def make(_index: int) -> Work:
        conn = psycopg.connect(dsn, autocommit=True, row_factory=psycopg.rows.dict_row)
        conn.execute("set role messageflow_app")
        opened.append(conn)

        def work(rng: random.Random) -> Any:
            tenant = rng.choice(data["tenants"])
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(tenant),))
                return dashboard.read(conn, window, data["users"][tenant])
        return work

    return make


def bare_action_items(dsn: str, data: dict[str, Any],
                      opened: list[psycopg.Connection[Any]]) -> Callable[[int], Work]:
    """The action-item list's statement (webapp.actions.filters.compose, first page of 50,
    newest first) with a plain psycopg connection per client thread."""
    from webapp.actions import filters  # the desk API's module (merged for this benchmark)

    first_page = filters.ItemFilters.model_validate({"limit": 50})

    def make(_index: int) -> Work:
        conn = psycopg.connect(dsn, autocommit=True, row_factory=psycopg.rows.dict_row)
        conn.execute("set role messageflow_app")
        opened.append(conn)

        def work(rng: random.Random) -> Any:
            tenant = rng.choice(data["tenants"])
            statement, params = filters.compose(first_page, data["users"][tenant])
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(tenant),))
                return filters.page_of(conn.execute(statement, params).fetchall(), first_page)
        return work

    return make


def api_get(port: int, data: dict[str, Any], path: str) -> Callable[[int], Work]:
    """GET path as a random tenant's owner, one keep-alive connection per client thread."""

    def make(_index: int) -> Work:
        client = read.ApiClient(port)

        def work(rng: random.Random) -> Any:
            token = data["tokens"][rng.choice(data["tenants"])]
            status, raw = client.get_raw(path, token)
            if status != 200 or not raw.startswith(b"{"):
                raise RuntimeError(f"{path}: {status} {raw[:300]!r}")
            return raw
        return work

    return make


@contextmanager
def writing(dsn: str, data: dict[str, Any], written: list[int]) -> Iterator[None]:
    """Ingest WRITES_PER_S inbound messages a second into random tenants (the real ingest path:
    rows, conversation, per-day counts, event) until the block ends; counts them in `written`."""
    stop = threading.Event()
    db = Database(dsn, min_size=1, max_size=1)
    db.open()
    devices = {}
    for tenant in data["tenants"]:  # the bench tenants' devices, one each
        with db.tenant(tenant) as conn:
            row = conn.execute("select id from devices limit 1").fetchone()
            assert row is not None
            devices[tenant] = row["id"]

    def loop() -> None:
        rng, n = random.Random(7), 0
        while not stop.wait(1 / WRITES_PER_S):
            tenant = rng.choice(data["tenants"])
            n += 1
            jid = f"5511{rng.randrange(10**9):09d}@s.whatsapp.net"
            ingest(db, tenant, [{"kind": "message", "id": f"BENCH-W{time.time_ns()}-{n}",
                                 "chat": jid, "sender": jid, "text": "Any news on my order?",
                                 "timestamp": dt.datetime.now(dt.UTC).isoformat()}],
                   device_id=devices[tenant])
            written[0] += 1

    thread = threading.Thread(target=loop, daemon=True)
    if WRITES_PER_S > 0:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=30)
        db.close()


RATE_TABLES = "vacuum mf_rate_hits, mf_rate_keys"


def api_run(api: Callable[[int], Work], dsn: str, data: dict[str, Any]) -> dict[str, Any]:
    """The API, paced, while the writer ingests (the rate-limit store vacuumed first)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(RATE_TABLES)
    written = [0]
    with writing(dsn, data, written):
        latencies = read.run_clients(api, read.CLIENTS, read.SECONDS, read.THINK_MS)
    figures: dict[str, Any] = read.summary(latencies, read.SECONDS)
    figures["messages_ingested_meanwhile"] = written[0]
    return figures


def compare(api: Callable[[int], Work], bare: Callable[[list[Any]], Callable[[int], Work]],
            dsn: str, data: dict[str, Any]) -> dict[str, Any]:
    """The API (while the writer ingests) and the bare loop, paced, at the same concurrency in
    the same run."""
    loadavg = os.getloadavg()[0]
    api_figures = api_run(api, dsn, data)
    opened: list[psycopg.Connection[Any]] = []
    bare_figures = read.summary(read.run_clients(bare(opened), read.CLIENTS, read.SECONDS,
                                                 read.THINK_MS), read.SECONDS)
    for conn in opened:
        conn.close()
    return {"loadavg_1m_at_start": round(loadavg, 2), "api": api_figures,
            "bare_psycopg_same_concurrency": bare_figures,
            "ratio_p99": round(api_figures["p99_ms"] / bare_figures["p99_ms"], 2),
            "offered_rps_max": round(read.CLIENTS * 1000 / read.THINK_MS, 1)}


@pytest.mark.bench
@pytest.mark.timeout(1800)  # loading 1M messages alone takes minutes on 2 shared cores
def test_desk_home_latency(database_url: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    data = load(database_url)
    figures: dict[str, Any] = {
        "messages": read.MESSAGES, "conversations": read.CONVERSATIONS,
        "tenants": read.TENANTS, **data["figures"], "clients": read.CLIENTS,
        "seconds_per_run": read.SECONDS, "think_ms": read.THINK_MS,
        "writes_per_s_during_api_runs": WRITES_PER_S,
        "load_s": round(time.perf_counter() - started, 1),
        "server": f"gunicorn gthread -w {read.WORKERS} --threads {read.THREADS}",
        "cpus": os.cpu_count(), "loadavg_before": os.getloadavg()[0]}
    with read.gunicorn(database_url, tmp_path) as port:
        logins = {t: read.http_json(port, "POST", "/api/v1/auth/login", body={
            "email": email, "password": read.PASSWORD})[1] for t, email in data["emails"].items()}
        data["tokens"] = {t: body["access_token"] for t, body in logins.items()}
        data["users"] = {t: body["user"]["id"] for t, body in logins.items()}
        read.run_clients(api_get(port, data, "/api/v1/auth/me"), read.CLIENTS, 3)  # warm-up
        figures["floor_auth_me"] = {"loadavg_1m_at_start": round(os.getloadavg()[0], 2),
                                    "api": api_run(api_get(port, data, "/api/v1/auth/me"),
                                                   database_url, data)}
        for window in ("today", "30d"):
            path = f"/api/v1/dashboard?window={window}"
            read.run_clients(api_get(port, data, path), read.CLIENTS, 3)  # warm-up
            figures[f"dashboard_{window}"] = compare(
                api_get(port, data, path),
                functools.partial(bare_dashboard, database_url, data, window),
                database_url, data)
        status, _ = read.http_json(port, "GET", "/api/v1/action-items?limit=1",
                                   token=data["tokens"][data["tenants"][0]])
        if status == 200:
            path = "/api/v1/action-items?limit=50"
            read.run_clients(api_get(port, data, path), read.CLIENTS, 3)  # warm-up
            figures["action_items_list"] = compare(
                api_get(port, data, path),
                functools.partial(bare_action_items, database_url, data),
                database_url, data)
        else:
            figures["action_items_list"] = f"GET /api/v1/action-items answers {status} here"
    figures["loadavg_after"] = os.getloadavg()[0]
    record("desk_home", figures)
    for window in ("today", "30d"):
        assert figures[f"dashboard_{window}"]["api"]["requests"] > 0
