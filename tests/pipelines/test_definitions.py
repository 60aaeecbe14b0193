"""The code location loads: one `defs` with the core jobs, sensor and schedule, the merged
modules' definitions, and the one `pg` resource."""

from __future__ import annotations

import importlib

import dagster as dg

from pipelines import analysis, health
from pipelines.definitions import core_defs, defs
from pipelines.resources import PG, PostgresResource


def test_core_jobs_sensor_and_schedule_resolve() -> None:
    assert defs.resolve_job_def("analysis_job").name == "analysis_job"
    assert defs.resolve_job_def("provider_health_job").name == "provider_health_job"
    sensor = defs.resolve_sensor_def("analysis_sensor")
    assert sensor.job_name == "analysis_job"
    assert sensor.minimum_interval_seconds == analysis.SENSOR_INTERVAL_S
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("provider_health_schedule")
    assert schedule.cron_schedule == "*/5 * * * *" == health.CRON
    assert schedule.job_name == "provider_health_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_merged_modules_are_all_in_defs() -> None:
    names = {j.name for j in defs.resolve_all_job_defs()}
    assert {"analysis_job", "provider_health_job"} <= names
    for module in ("summaries", "costs", "exports"):
        mod_defs = importlib.import_module(f"pipelines.{module}").defs
        assert isinstance(mod_defs, dg.Definitions)
        for schedule in mod_defs.schedules or []:
            assert isinstance(schedule, dg.ScheduleDefinition)
            assert defs.resolve_schedule_def(schedule.name).name == schedule.name
        for job in mod_defs.jobs or []:
            assert job.name in names


def test_one_pg_resource_bound_from_the_environment() -> None:
    core = core_defs()
    assert core.resources is not None and core.resources["pg"] is PG
    assert isinstance(PG, PostgresResource)
    assert defs.resources is not None and defs.resources["pg"] is PG
    resolved = defs.resolve_job_def("analysis_job")
    assert "pg" in resolved.resource_defs
