"""The `messageflow` console script against the module's database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from webapp.cli import DEMO_EMAIL, ensure_demo, main


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
