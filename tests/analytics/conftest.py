"""Fixtures for the analytics tests: Parquet exports of two tenants and a DuckDB database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analytics.views import connect
from tests.analytics.data import write_fixtures


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ANALYTICS_DIR with both tenants' partitions, written by the production writer."""
    return write_fixtures(tmp_path_factory.mktemp("analytics"))


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """The shared in-memory DuckDB database."""
    connection = connect()
    yield connection
    connection.close()
