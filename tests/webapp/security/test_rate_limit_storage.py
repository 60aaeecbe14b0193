"""The PostgreSQL rate-limit storage (webapp.security.rate_store.PostgresStorage,
`mf-postgres://`): the `limits` storage contract over a real database, exact under concurrency
from several pools (as from several processes), old keys pruned, outages failing fast; and the
app over it."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.factories import make_settings, register_owner
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.errors import ConfigError
from webapp.security import rate_store
from webapp.security.rate_store import PostgresStorage, StorageUnavailable


@pytest.fixture(scope="module")
def pools(database_url: str) -> Iterator[list[Database]]:
    """Two independent pools over the module's database: two processes' worth."""
    opened = [Database(database_url, min_size=1, max_size=8) for _ in range(2)]
    for db in opened:
        db.open()
    yield opened
    for db in opened:
        db.close()


@pytest.fixture
def storage(pools: list[Database]) -> PostgresStorage:
    return PostgresStorage(database=pools[0])


def key() -> str:
    """A key no other test uses."""
    return f"test/{uuid.uuid4().hex}"


def kill_connections(database_url: str, application_name: str) -> None:
    """PostgreSQL drops every connection of that application (as in a restart)."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                      "where datname = current_database() and application_name = %s",
                      (application_name,))


def rows(database_url: str, query: str, *args: object) -> list[tuple[object, ...]]:
    """Read the storage tables as the owner (the app role's view is the same; no RLS here)."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(query, args).fetchall()


def test_scheme_is_registered_and_needs_the_pool(pools: list[Database]) -> None:
    assert isinstance(storage_from_string("mf-postgres://", database=pools[0]),  # type: ignore[arg-type]
                      PostgresStorage)
    with pytest.raises(ConfigError):
        storage_from_string("mf-postgres://")


def test_moving_window_counts_any_window(storage: PostgresStorage) -> None:
    limiter = MovingWindowRateLimiter(storage)
    limit, k = parse("3 per 2 seconds"), key()
    started = time.time()
    assert [limiter.hit(limit, k) for _ in range(4)] == [True, True, True, False]
    spread = time.time() - started  # the three hits lie within this
    stats = limiter.get_window_stats(limit, k)
    assert stats.remaining == 0 and started + 2 <= stats.reset_time <= time.time() + 2
    assert limiter.hit(limit, "someone else", k)
    time.sleep(max(0.0, stats.reset_time + spread - time.time()) + 0.05)
    # The first three left the window; the refused one never entered it.
    assert [limiter.hit(limit, k) for _ in range(4)] == [True, True, True, False]
    oldest, hits = storage.get_moving_window("unknown", 3, 60)
    assert hits == 0 and abs(oldest - time.time()) < 5


def test_amounts_and_a_read_creates_nothing(storage: PostgresStorage, database_url: str) -> None:
    k = key()
    assert not storage.acquire_entry(k, 5, 60, amount=6)  # more than the limit: never
    assert storage.acquire_entry(k, 5, 60, amount=3)
    assert not storage.acquire_entry(k, 5, 60, amount=3)
    assert storage.acquire_entry(k, 5, 60, amount=2)
    assert storage.get_moving_window(k, 5, 60)[1] == 5
    never = key()
    assert storage.get_moving_window(never, 5, 60)[1] == 0
    assert rows(database_url, "select 1 from mf_rate_keys where key = %s", never) == []


def test_concurrent_hits_from_two_pools_never_pass_the_limit(pools: list[Database]) -> None:
    """16 threads over two pools (two processes' worth), 100 hits each on one key: exactly the
    limit is granted, and the headers' count agrees."""
    storages = [PostgresStorage(database=db) for db in pools]
    limit, k = parse("500/minute"), key()

    def hammer(i: int) -> Counter[bool]:
        limiter = MovingWindowRateLimiter(storages[i % 2])
        return Counter(limiter.hit(limit, k) for _ in range(100))

    with ThreadPoolExecutor(16) as pool:
        results = sum(pool.map(hammer, range(16)), Counter())
    assert results == Counter({True: 500, False: 1100})
    assert MovingWindowRateLimiter(storages[1]).get_window_stats(limit, k).remaining == 0


def test_fixed_window_counter_expiry_and_clear(storage: PostgresStorage) -> None:
    limiter = FixedWindowRateLimiter(storage)
    limit, k = parse("2 per 1 second"), key()
    assert [limiter.hit(limit, k) for _ in range(3)] == [True, True, False]
    counter_key = limit.key_for(k)
    assert storage.get(counter_key) == 3
    assert time.time() - 1 < storage.get_expiry(counter_key) <= time.time() + 1
    time.sleep(1.1)
    assert storage.get(counter_key) == 0 and limiter.hit(limit, k)
    storage.clear(counter_key)
    assert storage.get(counter_key) == 0 and storage.get("nope") == 0
    assert storage.check()


def test_keys_of_past_windows_are_pruned(storage: PostgresStorage, database_url: str) -> None:
    old, live = key(), key()
    for _ in range(3):
        storage.acquire_entry(old, 5, 1)
    storage.acquire_entry(live, 5, 600)
    time.sleep(1.1)
    assert storage.prune() >= 1
    assert rows(database_url, "select key from mf_rate_keys where key in (%s, %s)",
                old, live) == [(live,)]
    assert rows(database_url, "select count(*) from mf_rate_hits where key = %s", old) == [(0,)]
    assert storage.get_moving_window(live, 5, 600)[1] == 1


def test_prune_runs_from_checks_about_once_a_minute(
    storage: PostgresStorage, database_url: str
) -> None:
    old = key()
    storage.acquire_entry(old, 5, 1)
    time.sleep(1.1)
    storage._next_prune = 0.0  # as if a minute had passed since this process last pruned
    storage.acquire_entry(key(), 5, 60)
    assert rows(database_url, "select 1 from mf_rate_keys where key = %s", old) == []
    assert storage._next_prune > time.monotonic() + rate_store.PRUNE_EVERY_S - 5


def test_a_request_remembers_its_windows(pools: list[Database]) -> None:
    """Inside begin/end_request the window a check returned is reused (the headers' read costs
    no round trip): another process's hit in between is not seen until the next request."""
    mine, other = PostgresStorage(database=pools[0]), PostgresStorage(database=pools[1])
    k = key()
    mine.begin_request()
    assert mine.acquire_entry(k, 10, 60)
    assert other.acquire_entry(k, 10, 60)
    assert mine.get_moving_window(k, 10, 60)[1] == 1  # as this request left it
    mine.end_request()
    assert mine.get_moving_window(k, 10, 60)[1] == 2  # the shared state
    assert other.get_moving_window(k, 10, 60)[1] == 2  # never bracketed: always read


class HoldingCompanion:
    """Rides along with a check: opens a transaction and keeps its connection, as the web
    edge's principal prefetch does for a route that holds its transaction."""

    def __init__(self, statement: str = "select txid_current() as tx") -> None:
        self.statement = statement
        self.conn: psycopg.Connection[Any] | None = None
        self.row: dict[str, Any] | None = None
        self.cursor: psycopg.Cursor[Any] | None = None

    def send(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute("begin")
        self.cursor = conn.execute(self.statement)

    def received(self, conn: psycopg.Connection[Any]) -> None:
        assert self.cursor is not None
        self.row = self.cursor.fetchone()
        self.conn = conn


def test_a_companion_rides_in_the_check_round_trip_after_it_commits(
        pools: list[Database], database_url: str) -> None:
    """The companion's statements share the check's connection, but the check committed first:
    while the companion's transaction stays open, another process checks the same key at once
    (no wait on the key's row lock) and sees the first hit."""
    mine = PostgresStorage(database=pools[0])
    k = key()
    companion = HoldingCompanion()
    mine.begin_request(companion)
    checkouts = pools[0].pool.get_stats().get("requests_num", 0)
    assert mine.acquire_entry(k, 10, 60)
    assert pools[0].pool.get_stats().get("requests_num", 0) - checkouts == 1
    assert companion.conn is not None and companion.row is not None
    assert companion.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    try:
        with psycopg.connect(database_url, autocommit=True) as other:
            other.execute("set lock_timeout = '2s'")  # a held row lock fails this, not hangs
            hits = other.execute("select hits from mf_rate_acquire(%s, 10, 60, 1)",
                                 (k,)).fetchone()
        assert hits == (2,)
        # only the request's first check carries the companion
        assert mine.acquire_entry(k, 10, 60) and companion.conn is not None
        assert mine.get_moving_window(k, 10, 60)[1] == 3
    finally:
        companion.conn.execute("commit")
        pools[0].pool.putconn(companion.conn)
        mine.end_request()


def test_a_failing_companion_gives_the_connection_back(pools: list[Database]) -> None:
    """The companion's statement fails: the error reaches the caller (Flask-Limiter logs and
    swallows it), the connection goes back to the pool rolled back, the hit stays counted."""
    mine = PostgresStorage(database=pools[0])
    k = key()
    companion = HoldingCompanion("select 1 / 0")
    mine.begin_request(companion)
    with pytest.raises(psycopg.errors.DivisionByZero):
        mine.acquire_entry(k, 10, 60)
    mine.end_request()
    assert companion.conn is None
    stats = pools[0].pool.get_stats()
    assert stats.get("pool_available", 0) == stats.get("pool_size", 0)
    assert mine.get_moving_window(k, 10, 60)[1] == 1


def refuse_connections(database_url: str, refused: bool, end: str | None = None) -> None:
    """Make the module's database refuse new connections (as a server that is down would), or
    accept them again; `end`: also end that application's open connections."""
    dbname = str(conninfo_to_dict(database_url)["dbname"])
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as a:
        a.execute(sql.SQL("alter database {} allow_connections {}").format(
            sql.Identifier(dbname), sql.SQL("false" if refused else "true")))
        if end is not None:
            a.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                      "where datname = %s and application_name = %s", (dbname, end))


def test_unreachable_database_fails_fast(database_url: str) -> None:
    """The database goes away (its connections end, new ones are refused): the check raises
    StorageUnavailable, and for DOWN_FOR_S it does not wait for the pool again; then, once the
    database is back, it recovers. (Killed connections alone are no outage any more: the pool
    replaces them on checkout.)"""
    db = Database(make_conninfo(database_url, application_name="mf-rl-down"), min_size=1,
                  max_size=1)
    db.open()
    try:
        storage = PostgresStorage(database=db)
        assert storage.acquire_entry(key(), 5, 60)
        refuse_connections(database_url, True, end="mf-rl-down")
        with pytest.raises(StorageUnavailable):
            storage.acquire_entry(key(), 5, 60)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            storage.acquire_entry(key(), 5, 60)
        assert not storage.check()
        assert time.monotonic() - started < rate_store.DOWN_FOR_S
        refuse_connections(database_url, False)
        time.sleep(rate_store.DOWN_FOR_S)
        deadline = time.monotonic() + 15  # the pool reconnects on its own schedule
        while time.monotonic() < deadline:
            try:
                assert storage.acquire_entry(key(), 5, 60)
                break
            except StorageUnavailable:
                time.sleep(0.2)
        else:
            pytest.fail("the storage did not recover once the database was back")
    finally:
        refuse_connections(database_url, False)
        db.close()


def test_app_role_has_exactly_the_privileges_it_uses(database_url: str) -> None:
    granted = rows(database_url, """
        select table_name, string_agg(privilege_type, ',' order by privilege_type)
        from information_schema.role_table_grants
        where grantee = 'messageflow_app' and table_name in ('mf_rate_keys', 'mf_rate_hits')
        group by table_name order by table_name""")
    assert granted == [("mf_rate_hits", "DELETE,INSERT,SELECT"),
                       ("mf_rate_keys", "DELETE,INSERT,SELECT,UPDATE")]
    persistence = rows(database_url, "select relname, relpersistence from pg_class "
                       "where relname in ('mf_rate_keys', 'mf_rate_hits') order by relname")
    assert persistence == [("mf_rate_hits", "u"), ("mf_rate_keys", "u")]  # unlogged


@pytest.fixture(scope="module")
def limited_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = make_settings(make_conninfo(database_url, application_name="mf-rl-app"),
                             Path(tmp_path_factory.mktemp("rls")), rate_limit="60/minute")
    application = create_app(settings)
    yield application
    close_app(application)


def test_api_limit_under_concurrent_requests(limited_app: Flask) -> None:
    """Two users, 8 threads, 90 requests each: exactly 60 pass per user, the rest are 429,
    nothing else."""
    users = [register_owner(limited_app.test_client()) for _ in range(2)]

    def call(i: int) -> tuple[int, int]:
        user = users[i % 2]
        r = limited_app.test_client().get("/api/v1/auth/me", headers=user.headers)
        return user.user_id, r.status_code

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(call, range(180)))
    for user in users:
        assert outcomes[(user.user_id, 200)] == 60
        assert outcomes[(user.user_id, 429)] == 30
    assert sum(outcomes.values()) == 180


