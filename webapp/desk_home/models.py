"""Request and response models of the desk home API (important messages, the day digest, the
dashboard). Responses are built by SQL serializers (mf_important_message_json,
mf_daily_summary_json) and the dashboard's queries; these models describe them for OpenAPI."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from webapp.inputs import Day, Id, Instant, Int, RequestModel, not_nullable

Status = Literal["open", "acknowledged", "dismissed"]
Priority = Literal["urgent", "high", "medium", "low"]


class ImportantQuery(RequestModel):
    """Filters and page of the important messages list."""

    status: Status | None = None
    priority: Priority | None = None
    since: Instant | None = Field(None, description="flagged at or after this instant")
    conversation_id: Id | None = None
    assignee: Literal["me"] | None = Field(None, description="me: conversations assigned to me")
    limit: Int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=512)


class ImportantChange(RequestModel):
    """A new status and/or priority; absent fields stay (neither can be null)."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "status", "priority", extra={"minProperties": 1}))

    status: Status | None = None
    priority: Priority | None = None

    @field_validator("status", "priority", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> ImportantChange:
        if not self.model_fields_set:
            raise ValueError("give status and/or priority")
        return self


class Person(BaseModel):
    """A member, by id and name."""

    id: int
    name: str


class FlaggedBy(BaseModel):
    """The call that flagged the message."""

    provider_id: int | None
    provider_name: str | None
    kind: str
    model: str
    heuristic: bool
    model_priority: Priority
    analysed_at: str


class ImportantMessageText(BaseModel):
    """The flagged message."""

    id: int
    from_me: bool
    timestamp: str
    sender_name: str
    sender_jid: str
    text: str | None


class ImportantConversation(BaseModel):
    """The conversation of the flagged message."""

    id: int
    title: str
    status: str
    assignee_id: int | None


class ImportantMessage(BaseModel):
    """An important message (mf_important_message_json; also the important_message.updated
    frame)."""

    id: int
    status: Status
    priority: Priority
    reason: str
    message_id: int
    conversation_id: int
    message: ImportantMessageText | None
    conversation: ImportantConversation | None
    flagged_by: FlaggedBy | None
    status_changed_by: Person | None
    status_changed_at: str | None
    priority_changed_by: Person | None
    priority_changed_at: str | None
    created_at: str
    updated_at: str


class ImportantList(BaseModel):
    """A page of important messages, newest first."""

    data: list[ImportantMessage]
    next_cursor: str | None


class DailySummaryQuery(RequestModel):
    """The day (default: yesterday in the team's time zone); retry=true starts a new generation
    after a failed one."""

    date: Day | None = Field(None, description="YYYY-MM-DD, a day that has ended")
    retry: bool = False

    @field_validator("date", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        # pydantic's lax mode would read "2026-11-20T00:00:00" as that day.
        if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError("must be a date written YYYY-MM-DD")
        return value


class DailySummaryListQuery(RequestModel):
    """Page of the list of days, newest first."""

    limit: Int = Field(30, ge=1, le=200)
    cursor: str | None = Field(None, max_length=512)


class GeneratedBy(BaseModel):
    """The provider and model that wrote the digest."""

    provider_id: int | None
    provider_name: str | None
    kind: str
    model: str
    prompt_version: str
    heuristic: bool


class DailySummary(BaseModel):
    """A day's digest (status ready: mf_daily_summary_json, also the daily_summary.created
    frame) or its state: pending (202, generating: job_id), failed (error: the reason), empty
    (no messages that day), missing (not generated and the caller may not start it)."""

    status: Literal["ready", "pending", "failed", "empty", "missing"]
    day: str
    job_id: int | None = None
    error: str | None = None
    id: int | None = None
    timezone: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    summary: str | None = None
    highlights: list[Any] | None = None
    open_issues: list[Any] | None = None
    suggested_actions: list[Any] | None = None
    counts: dict[str, int] | None = None
    generated_by: GeneratedBy | None = None
    created_at: str | None = None
    top_important: list[ImportantMessage] | None = None
    action_items: dict[str, Any] | None = None
    conversations: list[dict[str, Any]] | None = None


class DaySummaryEntry(BaseModel):
    """One day of the list: its digest's headline numbers or its generation state."""

    day: str
    status: Literal["ready", "pending", "failed"]
    summary_id: int | None
    job_id: int | None
    error: str | None
    messages: int | None
    important: int | None
    provider_kind: str | None
    model: str | None
    created_at: str


class DaySummaryList(BaseModel):
    """Days with a digest or a generation, newest first."""

    data: list[DaySummaryEntry]
    next_cursor: str | None


class DashboardQuery(RequestModel):
    """The counters' window: today (since local midnight), 7d or 30d (local days, today
    included)."""

    window: Literal["today", "7d", "30d"] = "today"


class Dashboard(BaseModel):
    """The home counters of a window and the current state of the desk."""

    window: Literal["today", "7d", "30d"]
    timezone: str
    window_start: str
    window_end: str
    messages: dict[str, int]
    conversations: dict[str, int]
    important: dict[str, int]
    action_items: dict[str, Any]
    first_response: dict[str, Any]
    llm: dict[str, Any] | None
    devices: list[dict[str, Any]]
