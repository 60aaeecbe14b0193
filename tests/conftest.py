"""Test fixtures: a real PostgreSQL (TEST_DATABASE_URL or an embedded server), migrations applied
once into a template database, cloned per test module; `db`, a pool over that database; `app` and
`client`, the Flask app over it. Makers of tenants, users, members, messages: tests/factories.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql
from psycopg.conninfo import make_conninfo

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
# The outbound policy of the test process and every process it starts: the fake providers bind
# 127.0.0.1 and nothing else is allowed (127.0.0.2 is the tests' refused loopback address).
TEST_OUTBOUND_ALLOW = "127.0.0.1"
os.environ["OUTBOUND_ALLOW"] = TEST_OUTBOUND_ALLOW

from tests.factories import Member, make_settings, register_owner  # noqa: E402
from tests.fakes.fixtures import (  # noqa: E402,F401 - fixtures for every model-calling test
    fake,
    fake2,
    fake_server,
    litellm_module,
    outside,
    refused_server,
    second_fake,
)
from webapp.app import close_app, create_app  # noqa: E402
from webapp.db import Database  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def dsn_for(admin_dsn: str, dbname: str) -> str:
    """The admin DSN pointed at another database."""
    return make_conninfo(admin_dsn, dbname=dbname)


def create_db(admin_dsn: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE name [TEMPLATE template]."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if template:
            conn.execute(sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)))
        else:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def drop_db(admin_dsn: str, name: str) -> None:
    """DROP DATABASE name, disconnecting anyone still attached."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """A superuser DSN: TEST_DATABASE_URL, or an embedded server under MESSAGEFLOW_HOME."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from webapp.db.embedded import ensure_server

    home = Path(os.environ.get("MESSAGEFLOW_HOME", REPO / ".messageflow"))
    server = ensure_server(home / "test-pg")
    try:
        yield server.dsn("postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def template_db(pg_admin_dsn: str) -> Iterator[str]:
    """A database with every migration applied, used as the template of the test databases."""
    from webapp.db.migrate import migrate

    name = f"mf_tpl_{os.getpid()}"
    drop_db(pg_admin_dsn, name)
    create_db(pg_admin_dsn, name)
    migrate(dsn_for(pg_admin_dsn, name))
    yield name
    drop_db(pg_admin_dsn, name)


@pytest.fixture(scope="module")
def database_url(pg_admin_dsn: str, template_db: str) -> Iterator[str]:
    """A fresh migrated database for one test module (cloned from the template)."""
    name = f"mf_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name, template=template_db)
    yield dsn_for(pg_admin_dsn, name)
    drop_db(pg_admin_dsn, name)


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[Database]:
    """A pool over the module's database; its queries run as the RLS-bound app role, like the
    app's (module-scoped, as the database: tests of a module share its rows, so each makes its
    own tenant)."""
    database = Database(database_url, min_size=1, max_size=12)
    database.open()
    yield database
    database.close()


@pytest.fixture(scope="module")
def platform_db(db: Database) -> Database:
    """`db` under the name the LLM and pipeline tests know it by."""
    return db


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over this module's database (with its own pool, as in production)."""
    application = create_app(make_settings(database_url, tmp_path_factory.mktemp("home")))
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (no cookies shared between tests)."""
    return app.test_client()


@pytest.fixture
def owner(client: FlaskClient) -> Member:
    """The owner of a fresh tenant, signed in through the API."""
    return register_owner(client)