def test_storage_failure_is_no_500(limited_app: Flask, database_url: str) -> None:
    """PostgreSQL drops every connection of the app: the limiter's failure is swallowed, the
    request answers on its own (503 while the pool reconnects, then 200), never 500."""
    client = limited_app.test_client()
    user = register_owner(client)
    kill_connections(database_url, "mf-rl-app")
    statuses = []
    deadline = time.monotonic() + 20
    while not statuses or statuses[-1] != 200:
        r = client.get("/api/v1/auth/me", headers=user.headers)
        assert r.status_code in (200, 503), r.get_json()
        assert r.is_json and (r.status_code == 200 or "error" in r.get_json())
        statuses.append(r.status_code)
        assert time.monotonic() < deadline
    assert statuses[-1] == 200


@pytest.fixture
def own_limited_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app of its own (60/minute): no other test's outage has marked its store down."""
    settings = make_settings(make_conninfo(database_url, application_name="mf-rl-own"),
                             tmp_path, rate_limit="60/minute")
    application = create_app(settings)
    yield application
    close_app(application)


def test_a_refused_request_ends_the_transaction_loaded_with_its_check(
        own_limited_app: Flask, database_url: str) -> None:
    """The principal is loaded in the check's round trip and, for a route that holds it, kept
    open for the view; a 429 never reaches the view, and the transaction still ends."""
    client = own_limited_app.test_client()
    user = register_owner(client)
    statuses = Counter(client.get("/api/v1/conversations", headers=user.headers).status_code
                       for _ in range(61))
    assert statuses == Counter({200: 60, 429: 1})
    stats = own_limited_app.extensions["mf_db"].pool.get_stats()
    assert stats.get("pool_available", 0) == stats.get("pool_size", 0)
    with psycopg.connect(database_url, autocommit=True) as admin:
        idle = admin.execute("select count(*) from pg_stat_activity where datname = "
                             "current_database() and application_name = 'mf-rl-own' "
                             "and state like 'idle in transaction%'").fetchone()
    assert idle == (0,)
