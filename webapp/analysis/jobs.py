"""The analysis queue: jobs of message items, drained by `drain(db, limit)` from any process.

The queue is PostgreSQL (migration 0005): `analysis_jobs` of `analysis_job_items`, one item per
message, filled by the batch-analyze API (`create_job`) and, for new inbound messages, by
`enqueue_new_messages` (`mf_enqueue_new_messages`, migration 0008). That function queues the
inbound text messages after a global watermark into each tenant's open automatic job
(`scope = {"source": "auto"}`), skipping tenants whose `analysis_settings.auto_analyze` is off
and every message that already has an analysis or a queue item, so no message is queued twice;
the newest SETTLE_S seconds of messages stay in the scanned range, so a late-committing insert is
not skipped; calls are serialised by the watermark row lock, and a call with nothing new is one
indexed range scan. `due_items` counts what a drain would claim now (`mf_analysis_due`).

drain() is Flask-free so a scheduler can own it (the Dagster `analysis_job` in
pipelines/analysis.py, or the in-process worker of webapp/analysis/worker.py when ANALYSIS_RUNNER is
`inline`): it claims due items of every tenant through `mf_claim_analysis_items` (FOR UPDATE SKIP
LOCKED, with a lease so a crashed worker's items come back), analyses them per tenant in batches
on a few threads, and marks them done, re-queued (with the error) or dead after MAX_ATTEMPTS. A
batch that raises is retried item by item at once, so one poisonous message only fails itself.
drain_stats() returns what a drain did (the Dagster run's metadata); drain() just the count;
drain_until_empty() repeats drain rounds under a time cap, and usage_totals() sums the ledger
rows of a drain's calls.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import StrictBool

from webapp.analysis import importance
from webapp.analysis.models import BatchAnalyzeRequest
from webapp.analysis.rows import DrainUsage, Enqueued, ItemFate, QueueItem
from webapp.analysis.summaries import find_conversation
from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound
from webapp.inputs import RequestModel
from webapp.llm.errors import scrub
from webapp.llm.routing import LLMContext
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
log = logging.getLogger(__name__)

MAX_JOB_MESSAGES = 5000
MAX_ATTEMPTS = 3
LEASE_S = 600
WORKERS = 4
ENQUEUE_LIMIT = 5000  # new messages queued per call (the rest on the next call)
SETTLE_S = 60  # how long a message stays in the rescanned range after its insert began
DUE_CAP = 100_000


def _scope_ids(conn: Conn, body: BatchAnalyzeRequest) -> list[int]:
    if body.message_ids is not None:
        wanted = list(dict.fromkeys(body.message_ids))
        visible = {r["id"] for r in conn.execute(Q.select_visible_messages,
                                                 {"ids": wanted}).fetchall()}
        missing = [i for i in wanted if i not in visible]
        if missing:
            raise NotFound("Some messages do not exist.", code="message_not_found",
                           details={"missing": missing[:100]})
        return wanted
    if body.conversation_id is not None:
        find_conversation(conn, body.conversation_id)
        rows = conn.execute(Q.select_conversation_message_ids, {
            "conversation_id": body.conversation_id, "limit": MAX_JOB_MESSAGES}).fetchall()
    else:
        rows = conn.execute(Q.select_message_ids_since,
                            {"since": body.since, "limit": MAX_JOB_MESSAGES}).fetchall()
    return [r["id"] for r in rows]


def create_job(db: Database, p: Principal, body: BatchAnalyzeRequest) -> dict[str, Any]:
    """Queue a job for the messages in scope (already analysed ones skipped unless reanalyze)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        ids = _scope_ids(conn, body)
        if ids and not body.reanalyze:
            ids = [r["id"] for r in conn.execute(Q.exclude_analyzed, {"ids": ids}).fetchall()]
        job = conn.execute(Q.insert_job, {
            "status": "queued" if ids else "done", "total": len(ids), "created_by": p.user_id,
            "scope": Jsonb(body.model_dump(mode="json", exclude_none=True)),
        }).fetchone()
        assert job is not None
        if ids:
            conn.execute(Q.insert_job_items, {"job_id": job["id"], "ids": ids})
    return {"job_id": job["id"], "status": job["status"], "total": job["total"]}


