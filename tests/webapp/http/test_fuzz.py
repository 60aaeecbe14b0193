"""The quick schemathesis pass of `make test`: a few generated requests per operation against
the served app as a signed-in owner (positive and negative data): no 5xx, every status and
body as the OpenAPI document declares, valid input accepted and invalid input refused. The long
pass is bench/test_fuzz.py; what the fuzzing found is pinned in test_fuzz_findings.py."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.fuzzing import EXCLUDED_OPERATIONS, run_schemathesis, seed
from webapp.http.api import REGISTRY


def test_quick_fuzz_pass(app: Flask, tmp_path: Path) -> None:
    token, _ = seed(app, app.extensions["mf_db"])
    run = run_schemathesis(app, token, tmp_path, max_examples=10, phases="examples,fuzzing")
    assert run.exit_code == 0, run.output[-6000:]
    tested = int(run.output.split("Tested: ")[1].split()[0])
    assert tested == len(REGISTRY) - len(EXCLUDED_OPERATIONS)
