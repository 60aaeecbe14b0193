"""What Dagster prints into `up`'s log (issue 10, 4.3): runs log at INFO (no DEBUG event lines)
under the instance settings `up` writes, and loading the code location prints no BetaWarning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines import health
from pipelines.resources import PostgresResource
from webapp.commands import dagster_home

REPO = Path(__file__).resolve().parents[2]


def test_runs_log_at_info_under_the_instance_up_writes(
    tmp_path: Path, pg: PostgresResource, capfd: pytest.CaptureFixture[str],
) -> None:
    config = dagster_home.instance_config(REPO / "dagster.yaml", None)  # SQLite storage
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        result = health.provider_health_job.execute_in_process(
            instance=instance, resources={"pg": pg})
    assert result.success
    printed = capfd.readouterr().err.splitlines()
    run_lines = [line for line in printed if " - provider_health_job - " in line]
    assert [line for line in run_lines if " - DEBUG - " in line] == []  # before: ~10 per run
    assert any(" - INFO - " in line for line in run_lines), printed


def test_loading_the_code_location_prints_no_beta_warning() -> None:
    code = ("from pipelines.definitions import defs\n"
            "defs.get_repository_def().get_all_jobs()\n"
            "defs.resolve_sensor_def('analysis_sensor')\n")
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    out = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                         text=True, cwd=REPO, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr, out.stderr
