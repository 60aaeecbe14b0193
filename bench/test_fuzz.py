"""The long schemathesis pass: every phase (examples, coverage, fuzzing, stateful) against the
served app with a signed-in owner; 0 server errors, 0 schema violations, 0 undocumented
statuses, 0 constraint disagreements. Its counts go to docs/benchmarks.md.

    make bench BENCH=bench/test_fuzz.py            # FUZZ_MAX_EXAMPLES=100 FUZZ_SEED=1 by default
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bench.conftest import record
from tests.factories import make_settings
from tests.fuzzing import CHECKS, EXCLUDED_OPERATIONS, refuse_outbound, seed, serve
from webapp.app import close_app, create_app

pytestmark = pytest.mark.bench

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "1"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,coverage,fuzzing,stateful")


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app with a token that outlives the pass."""
    application = create_app(make_settings(database_url, tmp_path_factory.mktemp("home"),
                                           access_token_ttl_s=4 * 3600))
    yield application
    close_app(application)


def _counts(report: dict[str, object]) -> dict[str, object]:
    """Requests, operations and failures from schemathesis' JSON run report."""
    return {k: report[k] for k in report if k in ("summary", "statistic", "stats", "totals")}


def test_long_fuzz_pass(app: Flask, tmp_path: Path) -> None:
    token, _ = seed(app, app.extensions["mf_db"])
    report = tmp_path / "report.json"
    with refuse_outbound(), serve(app) as base:
        cmd = [str(Path(sys.executable).parent / "st"), "run", f"{base}/api/v1/openapi.json",
               "-H", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
               "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
               "--workers", "1", "--report", "json", "--report-json-path", str(report),
               "--no-color", "--suppress-health-check", "all", "--generation-database", "none"]
        for op in EXCLUDED_OPERATIONS:
            cmd += ["--exclude-operation-id", op]
        started = time.monotonic()
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=3 * 3600)
        elapsed = time.monotonic() - started
    out = run.stdout + run.stderr
    (tmp_path / "output.txt").write_text(out)
    print(out[-6000:])
    figures: dict[str, object] = {"command": " ".join(cmd[:2] + ["<openapi.json>"] + cmd[3:5]
                                                      + ["Bearer <token>"] + cmd[6:]),
                                  "seconds": round(elapsed, 1), "exit_code": run.returncode}
    if report.exists():
        figures.update(_counts(json.loads(report.read_text())))
    record("fuzz_long", figures)
    assert run.returncode == 0, out[-6000:]
