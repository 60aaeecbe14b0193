"""The long schemathesis pass: every phase (examples, coverage, fuzzing, stateful) against the
served app with a signed-in owner; 0 server errors, 0 schema violations, 0 undocumented
statuses, 0 constraint disagreements. Its counts go to docs/benchmarks.md.

    make bench BENCH=bench/test_fuzz.py            # FUZZ_MAX_EXAMPLES=100 FUZZ_SEED=1 by default
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bench.conftest import record
from tests.factories import make_settings
from tests.fuzzing import run_schemathesis, seed
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


@pytest.mark.timeout(4 * 3600)
def test_long_fuzz_pass(app: Flask, tmp_path: Path) -> None:
    token, _ = seed(app, app.extensions["mf_db"])
    run = run_schemathesis(app, token, tmp_path, max_examples=MAX_EXAMPLES, phases=PHASES,
                           seed_value=SEED)
    print(run.output[-4000:])
    record("fuzz_long", {"command": run.command, "seconds": run.seconds,
                         "exit_code": run.exit_code, "report": run.report})
    assert run.exit_code == 0, run.output[-6000:]
