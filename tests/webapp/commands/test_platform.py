"""`messageflow up`'s pieces: the child list, their environment, Dagster's home and storage, the
supervisor's start/stop (process groups emptied, grandchildren included)."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conftest import drop_db
from webapp.commands import dagster_home
from webapp.commands.children import (
    ACCESS_LOG_FORMAT,
    DEFAULT_WEB_THREADS,
    WEB_WORKER_CLASS,
    BusyPort,
    Ports,
    busy_message,
    busy_ports,
    child_env,
    platform_children,
)
from webapp.commands.platform import banner
from webapp.config import Settings
from webapp.db.embedded import EmbeddedServer
from webapp.supervisor import Child, group_alive, run_all, terminate

ALL = ["web", "gateway", "simulator", "dagster-ui", "dagster-d", "streamlit"]


@pytest.fixture
def home(tmp_path: Path) -> dagster_home.DagsterHome:
    return dagster_home.prepare(tmp_path, {}, None)


def _names(children: list[Child]) -> list[str]:
    return [c.name for c in children]


# --- the child list ----------------------------------------------------------------------------

def test_up_runs_every_process(home: dagster_home.DagsterHome) -> None:
    ports = Ports.from_env("127.0.0.1", 8080, {})
    children = platform_children(ports, {}, 7, home)
    assert _names(children) == ALL
    by = {c.name: c for c in children}
    assert by["gateway"].argv == [sys.executable, "-m", "webapp.cli", "gateway"]
    assert by["simulator"].argv[-4:] == ["--tenant", "7", "--rate", "0.3"]
    assert by["web"].ready_url == "http://127.0.0.1:8080/readyz"
    assert by["dagster-ui"].ready_url == "http://127.0.0.1:3000/server_info"
    assert by["streamlit"].ready_url == "http://127.0.0.1:8501/_stcore/health"
    ui, daemon = by["dagster-ui"], by["dagster-d"]
    assert ui.argv[0].endswith("dagster-webserver") and daemon.argv[0].endswith("dagster-daemon")
    assert ui.argv[1:] == ["-h", "127.0.0.1", "-p", "3000", "-w", str(home.workspace)]
    assert daemon.argv[1:] == ["run", "-w", str(home.workspace), "--log-level", "warning",
                              "--code-server-log-level", "error"]
    for child in (ui, daemon):
        assert child.env["DAGSTER_HOME"] == str(home.path)
        assert child.cwd == str(dagster_home.REPO_ROOT)
        assert os.access(child.argv[0], os.X_OK), child.argv[0]


def test_switches_and_ports_from_the_environment(home: dagster_home.DagsterHome) -> None:
    environ = {"DAGSTER_PORT": "3333", "STREAMLIT_PORT": "8599", "MESSAGEFLOW_STREAMLIT": "0",
               "MESSAGEFLOW_DEMO_TRAFFIC": "false", "MESSAGEFLOW_DEMO_RATE": "2"}
    ports = Ports.from_env("0.0.0.0", 9090, environ)
    assert (ports.web, ports.dagster, ports.streamlit) == (9090, 3333, 8599)
    assert ports.url(ports.dagster) == "http://127.0.0.1:3333"
    assert _names(platform_children(ports, environ, 7, home)) == [
        "web", "gateway", "dagster-ui", "dagster-d"]
    # MESSAGEFLOW_DAGSTER=0 is decided by `up`, which then passes no DagsterHome
    quiet = {"MESSAGEFLOW_STREAMLIT": "0", "MESSAGEFLOW_GATEWAY": "0"}
    assert _names(platform_children(ports, quiet, None, None)) == ["web"]
    sim = platform_children(ports, {"MESSAGEFLOW_DEMO_RATE": "2"}, 3, None)
    assert sim[2].argv[-4:] == ["--tenant", "3", "--rate", "2"]
    v6 = Ports.from_env("::1", 8080, {})
    assert v6.bind(8080) == "[::1]:8080" and v6.url(3000) == "http://[::1]:3000"
    with pytest.raises(ValueError, match="DAGSTER_PORT"):
        Ports.from_env("127.0.0.1", 8080, {"DAGSTER_PORT": "http"})


def test_web_child_threads_and_workers() -> None:
    ports = Ports.from_env("127.0.0.1", 8080, {})
    argv = platform_children(ports, {}, None, None)[0].argv
    assert argv[argv.index("-k") + 1] == WEB_WORKER_CLASS == "webapp.http.worker.EnvelopeWorker"
    assert argv[argv.index("--limit-request-line") + 1] == "8190"
    assert argv[argv.index("--threads") + 1] == str(DEFAULT_WEB_THREADS) == "256"
    assert argv[argv.index("-w") + 1] == "2"
    assert argv[argv.index("-b") + 1] == "127.0.0.1:8080"
    tuned = platform_children(ports, {"WEB_WORKERS": "4", "WEB_THREADS": "1100"}, None, None)
    argv = tuned[0].argv
    assert argv[argv.index("-w") + 1] == "4" and argv[argv.index("--threads") + 1] == "1100"


def test_access_log_never_writes_the_query_string() -> None:
    """The WebSocket route takes the JWT as ?token=: gunicorn's own formatting of our access-log
    format, for such a request, shows the path but not the token."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    class Resp:
        status = "401 UNAUTHORIZED"
        sent = 179
        headers: list[tuple[str, str]] = []

    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/api/v1/ws?token=eyJSECRET.jwt&since=5",
               "PATH_INFO": "/api/v1/ws", "QUERY_STRING": "token=eyJSECRET.jwt&since=5",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_USER_AGENT": "curl/8"}
    atoms = Logger(Config()).atoms(Resp(), [], environ, dt.timedelta(milliseconds=3))
    line = ACCESS_LOG_FORMAT % atoms
    assert "/api/v1/ws" in line and "401" in line
    assert "SECRET" not in line and "token" not in line
    assert "%(r)s" not in ACCESS_LOG_FORMAT and "%(q)s" not in ACCESS_LOG_FORMAT
    web = platform_children(Ports.from_env("127.0.0.1", 8080, {}), {}, None, None)[0]
    assert web.argv[web.argv.index("--access-logformat") + 1] == ACCESS_LOG_FORMAT
    assert "--access-logfile" not in web.argv  # the app's JSON access log is the one


