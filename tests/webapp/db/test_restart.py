"""PostgreSQL restarting or stopping under running processes: `messageflow serve` (gunicorn, two
workers) and `messageflow replay`, over a private server this module starts, restarts and stops
(the machine's shared server is never touched)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from tests.webapp.realtime.conftest import connect, send_traffic
from webapp.db import Database
from webapp.db.embedded import EmbeddedServer, ensure_server, find_bin_dir
from webapp.db.liveness import RECHECK_S
from webapp.db.migrate import migrate
from webapp.messaging.simulator import generate, write_file

pytestmark = pytest.mark.skipif(find_bin_dir() is None,
                                reason="no system initdb/pg_ctl to run a private server")

REPO = Path(__file__).resolve().parents[3]
SECRETS = {"JWT_SECRET": "restart-jwt-secret-" + "x" * 32,
           "MASTER_KEY": "restart-master-key-" + "y" * 32}


class PrivateServer:
    """A PostgreSQL cluster of this test module that it may restart and stop."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.server: EmbeddedServer = ensure_server(data, mode="system")
        stop = self.server.stop_cmd
        self.ctl = stop[:stop.index("stop")]  # [runuser -u postgres --] pg_ctl
        self.pgdata = stop[stop.index("-D") + 1]
        self.port = int(self.server.base_dsn.rsplit(":", 1)[1].split("/")[0])
        self.dsn = self.server.dsn()

    def _ctl(self, *args: str) -> None:
        # -l: the server's output goes to its log, so pg_ctl's own pipes close
        subprocess.run([*self.ctl, *args, "-D", self.pgdata, "-w", "-l",
                        str(self.data / "server.log")], check=True, capture_output=True)

    def restart(self) -> None:
        """A fast restart (what an upgrade or a config change does): sessions are ended."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop; connections are refused until start()."""
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        """Start again on the same port (once it accepts connections)."""
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._ctl("start", "-o", opts)

    def running(self) -> bool:
        """Whether it accepts connections."""
        try:
            psycopg.connect(self.dsn, connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def ensure_running(self) -> None:
        """Start it if a test left it stopped."""
        if not self.running():
            self.start()


@pytest.fixture(scope="module")
def pg() -> Iterator[PrivateServer]:
    data = Path("/tmp") / f"mf-restart-{os.getpid()}"  # short, reachable by the postgres user
    shutil.rmtree(data, ignore_errors=True)
    server = PrivateServer(data)
    try:
        migrate(server.dsn)
        yield server
    finally:
        server.server.stop()
        shutil.rmtree(data, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    """One HTTP answer and how long it took."""

    status: int
    headers: dict[str, str]
    body: dict[str, object]
    seconds: float


def request(url: str, token: str | None = None, body: dict[str, object] | None = None,
            headers: dict[str, str] | None = None, timeout: float = 5.0) -> Answer:
    """One request; a timeout is a failed test (status 0), never a hang."""
    head = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    data = None
    if body is not None:
        data, head["Content-Type"] = json.dumps(body).encode(), "application/json"
    req = urllib.request.Request(url, data=data, headers=head)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, got = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    except (TimeoutError, urllib.error.URLError, ConnectionError):
        return Answer(0, {}, {}, time.monotonic() - started)
    return Answer(status, got, json.loads(raw or b"{}"), time.monotonic() - started)


@dataclass
class Served:
    """`messageflow serve` over the private server, and a signed-in owner."""

    base: str
    token: str
    tenant_id: int

    def read(self) -> Answer:
        """A read of the API (principal and page: two pooled transactions)."""
        return request(f"{self.base}/api/v1/conversations", self.token)

    def reads(self, n: int, threads: int = 8) -> Counter[int]:
        """n reads from `threads` clients at once; how many of each status."""
        with ThreadPoolExecutor(threads) as pool:
            return Counter(a.status for a in pool.map(lambda _: self.read(), range(n)))


@pytest.fixture(scope="module")
def served(pg: PrivateServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {**os.environ, **SECRETS, "DATABASE_URL": pg.dsn, "MESSAGEFLOW_ENV": "test",
           "MESSAGEFLOW_HOME": str(home), "RATE_LIMIT": "100000/minute",
           "AUTH_RATE_LIMIT": "100000/minute", "WEB_WORKERS": "2", "WEB_THREADS": "16",
           "DB_POOL_MIN": "2", "DB_POOL_MAX": "8", "LOG_LEVEL": "WARNING"}
    log = home / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)],
                                env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while request(f"{base}/readyz", timeout=2).status != 200:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        reg = request(f"{base}/api/v1/auth/register", body={
            "email": "owner@restart.example.com", "password": "correct horse battery",
            "name": "Olivia", "tenant_name": "Restart Ops"})
        assert reg.status == 201, reg.body
        tenant = reg.body["tenant"]
        assert isinstance(tenant, dict)
        yield Served(base, str(reg.body["access_token"]), int(tenant["id"]))
    finally:
        proc.send_signal(signal.SIGINT)  # the supervisor stops gunicorn's whole group
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def test_a_restart_costs_no_request(pg: PrivateServer, served: Served) -> None:
    pg.ensure_running()
    assert served.reads(40) == {200: 40}  # both workers' pools warmed, several connections each
    pg.restart()
    assert served.reads(40) == {200: 40}  # every pooled connection was stale; none failed


def _is_database_503(answer: Answer) -> bool:
    error = answer.body.get("error")
    return (answer.status == 503 and answer.headers.get("Retry-After") == "3"
            and isinstance(error, dict) and error["code"] == "dependency_unavailable"
            and error["details"] == {"dependency": "database", "retry_after": 3})


def test_a_stopped_database_is_a_quick_503_and_back_is_back(pg: PrivateServer,
                                                            served: Served) -> None:
    pg.ensure_running()
    assert served.reads(16) == {200: 16}
    pg.stop()
    try:
        answers = [served.read() for _ in range(10)]
        assert all(_is_database_503(a) for a in answers), answers
        # the first one in each worker waited PROBE_AFTER_S for a connection, then asked the
        # server; after that the worker knew (a probe at most every RECHECK_S): never 10 s
        seconds = sorted(a.seconds for a in answers)
        assert seconds[-1] < 2.5 and seconds[-3] < 0.5, seconds
        handshake = request(f"{served.base}/api/v1/ws", served.token,
                            headers={"Upgrade": "websocket", "Connection": "Upgrade"})
        assert _is_database_503(handshake), handshake  # the socket's handshake too
    finally:
        pg.start()
    time.sleep(RECHECK_S)  # the last refused probe is this old: the next request asks again
    assert served.reads(40) == {200: 40}

    # each worker's LISTEN connection came back by itself: a socket hears new events
    db = Database(pg.dsn, min_size=1, max_size=2)
    db.open()
    sockets = [connect(served.base.replace("http", "ws"), served.token) for _ in range(4)]
    try:
        sent = send_traffic(db, served.tenant_id, seed=7, count=10)
        for ws in sockets:  # four sockets: both workers (almost surely) hold some
            assert ws.events_until(set(sent)) == sent
    finally:
        for ws in sockets:
            ws.close()
        db.close()


def _counts(stdout: str) -> tuple[int, int]:
    found = re.search(r"ingested=(\d+) duplicates=(\d+)", stdout)
    assert found, stdout
    return int(found[1]), int(found[2])


def test_replay_waits_for_the_database_through_an_outage(pg: PrivateServer, served: Served,
                                                         tmp_path: Path) -> None:
    pg.ensure_running()
    records = list(generate(11, start=datetime(2026, 3, 1, 9, tzinfo=UTC), count=300))
    traffic = tmp_path / "outage.jsonl"
    write_file(traffic, records)
    span = (records[-1].timestamp - records[0].timestamp).total_seconds()
    cmd = [sys.executable, "-m", "webapp.cli", "replay", str(traffic), "--tenant",
           str(served.tenant_id), "--speed", str(span / 6), "--wait", "30"]  # about 6 s long
    env = {**os.environ, **SECRETS, "DATABASE_URL": pg.dsn, "MESSAGEFLOW_HOME": str(tmp_path)}
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    pg.stop()
    time.sleep(3)  # several batches fall due while it is down
    pg.start()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    where = f"127.0.0.1:{pg.port}/messageflow"
    assert f"database unreachable at {where}: " in err and "retrying for up to 30 s" in err
    assert f"database at {where} is reachable again; going on" in err
    first = _counts(out)
    again = subprocess.run([*cmd[:-4], "--wait", "0"], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    stored = _counts(again.stdout)
    assert stored[0] == 0  # nothing was lost: all of it was stored by the first run
    assert sum(first) == stored[1]  # every record was sent; any sent twice counted as duplicate