def job_status(db: Database, p: Principal, job_id: int) -> dict[str, Any]:
    """A job's progress and its failed items with their errors."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        job = conn.execute(Q.select_job, {"id": job_id}).fetchone()
        if job is None:
            raise NotFound("No such analysis job.", code="job_not_found")
        failed = conn.execute(Q.select_failed_items, {"id": job_id}).fetchall()
    return {
        "id": job["id"], "status": job["status"], "scope": job["scope"], "total": job["total"],
        "queued": job["queued"], "running": job["running"], "done": job["done"],
        "failed": job["failed"], "failed_items": failed, "created_at": job["created_at"],
        "started_at": job["started_at"], "finished_at": job["finished_at"],
    }


@dataclass
class DrainStats:
    """What one drain did: item fates and the ledger rows of its calls, per tenant."""

    claimed: int = 0
    done: int = 0
    failed: int = 0  # the message was deleted or revoked meanwhile: nothing to analyse
    retried: int = 0  # failed this time, back in the queue
    dead: int = 0  # failed MAX_ATTEMPTS times: kept with its error, never claimed again
    usage_log_ids: dict[int, list[int]] = field(default_factory=dict)  # tenant -> ledger ids
    errors: list[str] = field(default_factory=list)  # scrubbed, one per failed batch

    def add(self, other: DrainStats) -> None:
        """Fold another drain's (or batch's) numbers into these."""
        self.claimed += other.claimed
        self.done += other.done
        self.failed += other.failed
        self.retried += other.retried
        self.dead += other.dead
        for tenant, ids in other.usage_log_ids.items():
            self.usage_log_ids.setdefault(tenant, []).extend(ids)
        self.errors += other.errors


class AnalysisSettingsUpdate(RequestModel):
    """Whether new inbound messages of the tenant are analysed automatically."""

    auto_analyze: StrictBool


def analysis_settings(db: Database, p: Principal) -> dict[str, Any]:
    """The tenant's automatic-analysis switch (on unless switched off; migration 0008)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_analysis_settings).fetchone()
    if row is None:
        return {"auto_analyze": True, "updated_by": None, "updated_at": None}
    return dict(row)


def set_analysis_settings(db: Database, p: Principal, body: AnalysisSettingsUpdate,
                          meta: RequestMeta | None = None) -> dict[str, Any]:
    """Switch automatic analysis of new inbound messages on or off (audited). Off: the Dagster
    analysis sensor queues none of the tenant's new messages (batch-analyze still works)."""
    before = analysis_settings(db, p)["auto_analyze"]
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.upsert_analysis_settings, {"auto": body.auto_analyze,
                                                        "user": p.user_id}).fetchone()
        assert row is not None
        audit.record(conn, p.tenant_id, p.user_id, "analysis.settings.update", meta,
                     target_type="analysis_settings", target_id=p.tenant_id,
                     before={"auto_analyze": before}, after={"auto_analyze": body.auto_analyze})
    return dict(row)


def _process(ctx: LLMContext, tenant_id: int, items: Sequence[QueueItem]) -> DrainStats:
    """Analyse one batch of one tenant's items and record each item's fate."""
    stats = DrainStats()
    item_ids = [i.id for i in items]
    job_ids = sorted({i.job_id for i in items})
    with ctx.db.tenant(tenant_id) as conn:
        conn.execute(Q.start_jobs, {"ids": job_ids})
    try:
        outcome = importance.analyze_messages(ctx, tenant_id, [i.message_id for i in items],
                                            batch_size=len(items))
    except Exception as exc:  # the items go back to the queue with the (scrubbed) reason
        if len(items) > 1:  # find the culprit: the others must not share its fate
            for item in items:
                stats.add(_process(ctx, tenant_id, [item]))
            return stats
        log.warning("analysis batch failed for tenant %s: %s", tenant_id, type(exc).__name__)
        error = scrub(f"{type(exc).__name__}: {exc}")
        with ctx.db.tenant(tenant_id) as conn:
            fates = fetch_all(conn, ItemFate, Q.retry_items,
                              {"ids": item_ids, "max_attempts": MAX_ATTEMPTS, "error": error})
        finish_jobs(ctx.db, tenant_id, job_ids)
        stats.dead = sum(1 for f in fates if f.status == "dead")
        stats.retried = len(fates) - stats.dead
        stats.errors.append(error)
        return stats
    done = [i.id for i in items if i.message_id in outcome.analysis_ids]
    lost = [i.id for i in items if i.message_id not in outcome.analysis_ids]
    with ctx.db.tenant(tenant_id) as conn:
        conn.execute(Q.finish_items, {"ids": done, "status": "done", "error": None})
        if lost:
            conn.execute(Q.finish_items, {"ids": lost, "status": "failed",
                                          "error": "message deleted or no longer available"})
    finish_jobs(ctx.db, tenant_id, job_ids)
    stats.done, stats.failed = len(done), len(lost)
    stats.usage_log_ids[tenant_id] = [a.usage_log_id for a in outcome.attempts
                                      if a.usage_log_id is not None]
    return stats


def finish_jobs(db: Database, tenant_id: int, job_ids: list[int]) -> None:
    """Mark jobs done once none of their items is queued or running (after the items commit)."""
    with db.tenant(tenant_id) as conn:
        conn.execute(Q.lock_jobs, {"ids": job_ids})
        conn.execute(Q.finish_jobs, {"ids": job_ids})


