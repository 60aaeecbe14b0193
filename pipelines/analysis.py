"""Batch analysis on Dagster: a sensor notices queued work, a job drains the queue.

The queue and its work are `webapp.analysis.jobs`: `enqueue_new_messages` queues the new inbound
messages of tenants with automatic analysis on (`mf_enqueue_new_messages`, migration 0008: after
a global watermark, each message once), `due_items` counts due items (`mf_analysis_due`),
`drain_until_empty` drains in rounds and `usage_totals` sums the ledger rows of a drain's calls.

`analysis_sensor` (every SENSOR_INTERVAL_S seconds) enqueues new messages, then counts due items,
and batches: it requests a run of `analysis_job` once work has been waiting
MAX_WAIT_S since the first tick that saw it (kept in the sensor's cursor), or at once when
BATCH_SIZE items are due, and never while a run of the job is queued or in flight (so runs do
not pile up), with a run key unique to the tick. The waiting clock restarts with each request,
and the next one can only start on a later tick: a steady trickle of messages makes at most one
run per SENSOR_INTERVAL_S + MAX_WAIT_S (one a minute), and a message is enqueued within one
interval of its arrival and in a requested run within SENSOR_INTERVAL_S + MAX_WAIT_S (a minute);
a burst is not held back. (Before, every tick with work made a run: every 20-40 s while the demo
traffic flowed, thousands of runs a day in the Dagster UI.)

`analysis_job` enqueues once more (so a manual run picks up new messages too), then drains:
`webapp.analysis.jobs.drain_stats` claims items with FOR UPDATE SKIP LOCKED under a lease and
analyses them through the LLM routing layer (routes, limits, budgets, breaker, ledger: nothing
bypasses it), looping until the queue is empty or the time cap is reached. A claimed item is
analysed by exactly one drain even when two runs overlap; an item whose batch raises is retried
alone, by the next run when nothing else succeeded (a sensor interval of backoff), and goes `dead`
with its error after MAX_ATTEMPTS (visible in GET /api/v1/analysis-jobs/:id). The run's metadata
sums what it did, tokens and cost taken from the ledger rows of its own calls.

The web app's in-process worker drains the same queue when ANALYSIS_RUNNER=inline (the default,
so `messageflow serve` alone works); `messageflow up` sets ANALYSIS_RUNNER=dagster.
"""

# No `from __future__ import annotations`: Dagster reads the ops' `context` annotation at
# definition time and rejects it as a string.
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg

from pipelines.resources import PostgresResource
from webapp.analysis import importance as llm_analysis
from webapp.analysis.jobs import (
    DrainStats,
    drain_until_empty,
    due_items,
    enqueue_new_messages,
    usage_totals,
)
from webapp.analysis.rows import DrainUsage

SENSOR_INTERVAL_S = 10
MAX_WAIT_S = 50  # oldest work waits this long (from the tick that first saw it) before a run
BATCH_SIZE = 200  # ...unless this many items are due (one drain round's claim): run at once
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
             dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


class DrainConfig(dg.Config):
    """How a run drains: items claimed per round, prompt batch size, and a time cap."""

    limit: int = 200
    batch_size: int = llm_analysis.BATCH_SIZE
    time_cap_s: float = 240.0


def run_metadata(stats: DrainStats, usage: DrainUsage, rounds: int,
                 queued: int) -> dict[str, Any]:
    """The numbers a run reports (messages analysed, tokens, cost, failures, dead letters)."""
    return {
        "messages_analysed": stats.done, "items_claimed": stats.claimed,
        "items_failed": stats.failed, "items_retried": stats.retried,
        "items_dead_lettered": stats.dead, "newly_queued": queued,
        "llm_calls": int(usage.calls), "llm_call_failures": int(usage.failed_calls),
        "unpriced_calls": int(usage.unpriced_calls),
        "input_tokens": int(usage.input_tokens), "output_tokens": int(usage.output_tokens),
        "cost_usd": float(usage.cost_usd), "tenants": len(stats.usage_log_ids),
        "drain_rounds": rounds, "errors": dg.MetadataValue.json(stats.errors[:20]),
    }


@dg.op(description="Queue new inbound messages of tenants with automatic analysis on.")
def enqueue_new_messages_op(context: dg.OpExecutionContext, pg: PostgresResource) -> int:
    """Queue new messages; returns how many were queued (also run metadata)."""
    with pg.database(name="mf-dagster-analysis") as db:
        served = enqueue_new_messages(db)
    queued = sum(r.queued for r in served)
    context.add_output_metadata({"newly_queued": queued, "tenants": len(served)})
    return queued


