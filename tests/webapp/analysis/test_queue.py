"""The analysis queue's batch side (webapp.analysis.jobs, what the Dagster analysis sensor and job
call): new inbound messages queued once even by concurrent enqueuers, due items counted, drain
rounds under a time cap, and a drain's ledger rows summed (the Dagster wiring over these:
tests/pipelines/test_analysis*.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

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
from webapp.analysis.rows import DrainUsage
from webapp.db import Database
from webapp.llm import features
from webapp.llm.routing import LLMContext


def test_two_concurrent_enqueuers_queue_each_new_message_once(platform_db: Database) -> None:
    p = owner_principal(platform_db, "Two enqueuers")
    ids = seed_messages(platform_db, p.tenant_id, [f"question {i}?" for i in range(40)])
    start = threading.Barrier(4)

    def one(_: int) -> int:
        start.wait()
        return sum(r.queued for r in jobs.enqueue_new_messages(platform_db, limit=7)
                   if r.tenant_id == p.tenant_id)

    queued = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        while True:  # pages of 7 until nothing is left
            got = sum(pool.map(one, range(4)))
            queued += got
            if got == 0:
                break
    with platform_db.tenant(p.tenant_id) as conn:
        items = conn.execute("select message_id from analysis_job_items order by message_id"
                             ).fetchall()
        jobs_ = conn.execute("select total from analysis_jobs").fetchall()
    assert queued == len(ids) == 40
    assert [i["message_id"] for i in items] == ids
    assert [j["total"] for j in jobs_] == [40]  # one open automatic job collects them


def test_due_items_counts_what_a_drain_would_claim(platform_db: Database) -> None:
    p = owner_principal(platform_db, "Due items")
    before = jobs.due_items(platform_db)
    ids = seed_messages(platform_db, p.tenant_id, ["one?", "two?", "three?"])
    jobs.create_job(platform_db, p, BatchAnalyzeRequest(message_ids=ids))
    assert jobs.due_items(platform_db) == before + 3
    assert jobs.due_items(platform_db, cap=1) == 1
    jobs.drain_until_empty(platform_db, box())
    assert jobs.due_items(platform_db) == 0


def test_drain_until_empty_stops_at_the_time_cap_then_drains_the_rest(
        platform_db: Database) -> None:
    p = owner_principal(platform_db, "Rounds")
    ids = seed_messages(platform_db, p.tenant_id, ["a question?", "ok thanks", "see you"])
    job = jobs.create_job(platform_db, p, BatchAnalyzeRequest(message_ids=ids))
    due = jobs.due_items(platform_db)

    stats, rounds = jobs.drain_until_empty(platform_db, box(), limit=1, time_cap_s=0)
    assert (rounds, stats.claimed) == (1, 1)  # the cap had passed after the first round

    rest, rounds = jobs.drain_until_empty(platform_db, box(), limit=1)
    assert rest.claimed == due - 1 and rounds == rest.claimed + 1  # the last round claims none
    assert stats.done + rest.done == due and jobs.due_items(platform_db) == 0
    assert jobs.job_status(platform_db, p, job["job_id"])["status"] == "done"


def test_usage_totals_sum_the_ledger_rows_of_the_drains_calls(
        platform_db: Database, fake: FakeLLMServer) -> None:
    p = owner_principal(platform_db, "Drain usage")
    ctx = LLMContext(platform_db, box())
    provider = add_provider(ctx, p, fake, "Fake")
    features.assign(platform_db, p, "importance_detection", provider["id"], 1)
    fake.usage = (500, 100)
    ids = seed_messages(platform_db, p.tenant_id, mixed_texts(4))
    jobs.create_job(platform_db, p, BatchAnalyzeRequest(message_ids=ids))

    stats, _ = jobs.drain_until_empty(platform_db, box(), batch_size=2)
    usage = jobs.usage_totals(platform_db, stats)

    assert len(stats.usage_log_ids[p.tenant_id]) == 2 == len(fake.requests)
    rows = [r for t, ids_ in stats.usage_log_ids.items()
            for r in ledger(platform_db, t) if r["id"] in ids_]
    assert len(rows) == usage.calls >= 2
    assert usage.input_tokens == sum(r["input_tokens"] for r in rows) >= 1000
    assert usage.output_tokens == sum(r["output_tokens"] for r in rows) >= 200
    assert usage.cost_usd == sum((r["cost_usd"] or Decimal(0) for r in rows), Decimal(0))
    assert usage.failed_calls == sum(r["status"] != "ok" for r in rows)
    assert usage.unpriced_calls == sum(bool(r["unpriced"]) for r in rows)
    assert jobs.usage_totals(platform_db, jobs.DrainStats()) == DrainUsage(
        0, 0, 0, 0, 0, Decimal(0))
