"""The workflow engine: runs the tenant's enabled workflows exactly once per (workflow, event),
and dry runs.

A pass (`run_pending`) does, per tenant with enabled workflows:
1. events: the message and action item events after the tenant's watermark
   (workflow_cursors). For each event and each workflow whose trigger fits, it claims the pair
   with INSERT ... ON CONFLICT DO NOTHING on workflow_executions' UNIQUE (workflow_id,
   event_key): any number of engines (one per web process) can read the same events, only
   the one whose insert landed runs the actions. Messages brought by history sync
   (messages.history, also `history` in their event) and members' own messages fire nothing.
2. time: `conversation.unanswered` (a stretch of inbound messages without an answer for N
   minutes, optionally counting business minutes only; key `unanswered:<conv>:<first msg>`)
   and `schedule` (each due minute of the cron expression in the tenant's zone; key
   `schedule:<minute UTC>`), both computed from an explicit `now`.
3. recovery: a run still `running` whose claim was not refreshed for STALE_AFTER (its engine
   died) is taken over by one engine, which runs the actions not yet recorded.
Each action runs in its own transaction and its result is recorded as it finishes (the
claim's heartbeat); a failure is recorded and the others still run. The loop guard: a
message or action item made by a workflow never triggers workflows; the execution says it
was skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import DomainError, NotFound
from webapp.security.principal import Principal
from webapp.workflows import actions, conditions, schedule
from webapp.workflows import service as workflows
from webapp.workflows.actions import Online

log = logging.getLogger(__name__)
Q = load(__file__)
BATCH = 200
STALE_AFTER = dt.timedelta(minutes=2)  # a claim not refreshed for this long is a dead engine's
MAX_ATTEMPTS = 3
UNANSWERED_WINDOW = dt.timedelta(days=30)  # older stretches are not looked at
EVENT_TRIGGERS = {"message.created": "message.received", "message.analyzed": "message.analyzed",
                  "action_item.created": "action_item.created",
                  "action_item.updated": "action_item.status_changed"}
LOOP_GUARD = "loop_guard: {} was made by a workflow"


def _principal(tenant_id: int, workflow: dict[str, Any]) -> Principal | None:
    if workflow["created_by"] is None:
        return None
    return Principal(user_id=workflow["created_by"], tenant_id=tenant_id, role="admin",
                     session_id="workflow", email="", name="Automation", tenant_name="")


def context(conn: Conn, message_id: int) -> dict[str, Any] | None:
    """What the conditions and actions read about one of the tenant's messages."""
    row: dict[str, Any] | None = conn.execute(Q.message_context, {"id": message_id}).fetchone()
    return row


def run_actions(db: Database, p: Principal | None, workflow: dict[str, Any],
                ctx: dict[str, Any], *, execution_id: int | None = None,
                done: list[dict[str, Any]] | None = None, online: Online | None = None
                ) -> tuple[list[dict[str, Any]], str | None]:
    """Run every action in order (those already in `done` are kept, not run again); each
    one's result, duration and error, recorded on the execution as it finishes."""
    results: list[dict[str, Any]] = list(done or [])
    finished = {int(r["index"]) for r in results}
    for i, action in enumerate(workflow["actions"]):
        if i in finished:
            continue
        started = time.monotonic()
        try:
            if p is None:
                raise DomainError("the workflow's author is no longer a member")
            outcome = {"ok": True, "error": None,
                       "result": actions.run(db, p, action, ctx, index=i, online=online)}
        except Exception as exc:  # one failing action must not stop the others
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, DomainError):
                log.exception("workflow %s action %s failed", workflow["id"], i)
            outcome = {"ok": False, "result": None, "error": str(message)[:500]}
        results.append({"index": i, "type": action["type"], **outcome,
                        "duration_ms": int((time.monotonic() - started) * 1000)})
        if execution_id is not None:
            with db.tenant(int(ctx["tenant_id"])) as conn:
                conn.execute(Q.heartbeat, {"id": execution_id, "results": Jsonb(results)})
    results.sort(key=lambda r: int(r["index"]))
    failed = sum(1 for r in results if not r["ok"])
    error = f"{failed} of {len(results)} actions failed" if failed else None
    return results, error


