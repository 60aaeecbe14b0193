"""Exactly once under concurrency: two analysis runs at the same time over one queue analyse each
message once (one provider call per batch, one claim per item). Two enqueuers at the same time:
tests/webapp/analysis/test_queue.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dagster as dg

from pipelines import analysis
from pipelines.resources import PostgresResource
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import (
    add_provider,
    box,
    ledger,
    mixed_texts,
    owner_principal,
    seed_messages,
)
from webapp.analysis import jobs
from webapp.analysis.models import BatchAnalyzeRequest
from webapp.db import Database
from webapp.llm import features
from webapp.llm.routing import LLMContext

MESSAGES = 60
BATCH = 5


def _run_together(pg: PostgresResource, n: int) -> list[dict[str, Any]]:
    start = threading.Barrier(n)

    def one(_: int) -> dict[str, Any]:
        with dg.DagsterInstance.ephemeral() as instance:
            start.wait()
            result = analysis.analysis_job.execute_in_process(
                resources={"pg": pg}, instance=instance, run_config={"ops": {
                    "drain_analysis_queue": {"config": {"limit": BATCH, "batch_size": BATCH}}}})
            assert result.success
            out: dict[str, Any] = result.output_for_node("drain_analysis_queue")
            return out

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_two_concurrent_runs_analyse_each_message_exactly_once(
    platform_db: Database, pg: PostgresResource, fake: FakeLLMServer
) -> None:
    p = owner_principal(platform_db, "Two runs")
    ctx = LLMContext(platform_db, box())
    provider = add_provider(ctx, p, fake, "Fake")
    features.assign(platform_db, p, "importance_detection", provider["id"], 1)
    fake.usage, fake.latency_s = (500, 100), 0.1
    ids = seed_messages(platform_db, p.tenant_id, mixed_texts(MESSAGES))
    job = jobs.create_job(platform_db, p, BatchAnalyzeRequest(message_ids=ids))

    runs = _run_together(pg, 2)

    assert sum(r["messages_analysed"] for r in runs) == MESSAGES
    assert all(r["messages_analysed"] > 0 for r in runs), runs  # both really took part
    assert sum(r["items_claimed"] for r in runs) == MESSAGES
    with platform_db.tenant(p.tenant_id) as conn:
        items = conn.execute("select status, attempts from analysis_job_items where job_id = %s",
                             (job["job_id"],)).fetchall()
        analyses = conn.execute("select message_id, usage_log_id from message_analyses "
                                "where message_id = any(%s)", (ids,)).fetchall()
    assert len(items) == MESSAGES and {(i["status"], i["attempts"]) for i in items} == {
        ("done", 1)}
    assert sorted(a["message_id"] for a in analyses) == ids
    calls = [r for r in ledger(platform_db, p.tenant_id)
             if r["feature"] == "importance_detection"]
    assert len(calls) == MESSAGES // BATCH == len(fake.requests)
    assert sum(c["message_count"] for c in calls) == MESSAGES
    assert {c["status"] for c in calls} == {"ok"}
    assert sum(r["llm_calls"] for r in runs) == len(calls)
    assert sum(r["input_tokens"] for r in runs) == sum(c["input_tokens"] for c in calls)
    assert len({a["usage_log_id"] for a in analyses}) == len(calls)  # BATCH messages per call
    status = jobs.job_status(platform_db, p, job["job_id"])
    assert (status["status"], status["done"], status["failed"]) == ("done", MESSAGES, 0)

