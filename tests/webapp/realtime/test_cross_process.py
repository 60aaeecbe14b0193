"""Fan-out across processes: two gunicorn (gthread) servers on one database, each with its own
LISTEN connection; events, typing and presence reach the clients of both, and a sign-out,
removal or role change made in one closes the sockets in the other within 2 s."""

from __future__ import annotations

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

import pytest
from flask.testing import FlaskClient

from tests.factories import Member, add_member, make_settings, register_owner
from tests.webapp.realtime.conftest import Client, closed_within, connect, fence, send_traffic
from webapp.db import Database

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /healthz until the worker answers (or fail with its log)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not come up: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two independent app processes (gunicorn -k gthread) over the module's database."""
    home = tmp_path_factory.mktemp("xproc")
    settings = make_settings(database_url, home)
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": settings.jwt_secret,
           "MASTER_KEY": settings.master_key, "MESSAGEFLOW_ENV": "test",
           "MESSAGEFLOW_HOME": str(home), "RATE_LIMIT": settings.rate_limit,
           "AUTH_RATE_LIMIT": settings.auth_rate_limit, "LOG_LEVEL": "WARNING",
           "DB_POOL_MIN": "1", "DB_POOL_MAX": "4"}
    procs, ports = [], []
    for i in range(2):
        port, log = free_port(), home / f"gunicorn-{i}.log"
        with log.open("wb") as out:
            procs.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "-k", "gthread", "-w", "1", "--threads", "16",
                 "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2", "webapp.wsgi:app"],
                env=env, stdout=out, stderr=subprocess.STDOUT))
        ports.append((port, log))
    try:
        for proc, (port, log) in zip(procs, ports, strict=True):
            wait_healthy(port, proc, log)
        yield [f"ws://127.0.0.1:{port}" for port, _ in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def ready(base: str, member: Member) -> Client:
    """A client whose subscription is in place."""
    ws = connect(base, member.access)
    ws.first(lambda f: f["type"] == "presence" and f["data"]["user_id"] == member.user_id)
    return ws


def patch(base: str, member: Member, path: str, body: dict[str, object]) -> int:
    """PATCH through one of the server processes; the status code."""
    req = urllib.request.Request(
        base.replace("ws://", "http://") + path, method="PATCH", data=json.dumps(body).encode(),
        headers={**member.headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status)


def test_events_typing_and_presence_cross_processes(
    servers: list[str], client: FlaskClient, db: Database
) -> None:
    one, two = servers
    a = register_owner(client, "Cross A")
    mate = add_member(client, a, "member")
    b = register_owner(client, "Cross B")
    ws_a1, ws_b2 = ready(one, a), ready(two, b)
    ws_mate2 = ready(two, mate)
    assert ws_a1.first(lambda f: f["type"] == "presence")["data"] == {
        "user_id": mate.user_id, "online": True}  # announced by process two to process one

    sent = send_traffic(db, a.tenant_id, seed=50, count=20)  # committed by a third process
    assert ws_a1.events_until(set(sent)) == sent
    assert ws_mate2.events_until(set(sent)) == sent

    with db.tenant(a.tenant_id) as conn:
        row = conn.execute("select id from conversations order by id limit 1").fetchone()
    assert row is not None
    before = max(sent)
    assert patch(one, a, f"/api/v1/conversations/{row['id']}", {"status": "pending"}) == 200
    with db.tenant(a.tenant_id) as conn:
        by_one = [r["id"] for r in conn.execute(
            "select id from events where id > %s order by id", (before,))]
    assert by_one  # conversation.updated, committed inside process one
    assert ws_mate2.events_until(set(by_one)) == by_one
    assert ws_a1.events_until(set(by_one)) == by_one

    ws_a1.send({"type": "typing", "conversation_id": row["id"], "state": "start"})
    typing = ws_mate2.first(lambda f: f["type"] == "typing")
    assert typing["data"] == {"conversation_id": row["id"], "user_id": a.user_id,
                              "state": "start"}

    stop_b = fence(db, b.tenant_id)
    assert ws_b2.events_until(stop_b) == sorted(stop_b)
    assert not [f for f in ws_b2.frames if f["type"] == "typing"
                or (f["type"] == "presence" and f["data"]["user_id"] != b.user_id)]
    stop_a = fence(db, a.tenant_id)
    for ws in (ws_a1, ws_mate2):
        ws.events_until(stop_a)
        ids = [f["id"] for f in ws.frames if "id" in f]
        assert len(ids) == len(set(ids))  # nothing doubled on either process
    for ws in (ws_a1, ws_b2, ws_mate2):
        ws.close()


# -- revocations made in the other process ------------------------------------------------------


def call(base: str, member: Member, method: str, path: str,
         body: dict[str, object] | None = None) -> dict[str, Any]:
    """An API call through one of the server processes, as `member`; the JSON answer."""
    req = urllib.request.Request(
        base.replace("ws://", "http://") + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={**member.headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer


class Traffic:
    """Messages committed one after another by a third process while a test runs, each with
    the time its transaction began."""

    def __init__(self, db: Database, tenant_id: int) -> None:
        self.batches: list[tuple[float, set[int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(db, tenant_id), daemon=True)
        self._thread.start()

    def _run(self, db: Database, tenant_id: int) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            self.batches.append((began, fence(db, tenant_id)))

    def started_after(self, moment: float) -> set[int]:
        """Event ids of the messages whose transaction began after `moment`."""
        return {i for began, ids in self.batches if began > moment for i in ids}

    def stop(self) -> None:
        """Stop writing."""
        self._stop.set()
        self._thread.join(10)


def test_signing_out_in_the_other_process_closes_the_socket_at_once(
    servers: list[str], client: FlaskClient, db: Database
) -> None:
    one, two = servers
    owner = register_owner(client, "Revoke logout")
    mate = add_member(client, owner, "member")
    ws_mate, ws_owner = ready(one, mate), ready(one, owner)
    traffic = Traffic(db, owner.tenant_id)
    try:
        ws_mate.events_until(fence(db, owner.tenant_id))  # live, with messages flowing
        assert call(two, mate, "POST", "/api/v1/auth/logout") == {"status": "signed_out"}
        signed_out = time.monotonic()
        closed = closed_within(ws_mate, signed_out)
        time.sleep(0.5)  # let more messages commit after the close
    finally:
        traffic.stop()
    assert (closed.code, closed.reason) == (4401, "session revoked")
    after = traffic.started_after(signed_out)
    assert after  # messages did flow after the sign-out ...
    assert not after & {f["id"] for f in ws_mate.frames if "id" in f}  # ... none reached it
    assert ws_owner.events_until(after | fence(db, owner.tenant_id))  # the owner's stays live
    ws_owner.close()


def test_a_role_change_in_the_other_process_closes_with_4401_and_the_client_comes_back(
    servers: list[str], client: FlaskClient, db: Database
) -> None:
    one, two = servers
    owner = register_owner(client, "Revoke role")
    mate = add_member(client, owner, "member")
    ws_mate, ws_owner = ready(one, mate), ready(two, owner)
    call(two, owner, "PATCH", f"/api/v1/members/{mate.user_id}", {"role": "viewer"})
    closed = closed_within(ws_mate, time.monotonic())
    assert (closed.code, closed.reason) == (4401, "role changed")

    # The client refreshes (the session is still valid) and reconnects with its new role.
    refresh = {"Authorization": f"Bearer {mate.refresh}"}
    r = client.post("/api/v1/auth/refresh", headers=refresh)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["user"]["role"] == "viewer"
    mate.access = r.get_json()["access_token"]
    again = ready(one, mate)
    stop = fence(db, owner.tenant_id)
    assert again.events_until(stop) and ws_owner.events_until(stop)
    again.close()
    ws_owner.close()


def test_removal_in_the_other_process_closes_every_socket_of_the_member_with_4403(
    servers: list[str], client: FlaskClient, db: Database
) -> None:
    one, two = servers
    owner = register_owner(client, "Revoke removal")
    mate = add_member(client, owner, "member")
    other = add_member(client, owner, "member")
    mate_one, mate_two = ready(one, mate), ready(two, mate)
    ws_other = ready(one, other)
    call(two, owner, "DELETE", f"/api/v1/members/{mate.user_id}")
    removed = time.monotonic()
    for ws in (mate_one, mate_two):
        closed = closed_within(ws, removed)
        assert (closed.code, closed.reason) == (4403, "removed from the tenant")
    stop = fence(db, owner.tenant_id)
    assert ws_other.events_until(stop)  # another member of the tenant keeps receiving
    ws_other.close()