def _tenant_context(conn: Conn) -> dict[str, Any]:
    row = conn.execute(Q.tenant_context).fetchone()
    return {"timezone": row["timezone"], "business_hours": row["business_hours"]} if row \
        else {"timezone": "UTC", "business_hours": {}}


def _blank(conn: Conn) -> dict[str, Any]:
    """The context of a run without a message or conversation."""
    return {"id": None, "conversation_id": None, "from_me": False, "sent_by": None, "text": "",
            "label_ids": [], **_tenant_context(conn)}


def build_context(conn: Conn, source: dict[str, Any]) -> tuple[dict[str, Any] | None,
                                                                str | None]:
    """The run's context from its source, and the loop guard's reason to skip it (or None).
    (None, None): nothing to act on (the message or item is gone)."""
    kind = source.get("kind", "message")
    if kind == "schedule":
        due = dt.datetime.fromisoformat(str(source["due"]))
        return {**_blank(conn), "sent_at": due, "due_at": source["due"]}, None
    if kind == "action_item":
        item = conn.execute(Q.item_context, {"id": source["action_item_id"]}).fetchone()
        if item is None:
            return None, None
        if item["source_message_id"] is not None:
            base = context(conn, int(item["source_message_id"]))
        elif item["conversation_id"] is not None:
            base = conn.execute(Q.conversation_context,
                                {"id": item["conversation_id"]}).fetchone()
        else:
            base = None
        item_ctx = {**(base or _blank(conn)), "from_me": False,
                    "sent_at": dt.datetime.fromisoformat(str(source["at"])),
                    "action_item_id": item["id"], "item_title": item["title"],
                    "item_status": item["status"], "item_priority": item["priority"],
                    "item_assignee_id": item["assignee_id"],
                    "status_from": source.get("status_from"),
                    "status_to": source.get("status_to")}
        guard = LOOP_GUARD.format("the action item") if source.get("automation") else None
        return item_ctx, guard
    ctx = context(conn, int(source["message_id"]))
    if ctx is None:
        return None, None
    if ctx["from_me"]:
        return ctx, LOOP_GUARD.format("the message")
    return ctx, None


def execute(db: Database, tenant_id: int, workflow: dict[str, Any], *, event_key: str,
            trigger: str, source: dict[str, Any], event_id: int | None = None,
            message_id: int | None = None, online: Online | None = None) -> int | None:
    """Claim and run one (workflow, event_key); the execution id, or None when another
    engine has it or there is nothing to act on."""
    started = time.monotonic()
    with db.tenant(tenant_id) as conn:
        ctx, skipped = build_context(conn, source)
        if ctx is None:
            return None
        claimed = conn.execute(Q.claim, {
            "workflow_id": workflow["id"], "event_key": event_key, "event_id": event_id,
            "trigger": trigger, "message_id": message_id, "source": Jsonb(source),
        }).fetchone()
    if claimed is None:
        return None
    return _run(db, tenant_id, workflow, int(claimed["id"]), ctx, skipped, event_key,
                started, online=online)


def _run(db: Database, tenant_id: int, workflow: dict[str, Any], execution_id: int,
         ctx: dict[str, Any], skipped: str | None, event_key: str, started: float, *,
         done: list[dict[str, Any]] | None = None, online: Online | None = None) -> int:
    ctx = {**ctx, "tenant_id": tenant_id, "workflow_id": workflow["id"],
           "workflow_name": workflow["name"], "event_key": event_key}
    results: list[dict[str, Any]] = list(done or [])
    matched, error = False, None
    if skipped is None:
        try:
            matched = conditions.matches(workflow["conditions"], ctx)
        except Exception as exc:
            error = f"conditions failed: {exc}"[:500]
        if matched:
            results, error = run_actions(db, _principal(tenant_id, workflow), workflow, ctx,
                                         execution_id=execution_id, done=done, online=online)
    _finish(db, tenant_id, execution_id, matched=matched, skipped=skipped, results=results,
            error=error, duration_ms=int((time.monotonic() - started) * 1000))
    return execution_id


