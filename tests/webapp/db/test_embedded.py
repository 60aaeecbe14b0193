"""The embedded PostgreSQL that `make up` / `make test` start when no server is configured."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
import pytest

from webapp.db.embedded import ensure_server, find_bin_dir
from webapp.db.migrate import migrate


@pytest.mark.skipif(find_bin_dir() is None, reason="no system initdb/pg_ctl on this machine")
def test_system_binaries_start_migrate_restart_and_stop(tmp_path: Path) -> None:
    # A short path, reachable by the postgres OS user when running as root.
    data = Path("/tmp") / f"mf-embedded-test-{os.getpid()}"
    server = ensure_server(data, mode="system")
    try:
        assert server.started_here
        assert migrate(server.dsn())  # RLS schema applies on the embedded server too
        again = ensure_server(data, mode="system")  # already running: reused, not restarted
        assert not again.started_here and again.base_dsn == server.base_dsn
        with psycopg.connect(server.dsn()) as conn:
            assert conn.execute("select count(*) from tenants").fetchone() == (0,)
    finally:
        server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.dsn(), connect_timeout=2)
    shutil.rmtree(data, ignore_errors=True)


def test_the_wheel_server_starts_on_a_fresh_home_and_stops() -> None:
    # A machine without PostgreSQL binaries: the pip-installed server, in a home that does not
    # exist yet (a fresh MESSAGEFLOW_HOME).
    home = Path("/tmp") / f"mf-wheel-test-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    server = ensure_server(home / "pg", mode="wheel")
    try:
        assert migrate(server.dsn())
        with psycopg.connect(server.dsn()) as conn:
            assert conn.execute("select count(*) from tenants").fetchone() == (0,)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_a_home_whose_data_is_in_the_wheel_cluster_keeps_using_it() -> None:
    # `up` fell back to the wheel (the postgres OS user could not reach the home); later
    # commands on the same home (replay, a second `up`) must find that data, not initdb a new,
    # empty system cluster beside it once the wheel has opened up the directories.
    home = Path("/tmp") / f"mf-sticky-test-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    first = ensure_server(home / "pg", mode="wheel")
    servers = [first]
    try:
        assert not first.reused
        with psycopg.connect(first.dsn(), autocommit=True) as conn:
            conn.execute("create table kept (id int)")
        servers.append(again := ensure_server(home / "pg"))  # auto: system binaries may work
        assert again.reused and again.wheel is not None
        assert not (home / "pg" / "data").exists()
        with psycopg.connect(again.dsn()) as conn:
            assert conn.execute("select count(*) from kept").fetchone() == (0,)
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(home, ignore_errors=True)
