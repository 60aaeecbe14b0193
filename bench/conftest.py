"""Benchmarks reuse the test database fixtures (a real PostgreSQL, migrated template)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import database_url, pg_admin_dsn, template_db  # noqa: F401

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results"))


def record(name: str, figures: dict[str, Any]) -> None:
    """Print a benchmark's figures and keep them as JSON for docs/benchmarks.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"\n[{name}] " + json.dumps(figures, default=str))
