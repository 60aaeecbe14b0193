"""The analysis sensor batches (issue 10, 4.4): a steady stream of messages makes at most about
one run a minute, no message waits more than a minute for its run, a burst of BATCH_SIZE runs at
once, and never two runs at the same time."""

from __future__ import annotations

import time
from typing import Any

import dagster as dg
import pytest

from pipelines import analysis
from pipelines.resources import PostgresResource
from tests.webapp.llm.test_support import owner_principal, seed_messages
from webapp.db import Database


def _tick(instance: dg.DagsterInstance, pg: PostgresResource,
          cursor: str | None) -> tuple[Any, str | None]:
    """One sensor evaluation: its one result and the cursor it leaves."""
    context = dg.build_sensor_context(instance=instance, resources={"pg": pg}, cursor=cursor)
    [result] = list(analysis.analysis_sensor(context) or [])
    return result, context.cursor


def _drain(instance: dg.DagsterInstance, pg: PostgresResource) -> None:
    result = analysis.analysis_job.execute_in_process(resources={"pg": pg}, instance=instance)
    assert result.success


def test_new_work_waits_for_a_batch_then_runs(
    platform_db: Database, pg: PostgresResource, instance: dg.DagsterInstance
) -> None:
    _drain(instance, pg)  # whatever other tests left behind
    p = owner_principal(platform_db, "Batching")
    seed_messages(platform_db, p.tenant_id, ["is my order late?", "hello"])

    first, cursor = _tick(instance, pg, None)
    assert isinstance(first, dg.SkipReason), first  # before: a run at once, every tick
    assert "batching: 2 items due" in str(first.skip_message)
    since = analysis.read_cursor(cursor)
    assert since is not None and abs(since - time.time()) < 5

    # Ten seconds later (the cursor moved back): still batching, the clock kept.
    second, cursor = _tick(instance, pg, analysis.write_cursor(time.time() - 10))
    assert isinstance(second, dg.SkipReason) and "waiting 10 s" in str(second.skip_message)
    # Once the work has waited MAX_WAIT_S: one run, and the clock restarts.
    third, cursor = _tick(instance, pg, analysis.write_cursor(time.time() - analysis.MAX_WAIT_S))
    assert isinstance(third, dg.RunRequest)
    assert third.tags["messageflow/due_items"] == "2"
    assert analysis.read_cursor(cursor) is None

    _drain(instance, pg)
    idle, cursor = _tick(instance, pg, cursor)
    assert isinstance(idle, dg.SkipReason) and "no queued" in str(idle.skip_message)
    assert analysis.read_cursor(cursor) is None


def test_a_full_batch_runs_at_once_but_never_beside_a_running_one(
    platform_db: Database, pg: PostgresResource, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _drain(instance, pg)
    monkeypatch.setattr(analysis, "BATCH_SIZE", 25)  # the sensor reads it per tick
    p = owner_principal(platform_db, "Burst")
    seed_messages(platform_db, p.tenant_id, [f"question {i}?" for i in range(25)])
    going = dg.DagsterRun(job_name="analysis_job", run_id="0" * 32,
                          status=dg.DagsterRunStatus.STARTED)
    instance.add_run(going)
    busy, cursor = _tick(instance, pg, analysis.write_cursor(time.time() - 3600))
    assert isinstance(busy, dg.SkipReason) and "already going" in str(busy.skip_message)
    assert analysis.read_cursor(cursor) is not None  # still waiting: the clock is kept
    instance.delete_run(going.run_id)
    burst, _ = _tick(instance, pg, None)  # waited nothing, but the batch is full
    assert isinstance(burst, dg.RunRequest) and burst.tags["messageflow/due_items"] == "25"
    _drain(instance, pg)


def simulate(arrival_every_s: float, minutes: int, run_s: float = 15.0) -> tuple[int, float]:
    """A steady stream against the sensor's rules on a simulated clock: a message every
    `arrival_every_s`, queued at the next tick (the sensor enqueues), a tick every
    SENSOR_INTERVAL_S, a run in flight for `run_s` that analyses what was queued when it
    started and what arrives while it drains. (runs, longest wait from arrival to its run)."""
    now, waiting_since = 0.0, None
    arrived: list[float] = []  # arrival times of messages not yet taken by a run
    next_arrival, run_until, runs, worst = 0.0, -1.0, 0, 0.0
    end = minutes * 60.0
    while now < end:
        while next_arrival <= now:
            arrived.append(next_arrival)
            next_arrival += arrival_every_s
        in_flight = now < run_until
        if in_flight:  # the running drain claims everything queued
            arrived = []
        decision = analysis.batch_decision(len(arrived), waiting_since, now, in_flight)
        waiting_since = decision.waiting_since
        if decision.run:
            runs += 1
            worst = max([worst, *(now - t for t in arrived)])
            arrived, run_until = [], now + run_s
        now += analysis.SENSOR_INTERVAL_S
    return runs, worst


@pytest.mark.parametrize("arrival_every_s", [3.0, 7.0, 20.0, 45.0])
def test_a_steady_stream_makes_about_one_run_a_minute(arrival_every_s: float) -> None:
    runs, worst = simulate(arrival_every_s, minutes=60)
    assert runs <= 61, runs  # before: a run on every tick with work (3 to 6 a minute)
    assert worst <= 60, worst  # and no message waits more than a minute for its run


def test_decision_rules() -> None:
    decide = analysis.batch_decision
    assert decide(0, 100.0, 130.0, False) == analysis.Batching(
        False, "no queued analysis work", None)
    assert decide(3, None, 100.0, False).waiting_since == 100.0
    assert not decide(3, 100.0, 149.0, False).run
    assert decide(3, 100.0, 150.0, False).run
    assert decide(3, 100.0, 150.0, True) == analysis.Batching(
        False, "3 items due; a run of analysis_job is already going", 100.0)
    assert decide(analysis.BATCH_SIZE, None, 100.0, False).run
    assert analysis.read_cursor("not json") is None and analysis.read_cursor(None) is None
    assert analysis.read_cursor(analysis.write_cursor(12.5)) == 12.5
