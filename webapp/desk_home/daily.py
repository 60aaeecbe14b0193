"""The day digest as the Home screen reads it: stored by the scheduled job, generated on demand.

`get_day` answers with the stored digest (`mf_daily_summary_json`, the daily_summary.created
frame's shape) or the day's state: `pending` (a generation runs: the API answers 202 with its
job id), `failed` (the reason; a new try only when asked), `empty` (no messages that day) or
`missing` (the caller may not start a generation). A generation is a `daily_summary_jobs` row
(one running per tenant-day, claimed by a unique key, so processes never run one twice) and
runs `webapp.analysis.daily_summaries.summarize_tenant_day`, the same function the Dagster
asset runs, in a background thread of the process that took the job.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.analysis import daily_summaries
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import DomainError, ValidationFailed
from webapp.llm.routing import LLMContext
from webapp.pagination import decode_cursor, encode_cursor
from webapp.security.principal import Principal
from webapp.tenants import days

Q = load(__file__)
log = logging.getLogger(__name__)

LEASE = "15 minutes"  # a running generation older than this was interrupted
Runner = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class Answer:
    """The body and the HTTP status (202 while a generation runs)."""

    body: dict[str, Any]
    status: int = 200


def in_thread(work: Callable[[], None]) -> None:
    """Run a generation in a daemon thread of this process."""
    threading.Thread(target=work, name="daily-summary-on-demand", daemon=True).start()


def tenant_today(conn: Conn) -> tuple[str, dt.date]:
    """The team's time zone and its local date today."""
    row = conn.execute(Q.select_tenant_today).fetchone()
    assert row is not None  # the tenant of the transaction sees itself
    return days.safe_timezone(row["timezone"]), row["today"]


def check_day(day: dt.date | None, today: dt.date) -> dt.date:
    """The requested day (default yesterday); 400 naming `date` unless the day has ended."""
    if day is None:
        return today - dt.timedelta(days=1)
    if day >= today:
        raise ValidationFailed(
            "A summary exists only for a day that has ended.",
            details={"fields": {"date": f"must be before today ({today.isoformat()}) in the "
                                        "team's time zone"}})
    return day


def _state(conn: Conn, day: dt.date) -> Answer | None:
    """The stored digest or the latest generation's state; None when there is neither."""
    row = conn.execute(Q.select_day_summary, {"day": day}).fetchone()
    if row is not None:
        return Answer(row["item"])
    conn.execute(Q.fail_stale_jobs, {"day": day, "lease": LEASE})
    job = conn.execute(Q.select_latest_job, {"day": day}).fetchone()
    if job is None:
        return None
    base = {"day": day.isoformat(), "job_id": job["id"]}
    if job["status"] == "running":
        return Answer({**base, "status": "pending"}, 202)
    if job["status"] == "failed":
        return Answer({**base, "status": "failed", "error": job["error"]})
    return Answer({**base, "status": "empty"})  # done without a digest: no messages that day


def failure_reason(exc: BaseException) -> str:
    """What the team is told about a failed generation (never a provider's raw answer)."""
    if isinstance(exc, DomainError):
        attempts = exc.details.get("attempts") or []
        tried = "; ".join(f"{a.get('provider_name') or a.get('kind')}: "
                          f"{a.get('reason') or a.get('status')}" for a in attempts)
        return f"{exc.message} ({tried})" if tried else exc.message
    return f"The generation failed ({type(exc).__name__})."


def generate(ctx: LLMContext, tenant_id: int, job_id: int, day: dt.date, timezone: str) -> None:
    """Run one generation and record how it ended."""
    outcome: dict[str, Any] = {"id": job_id, "status": "done", "error": None, "summary_id": None}
    try:
        window = days.window(ctx.db, tenant_id, day, timezone)
        outcome["summary_id"] = daily_summaries.summarize_tenant_day(ctx, window).digest_id
    except Exception as exc:  # noqa: BLE001 - recorded as the job's failure
        log.exception("on-demand daily summary of tenant %s, %s failed", tenant_id, day)
        outcome.update(status="failed", error=failure_reason(exc))
    with ctx.db.tenant(tenant_id) as conn:
        conn.execute(Q.finish_job, outcome)


def record_failure(db: Database, tenant_id: int, day: dt.date, exc: BaseException) -> None:
    """The scheduled job could not write the day's digest: keep the failure and its reason for
    the Home screen (a failure to record it is logged, never raised over the original one)."""
    try:
        with db.tenant(tenant_id) as conn:
            conn.execute(Q.insert_failed_job, {"day": day, "error": failure_reason(exc)})
    except Exception:  # noqa: BLE001 - the caller is already handling a failure
        log.exception("could not record the failed daily summary of tenant %s, %s",
                      tenant_id, day)


def get_day(ctx: LLMContext, p: Principal, day: dt.date | None, *, retry: bool,
            can_generate: bool, runner: Runner = in_thread) -> Answer:
    """The day's digest or state; starts a generation when there is none (or retry after a
    failure) and the caller may."""
    with ctx.db.tenant(p.tenant_id, p.user_id) as conn:
        timezone, today = tenant_today(conn)
        day = check_day(day, today)
        state = _state(conn, day)
        if state is not None and not (retry and state.body["status"] == "failed"):
            return state
        if not can_generate:
            return Answer({"status": "missing", "day": day.isoformat()})
        row = conn.execute(Q.insert_job, {"day": day, "user_id": p.user_id}).fetchone()
    if row is None:  # another request started it a moment ago
        with ctx.db.tenant(p.tenant_id, p.user_id) as conn:
            state = _state(conn, day)
        assert state is not None
        return state
    job_id = int(row["id"])
    runner(lambda: generate(ctx, p.tenant_id, job_id, day, timezone))
    return Answer({"status": "pending", "day": day.isoformat(), "job_id": job_id}, 202)


def list_days(db: Database, p: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """Days with a digest or a generation, newest first."""
    after = decode_cursor(cursor, {"day"})
    before: dt.date | None = None
    if after is not None:
        try:
            before = dt.date.fromisoformat(str(after["day"]))
        except ValueError as exc:
            raise ValidationFailed("The cursor is not valid.",
                                   details={"fields": {"cursor": "invalid cursor"}}) from exc
    with db.tenant(p.tenant_id, p.user_id) as conn:
        rows = conn.execute(Q.list_days, {"before": before, "limit": limit + 1}).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": rows, "next_cursor": encode_cursor({"day": rows[-1]["day"]}) if more else None}
