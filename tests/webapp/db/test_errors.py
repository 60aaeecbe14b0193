"""Database errors become domain errors: a deadlock a real PostgreSQL reports is a retryable
DependencyDown that says what happened, not "the database is unavailable"."""

from __future__ import annotations

import threading

import psycopg
import pytest

from webapp.db.errors import translate_errors
from webapp.errors import DependencyDown


def test_a_deadlock_is_retryable_and_named(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as setup:
        setup.execute("create table if not exists dl_probe (id int primary key)")
        setup.execute("insert into dl_probe values (1), (2) on conflict do nothing")
    ready = threading.Barrier(2)
    caught: list[BaseException] = []

    def crossing(first: int, second: int) -> None:
        with psycopg.connect(database_url) as conn:
            try:
                with translate_errors():
                    conn.execute("set local deadlock_timeout = '100ms'")
                    conn.execute("select 1 from dl_probe where id = %s for update", (first,))
                    ready.wait()
                    conn.execute("select 1 from dl_probe where id = %s for update", (second,))
            except DependencyDown as exc:
                caught.append(exc)

    threads = [threading.Thread(target=crossing, args=ab) for ab in ((1, 2), (2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(caught) == 1  # PostgreSQL aborts one side; the other goes on
    assert "concurrent change" in str(caught[0])
    assert isinstance(caught[0].__cause__, psycopg.errors.DeadlockDetected)


def test_a_lost_connection_is_still_unavailable() -> None:
    with pytest.raises(DependencyDown, match="unavailable"):
        with translate_errors():
            raise psycopg.OperationalError("server closed the connection unexpectedly")
