"""The analysis queue: jobs of message items, drained by `drain(db, limit)` from any process.

drain() is Flask-free so a scheduler (the Dagster sensor, later) can own it: it claims due items
of every tenant through `mf_claim_analysis_items` (FOR UPDATE SKIP LOCKED, with a lease so a
crashed worker's items come back), analyses them per tenant in batches on a few threads, and
marks them done, re-queued (with the error) or dead after MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import NotFound
from webapp.llm import analysis
from webapp.llm.errors import scrub
from webapp.llm.models import BatchAnalyzeRequest
from webapp.llm.routing import LLMContext
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal

Q = load(__file__)
log = logging.getLogger(__name__)

MAX_JOB_MESSAGES = 5000
MAX_ATTEMPTS = 3
LEASE_S = 600
WORKERS = 4


def _scope_ids(conn: Any, body: BatchAnalyzeRequest) -> list[int]:
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
        if conn.execute(Q.select_conversation, {"id": body.conversation_id}).fetchone() is None:
            raise NotFound("No such conversation.", code="conversation_not_found")
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


def _process(ctx: LLMContext, tenant_id: int, items: Sequence[dict[str, Any]]) -> None:
    """Analyse one batch of one tenant's items and record each item's fate."""
    item_ids = [i["id"] for i in items]
    job_ids = sorted({i["job_id"] for i in items})
    with ctx.db.tenant(tenant_id) as conn:
        conn.execute(Q.start_jobs, {"ids": job_ids})
    try:
        outcome = analysis.analyze_messages(ctx, tenant_id, [i["message_id"] for i in items],
                                            batch_size=len(items))
    except Exception as exc:  # the items go back to the queue with the (scrubbed) reason
        log.warning("analysis batch failed for tenant %s: %s", tenant_id, type(exc).__name__)
        with ctx.db.tenant(tenant_id) as conn:
            conn.execute(Q.retry_items, {"ids": item_ids, "max_attempts": MAX_ATTEMPTS,
                                         "error": scrub(f"{type(exc).__name__}: {exc}")})
        finish_jobs(ctx.db, tenant_id, job_ids)
        return
    done = [i["id"] for i in items if i["message_id"] in outcome.analysis_ids]
    lost = [i["id"] for i in items if i["message_id"] not in outcome.analysis_ids]
    with ctx.db.tenant(tenant_id) as conn:
        conn.execute(Q.finish_items, {"ids": done, "status": "done", "error": None})
        if lost:
            conn.execute(Q.finish_items, {"ids": lost, "status": "failed",
                                          "error": "message deleted or no longer available"})
    finish_jobs(ctx.db, tenant_id, job_ids)


def finish_jobs(db: Database, tenant_id: int, job_ids: list[int]) -> None:
    """Mark jobs done once none of their items is queued or running (after the items commit)."""
    with db.tenant(tenant_id) as conn:
        conn.execute(Q.lock_jobs, {"ids": job_ids})
        conn.execute(Q.finish_jobs, {"ids": job_ids})


def _batches(claimed: list[dict[str, Any]], size: int) -> list[tuple[int, list[dict[str, Any]]]]:
    by_tenant: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in claimed:
        by_tenant[item["tenant_id"]].append(item)
    return [(tenant, items[i:i + size]) for tenant, items in by_tenant.items()
            for i in range(0, len(items), size)]


def _bury(db: Database, dead: list[dict[str, Any]]) -> None:
    for tenant_id, items in _batches(dead, len(dead) or 1):
        with db.tenant(tenant_id) as conn:
            conn.execute(Q.finish_items, {"ids": [i["id"] for i in items], "status": "dead",
                                          "error": "gave up after repeated failures"})
        finish_jobs(db, tenant_id, sorted({i["job_id"] for i in items}))


def drain(db: Database, limit: int = 200, *, box: SecretBox | None = None,
          batch_size: int = analysis.BATCH_SIZE, workers: int = WORKERS) -> int:
    """Claim up to `limit` due items of any tenant and analyse them; returns how many."""
    with db.system() as conn:
        claimed = conn.execute(Q.claim_items, {"limit": limit, "lease": LEASE_S}).fetchall()
    if not claimed:
        return 0
    dead = [i for i in claimed if i["attempts"] > MAX_ATTEMPTS]
    live = [i for i in claimed if i["attempts"] <= MAX_ATTEMPTS]
    if dead:
        _bury(db, dead)
    ctx = LLMContext(db, box or default_box())
    batches = _batches(live, batch_size)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(batches)))) as pool:
        for future in [pool.submit(_process, ctx, t, items) for t, items in batches]:
            future.result()
    return len(claimed)


def default_box() -> SecretBox:
    """The secret box of this process's MASTER_KEY (the settings' dev key outside production)."""
    from webapp.config import Settings

    return SecretBox(Settings.from_env().master_key)
