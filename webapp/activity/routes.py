"""Team activity endpoint (/api/v1/team/activity), for managers and up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from pydantic import BaseModel, Field

from webapp.activity import service
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import Id, Instant
from webapp.pagination import PageQuery

bp = Blueprint("activity", __name__, url_prefix="/api/v1")


class ActivityQuery(PageQuery):
    """Filters (combined with AND)."""

    user_id: Id | None = None
    type: str | None = Field(None, pattern=r"^[a-z][a-z_]*(\.[a-z_]+)?$", max_length=50,
                             description="a type (`action_item.moved`) or a family "
                                         "(`action_item`, `comment`, `conversation`)")
    since: Instant | None = Field(None, description="RFC 3339; without offset: UTC")


class Activity(BaseModel):
    """One thing a member did."""

    id: int
    type: str = Field(description="login, logout, register, action_item.created|assigned|"
                                  "moved|deleted, comment.created, conversation.assigned|"
                                  "status_changed")
    user_id: int | None
    user_name: str | None
    details: dict[str, Any]
    created_at: str


class ActivityList(BaseModel):
    """A page of the team's activity, newest first."""

    data: list[Activity]
    next_cursor: str | None


@endpoint(bp, "/team/activity", permission="team.activity.read", query=ActivityQuery,
          response=ActivityList)
def list_activity(call: Call[None, ActivityQuery]) -> dict[str, Any]:
    """The team's activity, newest first (filters `user_id`, `type`, `since`)."""
    q = call.query
    since = q.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return service.list_activity(db(), call.who, user_id=q.user_id, type_=q.type, since=since,
                                 limit=q.limit, cursor=q.cursor)
