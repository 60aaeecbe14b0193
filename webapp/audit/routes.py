"""Audit log endpoints (admin+)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.audit import service
from webapp.audit.models import AuditPage, AuditQuery, AuditRecorded, ClientAuditEntry
from webapp.http.api import Call, endpoint
from webapp.http.context import db

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


@endpoint(bp, "/audit-logs", permission="audit.read", query=AuditQuery, response=AuditPage)
def list_audit_logs(call: Call[None, AuditQuery]) -> dict[str, Any]:
    """The tenant's audit log, newest first (filters: actor, action, since, until)."""
    q = call.query
    p = call.who
    return service.list_logs(db(), p.tenant_id, p.user_id, limit=q.limit, cursor=q.cursor,
                             actor=q.actor, action=q.action, since=q.since, until=q.until)


@endpoint(bp, "/audit-logs", method="POST", permission="audit.write", body=ClientAuditEntry,
          response=AuditRecorded, status=201)
def create_audit_log(call: Call[ClientAuditEntry, None]) -> dict[str, Any]:
    """Record a client-side audit entry; stored as `client.<action>`."""
    b = call.body
    return service.record_client_entry(
        db(), call.who, b.action, call.meta, target_type=b.target_type,
        target_id=b.target_id, details=b.details,
    )
