"""Workflows of a tenant: create, read, change, delete, and their executions (Flask-free)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound
from webapp.pagination import cursor_int, decode_cursor, encode_cursor
from webapp.security.principal import Principal, RequestMeta
from webapp.workflows import vocabulary

Q = load(__file__)
FIELDS = ("name", "enabled", "trigger", "conditions", "actions")


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A workflow as the API shows it."""
    return {"id": row["id"], "name": row["name"], "enabled": row["enabled"],
            "trigger": row["trigger"], "conditions": row["conditions"],
            "actions": row["actions"], "created_by": row["created_by"],
            "created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"]),
            "last_executed_at": _ts(row.get("last_executed_at"))}


def execution_public(row: dict[str, Any]) -> dict[str, Any]:
    """An execution as the API (and the workflow.executed event) shows it."""
    return {k: (_ts(v) if isinstance(v, dt.datetime) else v) for k, v in row.items()}


def get_row(conn: Conn, workflow_id: int) -> dict[str, Any]:
    """One of the tenant's workflows, or NotFound."""
    row = conn.execute(Q.get_workflow, {"id": workflow_id}).fetchone()
    if row is None:
        raise NotFound("No such workflow.", details={"id": workflow_id})
    return row


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in FIELDS}


def list_workflows(db: Database, p: Principal) -> list[dict[str, Any]]:
    """Every workflow of the tenant, newest first."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return [public(r) for r in conn.execute(Q.list_workflows).fetchall()]


def get(db: Database, p: Principal, workflow_id: int) -> dict[str, Any]:
    """One workflow."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return public(get_row(conn, workflow_id))


def _params(d: dict[str, Any]) -> dict[str, Any]:
    return {"name": d["name"], "enabled": d["enabled"], "trigger": Jsonb(d["trigger"]),
            "conditions": Jsonb(d["conditions"]), "actions": Jsonb(d["actions"])}


def checked_definition(data: dict[str, Any]) -> dict[str, Any]:
    """An unsaved definition validated like a create (for a dry run before saving)."""
    checked = vocabulary.validate(data.get("trigger"), data.get("conditions"),
                                  data.get("actions"))
    return {"name": data.get("name") or "Unsaved workflow", **checked}


def create(db: Database, p: Principal, data: dict[str, Any],
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """A new workflow (validated against the vocabulary)."""
    checked = vocabulary.validate(data.get("trigger"), data.get("conditions"),
                                  data.get("actions"))
    values = {"name": data["name"], "enabled": data.get("enabled", True), **checked}
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.insert_workflow, {**_params(values), "user_id": p.user_id}
                           ).fetchone()
        assert row is not None
        audit.record(conn, p.tenant_id, p.user_id, "workflows.create", meta,
                     target_type="workflow", target_id=row["id"], after=values)
        return public(get_row(conn, int(row["id"])))


def update(db: Database, p: Principal, workflow_id: int, changes: dict[str, Any],
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """Change fields of a workflow; the result is validated as a whole."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        before = conn.execute(Q.lock_workflow, {"id": workflow_id}).fetchone()
        if before is None:
            raise NotFound("No such workflow.", details={"id": workflow_id})
        merged = {**_shape(before), **changes}
        checked = vocabulary.validate(merged["trigger"], merged["conditions"],
                                      merged["actions"])
        after = {"name": merged["name"], "enabled": merged["enabled"], **checked}
        conn.execute(Q.update_workflow, {**_params(after), "id": workflow_id})
        audit.record(conn, p.tenant_id, p.user_id, "workflows.update", meta,
                     target_type="workflow", target_id=workflow_id,
                     before=_shape(before), after=after)
        return public(get_row(conn, workflow_id))


def delete(db: Database, p: Principal, workflow_id: int,
           meta: RequestMeta | None = None) -> None:
    """Delete a workflow and its executions."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        before = conn.execute(Q.lock_workflow, {"id": workflow_id}).fetchone()
        if before is None:
            raise NotFound("No such workflow.", details={"id": workflow_id})
        conn.execute(Q.delete_workflow, {"id": workflow_id})
        audit.record(conn, p.tenant_id, p.user_id, "workflows.delete", meta,
                     target_type="workflow", target_id=workflow_id, before=_shape(before))


def executions(db: Database, p: Principal, workflow_id: int, limit: int,
               cursor: str | None) -> dict[str, Any]:
    """A page of the workflow's executions, newest first."""
    after = decode_cursor(cursor, {"id"})
    before = cursor_int(after, "id") if after else None
    with db.tenant(p.tenant_id, p.user_id) as conn:
        get_row(conn, workflow_id)
        rows = conn.execute(Q.list_executions, {"workflow_id": workflow_id, "before": before,
                                                "limit": limit + 1}).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": [execution_public(r) for r in rows],
            "next_cursor": encode_cursor({"id": rows[-1]["id"]}) if more and rows else None}
