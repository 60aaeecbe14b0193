"""The pool's checkout check and outage gate (webapp/db/liveness.py) on the real server: sessions
the server ended are replaced before anyone uses them, a busy pool is not an outage, and a
server that refuses connections is known at once. The restart and stop of a whole server:
test_restart.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from webapp.db import Database
from webapp.db.liveness import DatabaseDown, Outage


@pytest.fixture
def pool_of_three(database_url: str) -> Iterator[Database]:
    """A pool of exactly three connections, for this test alone (not the module's `db`)."""
    database = Database(database_url, min_size=3, max_size=3)
    database.open()
    yield database
    database.close()


def _idle_backends(db: Database) -> list[int]:
    """The server pids of the pool's three connections, all taken out and given back."""
    conns = [db.pool.getconn() for _ in range(3)]
    pids = [c.info.backend_pid for c in conns]
    for conn in conns:
        db.pool.putconn(conn)
    return pids


def test_sessions_the_server_ended_are_replaced_before_use(pool_of_three: Database,
                                                           database_url: str) -> None:
    db = pool_of_three
    pids = _idle_backends(db)
    with psycopg.connect(database_url, autocommit=True) as admin:  # as a restart would
        for pid in pids:
            admin.execute("select pg_terminate_backend(%s, 5000)", (pid,))
    with db.system() as conn:  # the first statement on a connection found dead would fail
        assert conn.execute("select 1 as one").fetchone() == {"one": 1}
        assert conn.info.backend_pid not in pids
    assert not set(_idle_backends(db)) & set(pids)  # all three replaced, not one per checkout


def test_a_busy_pool_waits_and_is_not_an_outage(database_url: str) -> None:
    db = Database(database_url, min_size=1, max_size=1)
    db.open()
    held = db.pool.getconn()
    try:
        releaser = threading.Timer(2.0, db.pool.putconn, (held,))  # longer than PROBE_AFTER_S
        releaser.start()
        started = time.monotonic()
        with db.system() as conn:
            assert conn.execute("select 1 as one").fetchone() == {"one": 1}
        assert time.monotonic() - started >= 1.5
        assert db.pool.outage.reason is None
        releaser.join()
    finally:
        db.close()


def test_a_refusing_server_is_known_without_waiting() -> None:
    with socket.socket() as sock:  # a port nothing listens on once this closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outage = Outage(f"postgresql://nobody@127.0.0.1:{port}/none", recheck_s=60)
    with pytest.raises(DatabaseDown, match="^Connection refused$"):
        outage.probe()
    assert outage.reason == "Connection refused"
    probed = outage._probed_at
    with pytest.raises(DatabaseDown, match="^Connection refused$"):
        outage.refuse_if_down()
    assert outage._probed_at == probed  # not asked again within recheck_s
    outage.up()  # a new pooled connection says it is back
    assert outage.refuse_if_down() is False