def _finish(db: Database, tenant_id: int, execution_id: int, **outcome: Any) -> None:
    with db.tenant(tenant_id, events=True) as conn:
        row = conn.execute(Q.finish, {"id": execution_id, **outcome,
                                      "results": Jsonb(outcome["results"])}).fetchone()
        assert row is not None
        conn.execute(Q.executed_event, {"data": Jsonb(workflows.execution_public(row))})


def _event_source(event: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The trigger an event fires and the run's source, or None (not for workflows)."""
    trigger = EVENT_TRIGGERS[event["type"]]
    data = event["data"]
    if event["type"].startswith("message."):
        if data.get("history"):
            return None
        return trigger, {"kind": "message", "message_id": int(data["id"])}
    if trigger == "action_item.status_changed" and "status_to" not in data:
        return None
    return trigger, {"kind": "action_item", "action_item_id": int(data["id"]),
                     "at": event["created_at"].isoformat(), "automation": bool(
                         data.get("automation")),
                     "status_from": data.get("status_from"), "status_to": data.get("status_to")}


def _fits(workflow: dict[str, Any], trigger: str, source: dict[str, Any]) -> bool:
    """Whether the workflow's trigger (and its options) fires for this source."""
    spec = workflow["trigger"]
    if spec.get("type") != trigger:
        return False
    if trigger == "action_item.status_changed":
        return spec.get("from") in (None, source["status_from"]) and \
            spec.get("to") in (None, source["status_to"])
    return True


def handle(db: Database, tenant_id: int, workflow: dict[str, Any], event: dict[str, Any],
           online: Online | None = None) -> int | None:
    """Claim and run one (workflow, event); the execution id, or None when another engine
    has it or the event is not for this workflow (a member's own message, a message brought
    by history sync: neither received nor analysed fires)."""
    found = _event_source(event)
    if found is None or not _fits(workflow, found[0], found[1]):
        return None
    trigger, source = found
    if source["kind"] == "message":
        with db.tenant(tenant_id) as conn:
            ctx = context(conn, source["message_id"])
        if ctx is None or ctx["history"] or (ctx["from_me"] and ctx["sent_by"] != "automation"):
            return None
    return execute(db, tenant_id, workflow, event_key=f"event:{event['id']}", trigger=trigger,
                   source=source, event_id=int(event["id"]),
                   message_id=source.get("message_id"), online=online)


def run_tenant(db: Database, tenant_id: int, limit: int = BATCH,
               online: Online | None = None) -> int:
    """One batch of the tenant's new events; how many executions this engine ran."""
    with db.tenant(tenant_id) as conn:
        cur = conn.execute(Q.cursor).fetchone()
        after = int(cur["last_event_id"]) if cur else 0
        flows = conn.execute(Q.enabled_workflows).fetchall()
        if cur is None and flows:
            after = min(int(w["since_event_id"]) for w in flows)
        events = conn.execute(Q.new_events, {"after": after, "limit": limit}).fetchall()
    ran = 0
    for event in events:
        for w in flows:
            if event["id"] > w["since_event_id"]:
                ran += handle(db, tenant_id, w, event, online) is not None
    if events:
        with db.tenant(tenant_id) as conn:
            conn.execute(Q.advance_cursor, {"last": events[-1]["id"]})
    return ran


def run_unanswered(db: Database, tenant_id: int, workflow: dict[str, Any], now: dt.datetime,
                   online: Online | None = None) -> int:
    """Fire a `conversation.unanswered` workflow for each stretch that has waited long
    enough (wall-clock minutes, or business minutes when asked)."""
    spec = workflow["trigger"]
    minutes = int(spec["minutes"])
    since = max(workflow["since_at"], now - UNANSWERED_WINDOW)
    with db.tenant(tenant_id) as conn:
        clock = _tenant_context(conn)
        stretches = conn.execute(Q.unanswered_stretches, {
            "workflow_id": workflow["id"], "since": since,
            "due_before": now - dt.timedelta(minutes=minutes)}).fetchall()
    ran = 0
    for s in stretches:
        if spec.get("business_hours_only") and schedule.business_minutes(
                s["sent_at"], now, clock["timezone"], clock["business_hours"]) < minutes:
            continue
        key = f"unanswered:{s['conversation_id']}:{s['message_id']}"
        ran += execute(db, tenant_id, workflow, event_key=key, trigger="conversation.unanswered",
                       source={"kind": "message", "message_id": int(s["message_id"]),
                               "conversation_id": int(s["conversation_id"])},
                       message_id=int(s["message_id"]), online=online) is not None
    return ran


def run_schedule(db: Database, tenant_id: int, workflow: dict[str, Any], now: dt.datetime,
                 online: Online | None = None) -> int:
    """Fire a `schedule` workflow once for each of its due minutes up to `now`."""
    with db.tenant(tenant_id) as conn:
        tz = _tenant_context(conn)["timezone"]
    ran = 0
    for due in schedule.due_minutes(str(workflow["trigger"]["cron"]), tz,
                                    workflow["since_at"], now):
        ran += execute(db, tenant_id, workflow, event_key=f"schedule:{due:%Y-%m-%dT%H:%MZ}",
                       trigger="schedule", source={"kind": "schedule", "due": due.isoformat()},
                       online=online) is not None
    return ran


def run_timed(db: Database, tenant_id: int, now: dt.datetime,
              online: Online | None = None) -> int:
    """The tenant's time-driven workflows (unanswered conversations, schedules) at `now`."""
    with db.tenant(tenant_id) as conn:
        flows = conn.execute(Q.enabled_workflows).fetchall()
    ran = 0
    for w in flows:
        kind = w["trigger"].get("type")
        if kind == "conversation.unanswered":
            ran += run_unanswered(db, tenant_id, w, now, online)
        elif kind == "schedule":
            ran += run_schedule(db, tenant_id, w, now, online)
    return ran


def recover(db: Database, tenant_id: int, online: Online | None = None) -> int:
    """Take over the tenant's runs whose engine died (claim older than STALE_AFTER by the
    database's clock)."""
    with db.tenant(tenant_id) as conn:
        stale = [int(r["id"]) for r in
                 conn.execute(Q.stale_executions, {"stale": STALE_AFTER}).fetchall()]
    ran = 0
    for execution_id in stale:
        started = time.monotonic()
        with db.tenant(tenant_id) as conn:
            run = conn.execute(Q.take_over, {"id": execution_id, "stale": STALE_AFTER}).fetchone()
            if run is None:
                continue  # another engine took it, or it finished after all
            workflow = conn.execute(Q.workflow_for_recovery, {"id": run["workflow_id"]}
                                    ).fetchone()
            source = dict(run["source"]) or {"kind": "message", "message_id": run["message_id"]}
            ctx, skipped = build_context(conn, source) if source.get("message_id") or \
                source.get("kind") != "message" else (None, None)
        log.warning("workflow execution %s taken over (attempt %s)", execution_id,
                    run["attempts"])
        done = list(run["results"])
        if workflow is None or ctx is None or run["attempts"] > MAX_ATTEMPTS:
            why = "its message or item is gone" if workflow is not None and ctx is None \
                else f"abandoned after {run['attempts'] - 1} attempts"
            _finish(db, tenant_id, execution_id, matched=bool(done), skipped=None,
                    results=done, error=f"taken over from a stopped engine: {why}",
                    duration_ms=0)
            ran += 1
            continue
        _run(db, tenant_id, workflow, execution_id, ctx, skipped, run["event_key"], started,
             done=done, online=online)
        ran += 1
    return ran


def run_pending(db: Database, now: dt.datetime | None = None,
                online: Online | None = None, *, timed: bool = True) -> int:
    """Run every tenant's workflows: new events until none is left, then (unless `timed` is
    False) the time-driven triggers at `now` (default: the current time) and runs left by dead
    engines."""
    now = now or dt.datetime.now(dt.UTC)
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in conn.execute(Q.tenants).fetchall()]
    total = 0
    for tenant_id in tenants:
        while True:
            with db.tenant(tenant_id) as conn:
                cur = conn.execute(Q.cursor).fetchone()
            before = cur["last_event_id"] if cur else None
            total += run_tenant(db, tenant_id, online=online)
            with db.tenant(tenant_id) as conn:
                cur = conn.execute(Q.cursor).fetchone()
            if cur is None or cur["last_event_id"] == before:
                break
        if timed:
            total += run_timed(db, tenant_id, now, online)
            total += recover(db, tenant_id, online)
    return total


