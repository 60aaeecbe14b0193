"""Notification endpoints (/api/v1/notifications): my inbox, read state, a manager's message."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import Id, RequestModel
from webapp.notifications import service
from webapp.pagination import PageQuery

bp = Blueprint("notifications", __name__, url_prefix="/api/v1")

Role = Literal["viewer", "member", "manager", "admin", "owner"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=2000)]
Link = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500,
                                        pattern=r"^/[^/\\]")]


class Notification(BaseModel):
    """One notification of mine (also the data of a `notification.created` frame)."""

    id: int
    kind: str = Field(description="assignment, mention, important_message, due_date, budget, "
                                  "message")
    title: str
    body: str
    link: str | None = Field(description="a path in the dashboard, e.g. /app/action-items/7")
    actor_id: int | None
    actor_name: str | None
    read: bool
    read_at: str | None
    created_at: str


class NotificationList(BaseModel):
    """My notifications, unread first, then newest first; and how many are unread."""

    data: list[Notification]
    next_cursor: str | None
    unread_count: int


class NotificationQuery(PageQuery):
    """`unread=true`: only unread ones."""

    unread: bool = False


class ReadChange(RequestModel):
    """Read (true) or unread again (false)."""

    read: bool


class UnreadCount(BaseModel):
    """The bell's number."""

    unread_count: int


class ReadAll(BaseModel):
    """How many notifications were marked read."""

    updated: int


class NotificationSend(RequestModel):
    """A message to one member (`user_id`) or to every member of a `role` (one of them)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["user_id"], "properties": {"user_id": {"not": {"type": "null"}},
                                                 "role": {"type": "null"}}},
        {"required": ["role"], "properties": {"role": {"not": {"type": "null"}},
                                              "user_id": {"type": "null"}}}]})
    user_id: Id | None = None
    role: Role | None = None
    title: Title
    body: Body = ""
    link: Link | None = Field(None, description="a dashboard path starting with /")

    @model_validator(mode="after")
    def _one_target(self) -> NotificationSend:
        if (self.user_id is None) == (self.role is None):
            raise ValueError("give either user_id or role")
        return self


class Sent(BaseModel):
    """How many notifications were created."""

    created: int


@endpoint(bp, "/notifications", permission="notifications.read", query=NotificationQuery,
          response=NotificationList)
def list_notifications(call: Call[None, NotificationQuery]) -> dict[str, Any]:
    """My notifications: unread first, then newest first (`unread=true`: only unread)."""
    q = call.query
    return service.list_notifications(db(), call.who, unread=q.unread, limit=q.limit,
                                      cursor=q.cursor)


@endpoint(bp, "/notifications/unread-count", permission="notifications.read",
          response=UnreadCount)
def unread_count(call: Call[None, None]) -> dict[str, Any]:
    """How many of my notifications are unread (the bell)."""
    return {"unread_count": service.unread_count(db(), call.who)}


@endpoint(bp, "/notifications/<int:notification_id>", method="PATCH",
          permission="notifications.read", body=ReadChange, response=Notification)
def mark_read(call: Call[ReadChange, None], notification_id: int) -> dict[str, Any]:
    """Mark one of my notifications read or unread (anyone else's: 404)."""
    return service.mark_read(db(), call.who, notification_id, call.body.read)


@endpoint(bp, "/notifications/read-all", method="POST", permission="notifications.read",
          response=ReadAll)
def read_all(call: Call[None, None]) -> dict[str, Any]:
    """Mark all my notifications read."""
    return {"updated": service.read_all(db(), call.who)}


@endpoint(bp, "/notifications", method="POST", permission="notifications.send",
          body=NotificationSend, response=Sent, status=201)
def send_notification(call: Call[NotificationSend, None]) -> dict[str, Any]:
    """Send a notification to a member or to every member of a role (manager and up)."""
    b = call.body
    return {"created": service.send(db(), call.who, user_id=b.user_id, role=b.role,
                                    title=b.title, body=b.body, link=b.link, meta=call.meta)}