@dg.op(description="Drain the analysis queue through the LLM layer until empty (or time cap).")
def drain_analysis_queue(context: dg.OpExecutionContext, config: DrainConfig,
                         pg: PostgresResource, queued: int) -> dict[str, Any]:
    """Drain; the run's metadata and tags sum what it did."""
    started = time.monotonic()
    with pg.database(name="mf-dagster-analysis") as db:
        stats, rounds = drain_until_empty(db, pg.secret_box(), limit=config.limit,
                                          batch_size=config.batch_size,
                                          time_cap_s=config.time_cap_s)
        usage = usage_totals(db, stats)
    meta = run_metadata(stats, usage, rounds, queued)
    meta["seconds"] = round(time.monotonic() - started, 3)
    context.add_output_metadata(meta)
    context.instance.add_run_tags(context.run_id, {
        "messageflow/messages_analysed": str(stats.done),
        "messageflow/dead_lettered": str(stats.dead),
        "messageflow/cost_usd": f"{usage.cost_usd:.6f}",
    })
    context.log.info(
        "analysed %s messages (%s claimed, %s failed, %s retried, %s dead) in %s calls, "
        "%s+%s tokens, $%.6f", stats.done, stats.claimed, stats.failed, stats.retried,
        stats.dead, usage.calls, usage.input_tokens, usage.output_tokens, usage.cost_usd)
    return {k: v for k, v in meta.items() if k != "errors"}


@dg.job(description="Queue new messages, then drain the analysis queue (exactly once per item).",
        tags={"messageflow/queue": "analysis"})
def analysis_job() -> None:
    """enqueue_new_messages_op -> drain_analysis_queue."""
    drain_analysis_queue(enqueue_new_messages_op())


def _in_flight(instance: dg.DagsterInstance) -> bool:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=analysis_job.name,
                                                   statuses=IN_FLIGHT), limit=1)
    return bool(runs)


@dataclass(frozen=True)
class Batching:
    """What the sensor decides on one tick: request a run or not, why, and the next cursor."""

    run: bool
    reason: str
    waiting_since: float | None


def batch_decision(due: int, waiting_since: float | None, now: float, in_flight: bool,
                   max_wait_s: float = MAX_WAIT_S, batch_size: int = BATCH_SIZE) -> Batching:
    """Request a run when work has waited max_wait_s (since the tick that first saw it) or
    batch_size items are due, never while a run is in flight; a request restarts the clock."""
    if due == 0:
        return Batching(False, "no queued analysis work", None)
    since = now if waiting_since is None else waiting_since
    waited = now - since
    if in_flight:
        return Batching(False, f"{due} items due; a run of {analysis_job.name} is already going",
                        since)
    if due >= batch_size or waited >= max_wait_s:
        return Batching(True, f"{due} items due, waiting {waited:.0f} s", None)
    return Batching(False, f"batching: {due} items due, waiting {waited:.0f} s (a run at "
                           f"{max_wait_s:.0f} s or {batch_size} items)", since)


def read_cursor(cursor: str | None) -> float | None:
    """The tick (epoch seconds) since which work has been waiting, from the sensor's cursor."""
    try:
        value = json.loads(cursor or "{}").get("waiting_since")
    except (ValueError, AttributeError):
        return None  # an old or hand-edited cursor: start waiting from this tick
    return float(value) if isinstance(value, int | float) else None


def write_cursor(waiting_since: float | None) -> str:
    """The sensor's cursor for `read_cursor`."""
    return json.dumps({"waiting_since": waiting_since})


@dg.sensor(job=analysis_job, minimum_interval_seconds=SENSOR_INTERVAL_S,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Queues new messages; launches analysis_job for work that has waited "
                       f"{MAX_WAIT_S} s, or at once for {BATCH_SIZE} items due.")
def analysis_sensor(context: dg.SensorEvaluationContext,
                    pg: PostgresResource) -> Iterator[dg.RunRequest | dg.SkipReason]:
    """Enqueue new messages, count due items, request one run per batch (see batch_decision)."""
    with pg.database(name="mf-dagster-sensor") as db:
        served = enqueue_new_messages(db)
        due = due_items(db)
    queued = sum(r.queued for r in served)
    in_flight = due > 0 and _in_flight(context.instance)
    decision = batch_decision(due, read_cursor(context.cursor), time.time(), in_flight,
                              max_wait_s=MAX_WAIT_S, batch_size=BATCH_SIZE)
    context.update_cursor(write_cursor(decision.waiting_since))
    if not decision.run:
        yield dg.SkipReason(decision.reason)
        return
    yield dg.RunRequest(run_key=f"analysis-{time.time_ns()}",
                        tags={"messageflow/due_items": str(due),
                              "messageflow/newly_queued": str(queued)})