def _would(workflow: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    matched = conditions.matches(workflow["conditions"], ctx)
    return {"matched": matched, "skipped": None,
            "actions": [{"index": i, "type": a["type"], "would": actions.describe(a, ctx)}
                        for i, a in enumerate(workflow["actions"])] if matched else []}


def _dry_items(conn: Conn, workflow: dict[str, Any], last: int) -> list[dict[str, Any]]:
    """An action item trigger: the last N items, as if each had just fired it."""
    out = []
    now = dt.datetime.now(dt.UTC).isoformat()
    for r in conn.execute(Q.last_action_items, {"limit": last}).fetchall():
        ctx, _ = build_context(conn, {"kind": "action_item", "action_item_id": r["id"],
                                      "at": now, "status_to": r["status"]})
        if ctx is None:
            continue
        ctx = {**ctx, "workflow_id": workflow.get("id"), "workflow_name": workflow["name"]}
        out.append({"message_id": ctx.get("id"), "action_item_id": r["id"],
                    "text": str(ctx["item_title"])[:200], **_would(workflow, ctx)})
    return out


def _dry_schedule(conn: Conn, workflow: dict[str, Any], last: int) -> list[dict[str, Any]]:
    """A schedule: its next due minutes (at most `last`, within a year)."""
    tz = _tenant_context(conn)["timezone"]
    now = dt.datetime.now(dt.UTC)
    out = []
    for due in schedule.next_due(str(workflow["trigger"]["cron"]), tz, now, min(last, 20)):
        ctx, _ = build_context(conn, {"kind": "schedule", "due": due.isoformat()})
        assert ctx is not None
        ctx = {**ctx, "workflow_id": workflow.get("id"), "workflow_name": workflow["name"]}
        out.append({"message_id": None, "due_at": due.isoformat(),
                    "text": f"due {due.astimezone(schedule.zone(tz)).isoformat()}",
                    **_would(workflow, ctx)})
    return out


def dry_run(db: Database, p: Principal, workflow_id: int | None, message_id: int | None,
            last: int, definition: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the workflow would do, reading only: on one message or the last N inbound ones
    (message and conversation triggers), the last N action items (item triggers), or the
    next due minutes (schedule). Without a workflow_id, runs `definition` (an unsaved,
    validated workflow: name, trigger, conditions, actions)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        conn.execute(Q.read_only)
        workflow = (workflows.get_row(conn, workflow_id) if workflow_id is not None
                    else dict(definition or {}))
        kind = workflow["trigger"].get("type")
        if kind == "schedule" and message_id is None:
            return {"workflow_id": workflow_id, "dry_run": True,
                    "data": _dry_schedule(conn, workflow, last)}
        if kind in ("action_item.created", "action_item.status_changed") and message_id is None:
            return {"workflow_id": workflow_id, "dry_run": True,
                    "data": _dry_items(conn, workflow, last)}
        if message_id is not None:
            ids = [message_id]
        else:
            ids = [int(r["id"]) for r in
                   conn.execute(Q.last_inbound_messages, {"limit": last}).fetchall()]
        out = []
        for mid in ids:
            ctx = context(conn, mid)
            if ctx is None:
                raise NotFound("No such message.", details={"message_id": mid})
            ctx = {**ctx, "workflow_id": workflow_id, "workflow_name": workflow["name"]}
            if ctx["from_me"]:
                out.append({"message_id": mid, "matched": False, "actions": [],
                            "skipped": "not an inbound message (loop guard for automation)"})
                continue
            if ctx["history"]:
                out.append({"message_id": mid, "text": ctx["text"][:200], "matched": False,
                            "actions": [], "skipped": "brought by history sync: workflows "
                                                      "never run on these"})
                continue
            out.append({"message_id": mid, "text": ctx["text"][:200], **_would(workflow, ctx)})
    return {"workflow_id": workflow_id, "dry_run": True, "data": out}
