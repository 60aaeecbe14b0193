"""The workflow engine: runs the tenant's enabled workflows on new message events, exactly
once per (workflow, event), and dry runs.

A pass (`run_pending`) reads, per tenant with enabled workflows, the message events after the
tenant's watermark (workflow_cursors). For each event and each workflow whose trigger fits, it
claims the pair with INSERT ... ON CONFLICT DO NOTHING on workflow_executions' UNIQUE
(workflow_id, event_key): any number of engines (one per web process) can read the same events,
only the one whose insert landed runs the actions. Each action runs in its own transaction; a
failure is recorded and the others still run. The loop guard: a message sent by a workflow
(sent_by 'automation') never triggers workflows; the execution says it was skipped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import DomainError, NotFound
from webapp.security.principal import Principal
from webapp.workflows import actions, conditions
from webapp.workflows import service as workflows

log = logging.getLogger(__name__)
Q = load(__file__)
BATCH = 200
TRIGGER_OF_EVENT = {"message.created": "message.received", "message.analyzed": "message.analyzed"}


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
                ctx: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Run every action in order; each one's result, duration and error."""
    results: list[dict[str, Any]] = []
    failed = 0
    for i, action in enumerate(workflow["actions"]):
        started = time.monotonic()
        try:
            if p is None:
                raise DomainError("the workflow's author is no longer a member")
            outcome = {"ok": True, "result": actions.run(db, p, action, ctx), "error": None}
        except Exception as exc:  # one failing action must not stop the others
            failed += 1
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, DomainError):
                log.exception("workflow %s action %s failed", workflow["id"], i)
            outcome = {"ok": False, "result": None, "error": str(message)[:500]}
        results.append({"index": i, "type": action["type"], **outcome,
                        "duration_ms": int((time.monotonic() - started) * 1000)})
    error = f"{failed} of {len(results)} actions failed" if failed else None
    return results, error


def handle(db: Database, tenant_id: int, workflow: dict[str, Any], event: dict[str, Any]
           ) -> int | None:
    """Claim and run one (workflow, event); the execution id, or None when another engine
    has it or the event is not for workflows (an outbound message of a member)."""
    message_id = int(event["data"]["id"])
    trigger = TRIGGER_OF_EVENT[event["type"]]
    started = time.monotonic()
    with db.tenant(tenant_id) as conn:
        ctx = context(conn, message_id)
        if ctx is None or (ctx["from_me"] and ctx["sent_by"] != "automation"):
            return None
        claimed = conn.execute(Q.claim, {
            "workflow_id": workflow["id"], "event_key": f"event:{event['id']}",
            "event_id": event["id"], "trigger": trigger, "message_id": message_id,
        }).fetchone()
    if claimed is None:
        return None
    ctx = {**ctx, "workflow_id": workflow["id"], "workflow_name": workflow["name"],
           "event_key": f"event:{event['id']}"}
    results: list[dict[str, Any]] = []
    matched, skipped, error = False, None, None
    if ctx["from_me"]:
        skipped = "loop_guard: the message was sent by a workflow"
    else:
        try:
            matched = conditions.matches(workflow["conditions"], ctx)
        except Exception as exc:
            error = f"conditions failed: {exc}"[:500]
        if matched:
            results, error = run_actions(db, _principal(tenant_id, workflow), workflow, ctx)
    with db.tenant(tenant_id, events=True) as conn:
        row = conn.execute(Q.finish, {
            "id": claimed["id"], "matched": matched, "skipped": skipped,
            "results": Jsonb(results), "error": error,
            "duration_ms": int((time.monotonic() - started) * 1000)}).fetchone()
        assert row is not None
        conn.execute(Q.executed_event, {"data": Jsonb(workflows.execution_public(row))})
    return int(claimed["id"])


def run_tenant(db: Database, tenant_id: int, limit: int = BATCH) -> int:
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
        trigger = TRIGGER_OF_EVENT[event["type"]]
        for w in flows:
            if w["trigger"].get("type") == trigger and event["id"] > w["since_event_id"]:
                ran += handle(db, tenant_id, w, event) is not None
    if events:
        with db.tenant(tenant_id) as conn:
            conn.execute(Q.advance_cursor, {"last": events[-1]["id"]})
    return ran


def run_pending(db: Database) -> int:
    """Run every tenant's workflows on their new events until none is left."""
    with db.system() as conn:
        tenants = [int(r["tenant_id"]) for r in conn.execute(Q.tenants).fetchall()]
    total = 0
    for tenant_id in tenants:
        while True:
            with db.tenant(tenant_id) as conn:
                cur = conn.execute(Q.cursor).fetchone()
            before = cur["last_event_id"] if cur else None
            total += run_tenant(db, tenant_id)
            with db.tenant(tenant_id) as conn:
                cur = conn.execute(Q.cursor).fetchone()
            if cur is None or cur["last_event_id"] == before:
                break
    return total


def dry_run(db: Database, p: Principal, workflow_id: int | None, message_id: int | None,
            last: int, definition: dict[str, Any] | None = None) -> dict[str, Any]:
    """Which messages would match and what each action would do; reads only. Without a
    workflow_id, runs `definition` (an unsaved, validated workflow: name, conditions, actions)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        conn.execute(Q.read_only)
        workflow = (workflows.get_row(conn, workflow_id) if workflow_id is not None
                    else dict(definition or {}))
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
            matched = conditions.matches(workflow["conditions"], ctx)
            out.append({"message_id": mid, "text": ctx["text"][:200], "matched": matched,
                        "skipped": None,
                        "actions": [{"index": i, "type": a["type"],
                                     "would": actions.describe(a, ctx)}
                                    for i, a in enumerate(workflow["actions"])] if matched
                        else []})
    return {"workflow_id": workflow_id, "dry_run": True, "data": out}
