"""Fixtures of the Dagster pipeline tests: the module's database, the `pg` resource over it, an
ephemeral Dagster instance, one fake LLM provider server per session, and the Flask app (with
ANALYSIS_RUNNER=dagster) to read jobs through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dagster as dg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from pipelines.resources import PostgresResource
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.conftest import make_settings
from tests.webapp.llm.test_support import MASTER_KEY
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.llm.client import load_litellm


@pytest.fixture(scope="session")
def litellm_module() -> ModuleType:
    """litellm, imported once for the whole session (~5 s)."""
    return load_litellm()


@pytest.fixture(scope="session")
def fake_server(litellm_module: ModuleType) -> Iterator[FakeLLMServer]:
    """One loopback fake provider for the session."""
    with FakeLLMServer(hang_s=2.0) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The session's fake server, reset to defaults before and after each test."""
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture(scope="module")
def platform_db(database_url: str) -> Iterator[Database]:
    """A pool over the module's database (for seeding and inspecting)."""
    database = Database(database_url, min_size=1, max_size=12)
    database.open()
    yield database
    database.close()


@pytest.fixture(scope="module")
def pg(database_url: str) -> PostgresResource:
    """The `pg` resource over the module's database, with the tests' MASTER_KEY."""
    return PostgresResource(dsn=database_url, master_key=MASTER_KEY)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An ephemeral Dagster instance (runs, ticks in memory)."""
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture(scope="module")
def dagster_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The web app over the module's database, with Dagster draining the analysis queue."""
    home: Path = tmp_path_factory.mktemp("home")
    application = create_app(make_settings(database_url, home, analysis_runner="dagster"))
    yield application
    close_app(application)


@pytest.fixture
def client(dagster_app: Flask) -> FlaskClient:
    """A test client of that app."""
    return dagster_app.test_client()
