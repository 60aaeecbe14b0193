"""Fixtures of the Dagster pipeline tests: the `pg` resource over the module's database, an
ephemeral Dagster instance, and the Flask app with ANALYSIS_RUNNER=dagster (this folder's `app`,
which tests/conftest.py's `client` then uses) to read jobs through the API. The fake LLM servers
come from tests/fakes/fixtures.py, `db` (alias `platform_db`) from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from flask import Flask

from pipelines.resources import PostgresResource
from tests.factories import MASTER_KEY, make_settings
from webapp.app import close_app, create_app


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
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The web app over the module's database, with Dagster draining the analysis queue."""
    home: Path = tmp_path_factory.mktemp("home")
    application = create_app(make_settings(database_url, home, analysis_runner="dagster"))
    yield application
    close_app(application)