def _batches(claimed: list[QueueItem], size: int) -> list[tuple[int, list[QueueItem]]]:
    by_tenant: dict[int, list[QueueItem]] = defaultdict(list)
    for item in claimed:
        by_tenant[item.tenant_id].append(item)
    return [(tenant, items[i:i + size]) for tenant, items in by_tenant.items()
            for i in range(0, len(items), size)]


def _bury(db: Database, dead: list[QueueItem]) -> None:
    for tenant_id, items in _batches(dead, len(dead) or 1):
        with db.tenant(tenant_id) as conn:
            conn.execute(Q.finish_items, {"ids": [i.id for i in items], "status": "dead",
                                          "error": "gave up after repeated failures"})
        finish_jobs(db, tenant_id, sorted({i.job_id for i in items}))


def drain_stats(db: Database, limit: int = 200, *, box: SecretBox | None = None,
                batch_size: int = importance.BATCH_SIZE, workers: int = WORKERS) -> DrainStats:
    """Claim up to `limit` due items of any tenant and analyse them; what happened to them."""
    stats = DrainStats()
    with db.system() as conn:
        claimed = fetch_all(conn, QueueItem, Q.claim_items, {"limit": limit, "lease": LEASE_S})
    if not claimed:
        return stats
    stats.claimed = len(claimed)
    dead = [i for i in claimed if i.attempts > MAX_ATTEMPTS]
    live = [i for i in claimed if i.attempts <= MAX_ATTEMPTS]
    if dead:
        _bury(db, dead)
        stats.dead += len(dead)
    ctx = LLMContext(db, box or default_box())
    batches = _batches(live, batch_size)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(batches)))) as pool:
        for future in [pool.submit(_process, ctx, t, items) for t, items in batches]:
            stats.add(future.result())
    return stats


def drain(db: Database, limit: int = 200, *, box: SecretBox | None = None,
          batch_size: int = importance.BATCH_SIZE, workers: int = WORKERS) -> int:
    """Claim up to `limit` due items of any tenant and analyse them; returns how many."""
    return drain_stats(db, limit, box=box, batch_size=batch_size, workers=workers).claimed


def enqueue_new_messages(db: Database, *, limit: int = ENQUEUE_LIMIT,
                         settle_s: int = SETTLE_S) -> list[Enqueued]:
    """Queue new inbound messages into automatic jobs; one row per tenant served."""
    with db.system() as conn:
        return fetch_all(conn, Enqueued, Q.enqueue_new_messages,
                         {"limit": limit, "settle_s": settle_s})


def due_items(db: Database, cap: int = DUE_CAP) -> int:
    """Queue items a drain would claim now, counted up to `cap`."""
    with db.system() as conn:
        row = conn.execute(Q.count_due_items, {"cap": cap}).fetchone()
    return int(row["due"]) if row else 0


def drain_until_empty(db: Database, box: SecretBox, *, limit: int = 200,
                      batch_size: int = importance.BATCH_SIZE,
                      time_cap_s: float = 240.0) -> tuple[DrainStats, int]:
    """Drain rounds until a round claims nothing, the time cap passes, or a round only retried
    (nothing succeeded: the next attempt waits for the next run, a sensor interval later,
    instead of burning through MAX_ATTEMPTS in a second); stats and rounds."""
    total, rounds = DrainStats(), 0
    deadline = time.monotonic() + time_cap_s
    while True:
        stats = drain_stats(db, limit, box=box, batch_size=batch_size)
        rounds += 1
        total.add(stats)
        stalled = stats.retried > 0 and stats.done + stats.failed == 0
        if stats.claimed == 0 or stalled or time.monotonic() >= deadline:
            return total, rounds


def usage_totals(db: Database, stats: DrainStats) -> DrainUsage:
    """Calls, failed calls, tokens and cost of the ledger rows a drain wrote (all tenants)."""
    rows: list[DrainUsage] = []
    for tenant_id, ids in stats.usage_log_ids.items():
        if not ids:
            continue
        with db.tenant(tenant_id) as conn:
            row = fetch_one(conn, DrainUsage, Q.select_drain_usage, {"ids": ids})
        assert row is not None
        rows.append(row)
    return DrainUsage(calls=sum(r.calls for r in rows),
                      failed_calls=sum(r.failed_calls for r in rows),
                      unpriced_calls=sum(r.unpriced_calls for r in rows),
                      input_tokens=sum(r.input_tokens for r in rows),
                      output_tokens=sum(r.output_tokens for r in rows),
                      cost_usd=sum((r.cost_usd for r in rows), Decimal(0)))


def default_box() -> SecretBox:
    """The secret box of this process's MASTER_KEY (the settings' dev key outside production)."""
    from webapp.config import Settings

    return SecretBox(Settings.from_env().master_key)