def test_child_env(tmp_path: Path) -> None:
    settings = Settings(jwt_secret="j", master_key="m", home=tmp_path / "h")
    env = child_env(settings, "postgresql://x@h/db", {"PATH": "/bin"}, analysis_runner="dagster")
    assert env["DATABASE_URL"] == "postgresql://x@h/db"
    assert (env["JWT_SECRET"], env["MASTER_KEY"], env["PATH"]) == ("j", "m", "/bin")
    assert env["MESSAGEFLOW_HOME"] == str((tmp_path / "h").resolve())
    assert env["ANALYTICS_DIR"] == str((tmp_path / "h").resolve() / "analytics")
    assert env["ANALYSIS_RUNNER"] == "dagster" and env["PYTHONUNBUFFERED"] == "1"
    kept = child_env(settings, "x", {"ANALYTICS_DIR": "rel/an", "ANALYSIS_RUNNER": "inline"})
    assert kept["ANALYTICS_DIR"] == os.path.abspath("rel/an")
    assert kept["ANALYSIS_RUNNER"] == "inline"
    assert "WHATSAPP_DEFAULT_KIND" not in env
    up_env = child_env(settings, "x", {}, whatsapp_default_kind="simulator")
    assert up_env["WHATSAPP_DEFAULT_KIND"] == "simulator"
    chosen = child_env(settings, "x", {"WHATSAPP_DEFAULT_KIND": "neonize"},
                       whatsapp_default_kind="simulator")
    assert chosen["WHATSAPP_DEFAULT_KIND"] == "neonize"


def test_banner_lists_every_url(home: dagster_home.DagsterHome) -> None:
    ports = Ports.from_env("127.0.0.1", 8080, {})
    text = banner(ports, ("demo@messageflow.local", "pw"), 1,
                  platform_children(ports, {}, 1, home), home)
    for part in ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v1",
                 "http://127.0.0.1:3000/", "http://127.0.0.1:8501/", "sqlite storage",
                 "password  pw", "gateway running", "Ctrl-C"):
        assert part in text, part
    bare = banner(ports, None, None, platform_children(ports, {}, None, None), None)
    assert ":3000" not in bare and ":8501" in bare and "Existing data kept" in bare


