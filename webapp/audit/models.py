"""Request and response models of the audit log endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from webapp.inputs import Id, Instant, RequestModel
from webapp.pagination import PageQuery


class AuditQuery(PageQuery):
    """Filters for the audit log."""

    actor: Id | None = None
    action: str | None = Field(None, max_length=100)
    since: Instant | None = None
    until: Instant | None = None


class ClientAuditEntry(RequestModel):
    """An audit entry recorded by a client (for example an export it performed)."""

    action: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=100)
    target_type: str | None = Field(None, max_length=50)
    target_id: str | None = Field(None, max_length=100)
    details: dict[str, Any] = Field(default_factory=dict)


class AuditEntry(BaseModel):
    """Who did what to what, and whether it was allowed."""

    id: int
    actor_user_id: int | None
    actor_email: str | None
    action: str
    outcome: str = Field(description="allowed or denied")
    target_type: str | None
    target_id: str | None
    before: Any = Field(description="the target before the change (JSON), if recorded")
    after: Any = Field(description="the target after the change (JSON), if recorded")
    details: Any
    ip: str | None
    user_agent: str | None
    created_at: dt.datetime


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    data: list[AuditEntry]
    next_cursor: str | None


class AuditRecorded(BaseModel):
    """The recorded entry's id and stored action (`client.<action>`)."""

    id: int
    action: str
