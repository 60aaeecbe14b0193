"""What Dagster prints into `up`'s log (issue 10, 4.3): runs log at INFO (no DEBUG event lines)
under the instance settings `up` writes, and loading the code location prints no BetaWarning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from pipelines.resources import PostgresResource
from webapp.commands import dagster_home

REPO = Path(__file__).resolve().parents[2]


RUN = """
import sys
import dagster as dg
from pipelines import analysis
from pipelines.resources import PostgresResource
with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    pg = PostgresResource(dsn=sys.argv[2], master_key=sys.argv[3])
    assert analysis.analysis_job.execute_in_process(
        instance=instance, resources={"pg": pg}).success
"""


def test_runs_log_at_info_under_the_instance_up_writes(tmp_path: Path,
                                                       pg: PostgresResource) -> None:
    # In its own process, as a launched run is (Dagster's console logger is created once per
    # process, so within pytest an earlier test's logger would answer).
    config = dagster_home.instance_config(REPO / "dagster.yaml", None)  # SQLite storage
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    out = subprocess.run([sys.executable, "-c", RUN, str(tmp_path), pg.dsn,
                          str(pg.master_key)], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    run_lines = [line for line in out.stderr.splitlines() if " - analysis_job - " in line]
    assert [line for line in run_lines if " - DEBUG - " in line] == []  # before: ~20 per run
    assert any(" - INFO - " in line for line in run_lines), out.stderr


def test_loading_the_code_location_prints_no_beta_warning() -> None:
    code = ("from pipelines.definitions import defs\n"
            "defs.get_repository_def().get_all_jobs()\n"
            "defs.resolve_sensor_def('analysis_sensor')\n")
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    out = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                         text=True, cwd=REPO, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr, out.stderr
