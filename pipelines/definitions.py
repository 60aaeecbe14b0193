"""The one Dagster code location of MessageFlow (`[tool.dagster]` in pyproject.toml).

Loaded by `dagster dev`, `dagster-webserver` and `dagster-daemon` from the repository root:

- core (this module): `analysis_job` with `analysis_sensor` (pipelines/analysis.py) and
  `provider_health_job` with its 5-minute `provider_health_schedule` (pipelines/health.py);
- daily summaries, cost rollups and exports: each module's own `defs`, merged in.

Every job reaches the application database through the one `pg` resource
(`pipelines.resources.PG`: DATABASE_URL, MASTER_KEY from the environment at run time).
"""

from __future__ import annotations

import warnings

import dagster as dg

# Known and harmless, printed by every process that loads this code location (each run, twice):
# Dagster's own @sensor passes `owners` to SensorDefinition, a parameter it marks as beta. We do
# not use owners; the warning says nothing about our code.
warnings.filterwarnings(
    "ignore", category=dg.BetaWarning,
    message=r"Parameter `owners` of initializer `SensorDefinition.__init__` is currently in beta")

from pipelines import analysis, costs, exports, health, summaries  # noqa: E402
from pipelines.resources import PG  # noqa: E402


def core_defs() -> dg.Definitions:
    """This module's own definitions (a function: Dagster allows one Definitions at module
    scope, the merged `defs`)."""
    return dg.Definitions(
        jobs=[analysis.analysis_job, health.provider_health_job],
        sensors=[analysis.analysis_sensor],
        schedules=[health.provider_health_schedule],
        resources={"pg": PG},
        # One process per run, not per op: the steps are small and sequential, and a run that
        # spawns no step processes starts faster and stops cleanly on Ctrl-C.
        executor=dg.in_process_executor,
    )


defs = dg.Definitions.merge(core_defs(), summaries.defs, costs.defs, exports.defs)
