"""Benchmarks reuse the test database fixtures (a real PostgreSQL, migrated template)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import database_url, pg_admin_dsn, template_db  # noqa: F401
from webapp.db import Database

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results"))


def record(name: str, figures: dict[str, Any]) -> None:
    """Print a benchmark's figures and keep them as JSON for docs/benchmarks.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"\n[{name}] " + json.dumps(figures, default=str))


@contextmanager
def open_pool(dsn: str, max_size: int) -> Iterator[Database]:
    """An open pool over the benchmark's database, closed afterwards."""
    database = Database(dsn, min_size=2, max_size=max_size)
    database.open()
    try:
        yield database
    finally:
        database.close()