# --- Dagster's home and storage ----------------------------------------------------------------

def test_dagster_home_sqlite_without_a_postgres_we_own(home: dagster_home.DagsterHome,
                                                       tmp_path: Path) -> None:
    assert home.path == (tmp_path / "dagster").resolve() and home.storage == "sqlite"
    assert home.env() == {"DAGSTER_HOME": str(home.path)}
    config = yaml.safe_load((home.path / "dagster.yaml").read_text())
    assert "storage" not in config
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] >= 1
    workspace = yaml.safe_load(home.workspace.read_text())
    assert workspace == {"load_from": [{"python_module": {
        "module_name": "pipelines.definitions", "attribute": "defs", "location_name": "pipelines",
        "working_directory": str(dagster_home.REPO_ROOT)}}]}


def test_dagster_pg_url_from_the_environment_gets_the_psycopg2_driver(tmp_path: Path) -> None:
    prepared = dagster_home.prepare(tmp_path, {"DAGSTER_PG_URL": "postgresql://d@db:5432/dag"},
                                    None)
    assert prepared.storage == "postgres"
    assert prepared.env()["DAGSTER_PG_URL"] == "postgresql+psycopg2://d@db:5432/dag"
    config = yaml.safe_load((prepared.path / "dagster.yaml").read_text())
    assert config["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    assert "d@db" not in (prepared.path / "dagster.yaml").read_text()  # the URL stays in env
    explicit = "postgresql+psycopg2://u@/x?host=/s"
    assert dagster_home.normalize_pg_url(explicit) == explicit
    assert dagster_home.normalize_pg_url("postgres://u@h/x").startswith("postgresql+psycopg2://")


def test_dagster_home_needs_the_repository_dagster_yaml(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dagster.yaml is missing"):
        dagster_home.prepare(tmp_path, {}, None, repo_root=tmp_path / "elsewhere")


@pytest.mark.parametrize(("dsn", "url"), [
    ("postgresql://postgres@127.0.0.1:54329/dagster",
     "postgresql+psycopg2://postgres@127.0.0.1:54329/dagster"),
    ("postgresql://postgres:@/dagster?host=/srv/mf/pg/wheel-data",
     "postgresql+psycopg2://postgres@/dagster?host=%2Fsrv%2Fmf%2Fpg%2Fwheel-data"),
    ("host=/run/pg user=postgres dbname=dagster port=5433",
     "postgresql+psycopg2://postgres@:5433/dagster?host=%2Frun%2Fpg"),
    ("postgresql://u:p%40ss@db.example:5432/dagster?sslmode=require",
     "postgresql+psycopg2://u:p%40ss@db.example:5432/dagster?sslmode=require"),
])
def test_psycopg2_url(dsn: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    assert dagster_home.psycopg2_url(dsn) == url
    parsed = make_url(url)
    assert parsed.drivername == "postgresql+psycopg2" and parsed.database == "dagster"


@pytest.fixture
def owned_server(pg_admin_dsn: str, tmp_path: Path) -> Iterator[tuple[EmbeddedServer, str]]:
    """The test server posing as our embedded one, and a throwaway name for Dagster's database."""
    from psycopg.conninfo import make_conninfo

    name = f"mf_dag_{uuid.uuid4().hex[:8]}"
    server = EmbeddedServer(data_dir=tmp_path, base_dsn=make_conninfo(pg_admin_dsn,
                                                                      dbname="postgres"),
                            started_here=False)
    yield server, name
    drop_db(pg_admin_dsn, name)


def test_embedded_server_gets_a_dagster_database_that_dagster_can_use(
        owned_server: tuple[EmbeddedServer, str], tmp_path: Path) -> None:
    """On the server we own, `up` creates Dagster's own database and a psycopg2 URL that
    dagster-postgres really works with (the instance creates its tables and stores a run)."""
    server, name = owned_server
    prepared = dagster_home.prepare(tmp_path / "home", {}, server, dbname=name)
    assert prepared.storage == "postgres" and prepared.pg_url is not None
    from sqlalchemy.engine import make_url

    parsed = make_url(prepared.pg_url)  # a unix-socket server puts ?host=... after the name
    assert parsed.drivername == "postgresql+psycopg2" and parsed.database == name
    # a second start reuses the database
    assert dagster_home.prepare(tmp_path / "home", {}, server, dbname=name).pg_url == \
        prepared.pg_url
    script = textwrap.dedent("""
        import dagster as dg
        from dagster._core.storage.runs.base import RunStorage

        @dg.op
        def one():
            return 1

        @dg.job
        def probe():
            one()

        instance = dg.DagsterInstance.get()
        assert type(instance.run_storage).__name__ == "PostgresRunStorage", instance.run_storage
        result = probe.execute_in_process(instance=instance)
        assert result.success
        print("runs", len(instance.get_runs()))
    """)
    env = {**os.environ, **prepared.env()}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "runs 1" in done.stdout


# --- the supervisor ----------------------------------------------------------------------------

FAMILY = """
import os, signal, subprocess, sys, time
if sys.argv[1] == "deaf":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("kid", kid.pid, flush=True)
time.sleep(float(sys.argv[2]))
sys.exit(int(sys.argv[3]))
"""


def _family(name: str, mode: str = "plain", life: float = 60, code: int = 0) -> Child:
    return Child(name, [sys.executable, "-c", FAMILY, mode, str(life), str(code)])


def _kid_pids(text: str) -> list[int]:
    return [int(line.split("kid ")[1]) for line in text.splitlines() if "| kid " in line]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # a zombie awaiting init


def test_one_child_dying_stops_the_others_and_their_children() -> None:
    out = io.StringIO()
    children = [_family("steady"), _family("brief", life=1.5, code=3)]
    started = time.monotonic()
    code = run_all(children, dict(os.environ), out=out, poll_s=0.1)
    assert code == 3
    assert time.monotonic() - started < 10
    text = out.getvalue()
    assert "brief exited with code 3" in text
    assert "steady    | kid " in text and "brief     | kid " in text
    kids = _kid_pids(text)
    assert len(kids) == 2
    for child in children:
        assert child.proc is not None and not group_alive(child.proc.pid)
    assert all(_gone(pid) for pid in kids)


def _started_deaf(out: io.StringIO) -> Child:
    from webapp.supervisor import start

    child = _family("deaf", mode="deaf")
    start(child, dict(os.environ), out)
    deadline = time.monotonic() + 10
    while "kid" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    return child


def test_a_group_ignoring_sigint_is_killed_after_the_grace() -> None:
    out = io.StringIO()
    child = _started_deaf(out)
    began = time.monotonic()
    terminate([child], grace_s=1.0, out=out, hint_after_s=0.3)
    assert 0.9 < time.monotonic() - began < 7
    assert "waiting for deaf (up to 1s; Ctrl-C again kills now)" in out.getvalue()
    assert "deaf did not stop in time" in out.getvalue()
    assert child.proc is not None and child.proc.returncode == -signal.SIGKILL
    assert not group_alive(child.proc.pid)


def test_a_second_ctrl_c_kills_at_once() -> None:
    out = io.StringIO()
    child = _started_deaf(out)
    began = time.monotonic()
    terminate([child], grace_s=60, hurry=lambda: True, out=out)
    assert time.monotonic() - began < 6
    assert child.proc is not None and child.proc.returncode == -signal.SIGKILL
    assert not group_alive(child.proc.pid)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_sigint_to_the_supervisor_stops_everything(signum: int) -> None:
    """Ctrl-C (or a closed terminal): run_all returns 0 and every child group, grandchildren
    included, is empty."""
    script = textwrap.dedent(f"""
        import os, sys
        from webapp.supervisor import Child, run_all
        FAMILY = {FAMILY!r}
        kids = [Child(n, [sys.executable, "-c", FAMILY, "plain", "60", "0"]) for n in "ab"]
        code = run_all(kids, dict(os.environ), out=sys.stdout, poll_s=0.1)
        print("groups", *[k.proc.pid for k in kids], flush=True)
        sys.exit(code)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=dagster_home.REPO_ROOT, start_new_session=True)
    assert proc.stdout is not None
    seen: list[str] = []
    while sum("| kid " in line for line in seen) < 2:
        line = proc.stdout.readline()
        assert line, "".join(seen)
        seen.append(line)
    os.killpg(proc.pid, signum)  # as a terminal does: to the supervisor's whole group
    rest, _ = proc.communicate(timeout=20)
    text = "".join(seen) + rest
    assert proc.returncode == 0, text
    groups = [int(p) for p in text.split("groups ")[1].split()]
    assert not any(group_alive(g) for g in groups)
    assert all(_gone(pid) for pid in _kid_pids(text))


def test_a_child_after_another_starts_once_that_one_is_ready(tmp_path: Path) -> None:
    """Dagster's daemon waits for the webserver: `after` starts a child only once the other's
    ready_url answers 200."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = Child("server", [sys.executable, "-c", f"import time; time.sleep(1.0); "
                              f"import runpy, sys; sys.argv = ['x', '{port}', '--bind', "
                              f"'127.0.0.1']; runpy.run_module('http.server', "
                              f"run_name='__main__')"],
                   cwd=str(tmp_path), ready_url=f"http://127.0.0.1:{port}/")
    late = Child("late", [sys.executable, "-c", "print('late ran'); raise SystemExit(5)"],
                 after="server")
    out = io.StringIO()
    assert run_all([late, server], dict(os.environ), out=out, poll_s=0.1) == 5
    text = out.getvalue()
    assert text.index("server is ready") < text.index("started late") < text.index("late ran")
    assert server.proc is not None and not group_alive(server.proc.pid)


def test_busy_ports_are_named_before_anything_starts() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        free = Ports("127.0.0.1", web=taken, dagster=taken, streamlit=taken)
        assert busy_ports(free, {}) == [BusyPort(taken, "PORT", "web"),
                                        BusyPort(taken, "DAGSTER_PORT", "dagster-ui"),
                                        BusyPort(taken, "STREAMLIT_PORT", "streamlit")]
        off = {"MESSAGEFLOW_DAGSTER": "0", "MESSAGEFLOW_STREAMLIT": "off"}
        assert busy_ports(free, off) == [BusyPort(taken, "PORT", "web")]
        assert busy_ports(free, {}, web_only=True) == [BusyPort(taken, "PORT", "web")]
    assert busy_ports(Ports("127.0.0.1", web=taken, dagster=taken, streamlit=taken), {}) == []
    assert busy_message("127.0.0.1", [BusyPort(8080, "PORT", "web")]) == (
        "port 8080 on 127.0.0.1 is in use by another program; set PORT or stop it")


def test_up_refuses_a_busy_port_before_touching_the_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from webapp.cli import main

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        r = CliRunner().invoke(main, ["up"], env={
            "DAGSTER_PORT": str(taken), "MESSAGEFLOW_DAGSTER": "1",
            "MESSAGEFLOW_HOME": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/n"})
    assert r.exit_code == 1
    assert r.stderr == (f"error: port {taken} on 127.0.0.1 is in use by another program; "
                        "set DAGSTER_PORT or stop it\n")
    assert r.stdout == ""


class _Answers200(BaseHTTPRequestHandler):
    """Another web server: 200 to everything (so a readiness probe of its port succeeds)."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


def test_serve_refuses_a_port_another_server_holds_in_one_line(tmp_path: Path) -> None:
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Answers200)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    port = other.server_address[1]
    try:
        # a DATABASE_URL nothing answers on: serve must not get as far as the database
        r = subprocess.run([sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)],
                           env={**os.environ, "MESSAGEFLOW_HOME": str(tmp_path),
                                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/n"},
                           capture_output=True, text=True, timeout=60)
    finally:
        other.shutdown()
        other.server_close()
    assert r.returncode == 1
    assert r.stderr == (f"error: port {port} on 127.0.0.1 is in use by another program; "
                        "set PORT or stop it\n")  # never "web is ready" (that was the other)
    assert r.stdout == ""
