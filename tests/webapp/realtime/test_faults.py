"""The LISTEN connection dies under the feed (terminated backend, database restart): the hub
reconnects with backoff and every client still gets every event exactly once."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from tests.factories import Member, make_settings, register_owner
from tests.webapp.realtime.conftest import (
    Client,
    connect,
    fence,
    hub_of,
    listener_held_down,
    send_traffic,
    terminate_listener,
    wait_for,
)
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer, ensure_server, find_bin_dir
from webapp.db.migrate import migrate
from webapp.errors import DependencyDown


def ready(base: str, member: Member) -> Client:
    """A client whose subscription is in place."""
    ws = connect(base, member.access)
    ws.first(lambda f: f["type"] == "presence")
    return ws


def test_terminated_listener_reconnects_and_nothing_is_lost_or_doubled(
    server: str, client: FlaskClient, app: Flask, db: Database, database_url: str
) -> None:
    a, b = register_owner(client, "Kill A"), register_owner(client, "Kill B")
    ws_a, ws_b = ready(server, a), ready(server, b)
    hub = hub_of(app)
    wait_for(hub.listener.connected.is_set)
    sent: list[int] = []
    for round_ in range(4):
        before = hub.listener.connections
        with listener_held_down(hub) as refused:
            assert terminate_listener(database_url) == 1
            wait_for(lambda: not hub.listener.connected.is_set())
            sent += send_traffic(db, a.tenant_id, seed=20 + round_, count=12)  # while down
            wait_for(lambda: refused[0] >= 1)  # noqa: B023 - waited on at once
        wait_for(lambda: hub.listener.connections > before)  # noqa: B023 - waited on at once
        sent += send_traffic(db, a.tenant_id, seed=30 + round_, count=3)  # after it is back
    stop = fence(db, a.tenant_id)
    got = ws_a.events_until(stop | set(sent))
    assert sorted(got) == sorted(set(sent) | stop)  # every event, exactly once
    assert ws_b.events_until(fence(db, b.tenant_id))  # and B still got nothing of A's
    assert all(f["data"]["user_id"] == b.user_id for f in ws_b.frames if "id" not in f)
    ws_a.close()
    ws_b.close()


# -- a real restart, on a private server (the shared one must not be restarted) -------------------


@pytest.fixture(scope="module")
def private_pg() -> Iterator[EmbeddedServer]:
    """A throwaway PostgreSQL server that this test may restart."""
    if find_bin_dir() is None:
        pytest.skip("no system pg_ctl/initdb to run a private server")
    home = Path(tempfile.mkdtemp(prefix="mf-rt-pg-"))
    home.chmod(0o755)  # the postgres OS user must reach it when we are root
    try:
        server = ensure_server(home / "pg", mode="system")
    except Exception as exc:  # noqa: BLE001 - an environment without a usable server
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL: {exc}")
    migrate(server.dsn())
    yield server
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


def restart(server: EmbeddedServer) -> None:
    """pg_ctl restart -m fast: every connection, the listener's included, is cut."""
    stop = server.stop_cmd  # [runuser -u postgres --] pg_ctl stop -D <data> -m fast -w
    cmd = [*stop[: stop.index("stop")], "restart", *stop[stop.index("stop") + 1:],
           "-l", str(server.data_dir / "server.log")]  # else the server inherits our pipes
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)


def ingest_retrying(db: Database, tenant_id: int, seed: int, count: int) -> list[int]:
    """Ingest as a real writer would after a restart: retry while pooled connections are dead
    (ingest is idempotent, so a retried batch is never doubled)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return send_traffic(db, tenant_id, seed, count)
        except DependencyDown:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_database_restart_under_the_listener(
    private_pg: EmbeddedServer, tmp_path: Path
) -> None:
    app = create_app(make_settings(private_pg.dsn(), tmp_path))
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    base = f"ws://127.0.0.1:{srv.server_port}"
    db: Database = app.extensions["mf_db"]
    try:
        owner = register_owner(app.test_client(), "Restart")
        ws = ready(base, owner)
        hub = hub_of(app)
        sent = ingest_retrying(db, owner.tenant_id, 40, 10)
        ws.events_until(set(sent))
        before = hub.listener.connections
        with listener_held_down(hub):
            restart(private_pg)
            more = ingest_retrying(db, owner.tenant_id, 41, 15)  # the listener is still down
            assert hub.listener.connections == before
        wait_for(lambda: hub.listener.connections > before, timeout=20)
        more += ingest_retrying(db, owner.tenant_id, 42, 5)
        got = ws.events_until(set(more), timeout=20)
        assert sorted(got) == sorted(set(more))  # the rest once each; the socket never dropped
    finally:
        srv.shutdown()
        thread.join(5)
        close_app(app)
