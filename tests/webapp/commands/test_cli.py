"""The `messageflow` console script against the module's database."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from psycopg_pool import PoolTimeout

from webapp.cli import DEMO_EMAIL, ensure_demo, main
from webapp.commands import common
from webapp.db import Database
from webapp.errors import DependencyDown


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "MESSAGEFLOW_HOME": str(tmp_path)}


def test_migrate_is_idempotent(env: dict[str, str]) -> None:
    r = CliRunner().invoke(main, ["migrate"], env=env)
    assert r.exit_code == 0, r.output
    assert "0 applied" in r.output


def test_demo_is_created_only_when_there_is_no_tenant(database_url: str,
                                                      client: FlaskClient) -> None:
    demo, login = ensure_demo(database_url)
    assert demo is not None and login is not None and login[0] == DEMO_EMAIL
    r = client.post("/api/v1/auth/login", json={"email": login[0], "password": login[1]})
    assert r.status_code == 200
    assert r.get_json()["tenant"]["name"] == "Demo Ops"
    assert r.get_json()["user"]["role"] == "owner"
    assert ensure_demo(database_url) == (demo, None)


def test_create_tenant_and_user(env: dict[str, str], client: FlaskClient) -> None:
    runner = CliRunner()
    r = runner.invoke(main, ["create-tenant", "Night Shift", "--timezone", "America/Sao_Paulo"],
                      env=env)
    assert r.exit_code == 0, r.output
    tenant_id = int(r.output.strip().splitlines()[-1])
    r = runner.invoke(main, ["create-user", "--tenant", str(tenant_id), "--email",
                             "lead@night.example.com", "--name", "Lead", "--role", "admin"],
                      env=env)
    assert r.exit_code == 0, r.output
    password = r.output.split("password: ")[1].strip()
    login = client.post("/api/v1/auth/login",
                        json={"email": "lead@night.example.com", "password": password})
    assert login.status_code == 200 and login.get_json()["user"]["role"] == "admin"
    dup = runner.invoke(main, ["create-user", "--tenant", str(tenant_id), "--email",
                               "lead@night.example.com", "--name", "Again"], env=env)
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_production_without_secrets_refuses(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["migrate"], env={"MESSAGEFLOW_ENV": "production",
                                                   "DATABASE_URL": "", "JWT_SECRET": "",
                                                   "MASTER_KEY": ""})
    assert r.exit_code != 0
    assert "DATABASE_URL" in r.output and "JWT_SECRET" in r.output and "MASTER_KEY" in r.output


@pytest.fixture
def closed_port_env(tmp_path: Path) -> dict[str, str]:
    with socket.socket() as sock:  # a port nothing listens on once this closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {"DATABASE_URL": f"postgresql://mf:s3cret@127.0.0.1:{port}/nowhere",
            "MESSAGEFLOW_HOME": str(tmp_path)}


def _one_line_error(r: Result, env: dict[str, str], reason: str) -> None:
    where = env["DATABASE_URL"].split("@")[1]
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert r.stderr == f"error: cannot connect to the database at {where}: {reason}\n"
    assert "s3cret" not in r.output and r.stdout == ""


@pytest.mark.parametrize("args", [["replay", "TRAFFIC", "--tenant", "1", "--wait", "0"],
                                  ["migrate"], ["create-tenant", "Nobody"]])
def test_unreachable_database_is_one_line(closed_port_env: dict[str, str], tmp_path: Path,
                                          args: list[str]) -> None:
    traffic = tmp_path / "t.jsonl"
    traffic.write_text('{"kind": "message"}\n')
    started = time.monotonic()
    r = CliRunner().invoke(main, [str(traffic) if a == "TRAFFIC" else a for a in args],
                           env=closed_port_env)
    _one_line_error(r, closed_port_env, "Connection refused")
    assert time.monotonic() - started < 5  # libpq's answer, not a pool timeout


def test_pool_timeout_is_one_line(closed_port_env: dict[str, str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def never(self: Database) -> None:
        raise PoolTimeout("pool initialization incomplete after 15 sec")

    monkeypatch.setattr(common, "check_reachable", lambda dsn: None)
    monkeypatch.setattr(Database, "open", never)
    r = CliRunner().invoke(main, ["create-tenant", "Nobody"], env=closed_port_env)
    _one_line_error(r, closed_port_env, "pool initialization incomplete after 15 sec")


def test_only_connection_failures_count_as_unreachable() -> None:
    assert common.is_connect_failure(psycopg.OperationalError("connection failed: x"))
    assert not common.is_connect_failure(psycopg.errors.DeadlockDetected("deadlock"))
    assert common.describe_dsn("host=db.internal port=6432 dbname=mf user=a password=pw") == (
        "db.internal:6432/mf")


def test_losing_the_database_mid_command_is_one_line(env: dict[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.tenants import service as tenants

    def server_ends_the_session(db: Database, name: str, timezone: str) -> int:
        # the server ends the session (as a restart or pg_terminate_backend does) in the middle
        # of the command's transaction: the next statement finds it gone
        with db.system() as conn:
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as admin:
                admin.execute("select pg_terminate_backend(%s, 5000)",
                              (conn.info.backend_pid,))
            conn.execute("select 1")
        return 0

    monkeypatch.setattr(tenants, "create_tenant", server_ends_the_session)
    r = CliRunner().invoke(main, ["create-tenant", "Nobody"], env=env)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    where = common.describe_dsn(env["DATABASE_URL"])
    assert r.stderr == (f"error: cannot connect to the database at {where}: "
                        "terminating connection due to administrator command\n")
    assert r.stdout == ""


def test_a_session_ended_between_commands_is_replaced(env: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.tenants import service as tenants

    real = tenants.create_tenant

    def after_a_restart(db: Database, name: str, timezone: str) -> int:
        # the command's pool is open and was reached; now the server ends its idle session
        with db.pool.connection() as conn:
            pid = conn.info.backend_pid
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as admin:
            admin.execute("select pg_terminate_backend(%s, 5000)", (pid,))
        return real(db, name, timezone)

    monkeypatch.setattr(tenants, "create_tenant", after_a_restart)
    r = CliRunner().invoke(main, ["create-tenant", "Kept"], env=env)
    assert r.exit_code == 0, r.output  # the dead connection was replaced on checkout
    assert int(r.stdout.strip().splitlines()[-1]) > 0


def test_replay_waits_for_an_unreachable_database_then_gives_up_in_one_line(
        closed_port_env: dict[str, str], tmp_path: Path) -> None:
    traffic = tmp_path / "t.jsonl"
    traffic.write_text('{"kind": "message"}\n')
    started = time.monotonic()
    r = CliRunner().invoke(main, ["replay", str(traffic), "--tenant", "1", "--wait", "1.5"],
                           env=closed_port_env)
    assert time.monotonic() - started >= 1.5
    where = closed_port_env["DATABASE_URL"].split("@")[1]
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert r.stderr == (
        f"database unreachable at {where}: Connection refused; retrying for up to 1.5 s\n"
        f"error: cannot connect to the database at {where}: Connection refused "
        "(waited 1.5 s)\n")
    assert r.stdout == ""


def test_other_database_errors_are_not_reported_as_unreachable(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.tenants import service as tenants

    def canceled(db: Database, name: str, timezone: str) -> int:
        try:
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        except psycopg.OperationalError as exc:
            raise DependencyDown("The database is unavailable.") from exc

    monkeypatch.setattr(tenants, "create_tenant", canceled)
    r = CliRunner().invoke(main, ["create-tenant", "Nobody"], env=env)
    assert isinstance(r.exception, DependencyDown) and "cannot connect" not in r.output
    assert common.is_connect_failure(psycopg.errors.AdminShutdown("terminating connection"))
    assert not common.is_connect_failure(psycopg.errors.QueryCanceled("canceling statement"))
