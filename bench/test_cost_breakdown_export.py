"""Export of one tenant-day of 1,000,000 ledger rows to Parquet (issue 5: under a minute).

Runs analytics.export.export_day exactly as the Dagster asset does: through the app's pool,
under the tenant's RLS context. Rows: BENCH_EXPORT_ROWS (default 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import polars as pl
import pytest

from analytics.export import export_day
from bench.conftest import record
from bench.test_cost_breakdown import KINDS, MODELS, seed_pg
from webapp.db import Database

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
DAY = dt.date(2026, 8, 1)


@pytest.mark.bench
def test_export_one_day(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.test_cost_breakdown as shape

    # One tenant, one day: every generated row lands in the same partition.
    for name, value in (("N", ROWS), ("TENANTS", 1), ("DAYS", 1)):
        monkeypatch.setattr(shape, name, value)
    params = seed_pg(database_url)
    assert len(params["pids"]) == len(KINDS) == len(MODELS)
    tenant = params["tids"][0]
    db = Database(database_url, min_size=1, max_size=2)
    db.open()
    try:
        started = time.perf_counter()
        with db.tenant(tenant) as conn:
            written = export_day(conn, tmp_path, tenant, DAY)
        seconds = time.perf_counter() - started
    finally:
        db.close()
    rows = {w.dataset: w.rows for w in written}
    assert rows["llm_usage"] == ROWS
    assert pl.read_parquet(written[0].path).height == ROWS
    record("export_day", {"rows": ROWS, "seconds": round(seconds, 2),
                          "partitions": {w.dataset: w.rows for w in written},
                          "llm_usage_bytes": written[0].path.stat().st_size,
                          "load_avg_1m": round(os.getloadavg()[0], 1)})
    assert seconds < 60
