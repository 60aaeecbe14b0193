"""GET /api/v1/conversations/:id/insights: the AI panel's data for one conversation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel

from webapp.analysis.insights import conversation_insights
from webapp.http.api import Call, endpoint
from webapp.http.context import db

bp = Blueprint("insights", __name__, url_prefix="/api/v1")


class SummaryInfo(BaseModel):
    """A stored conversation summary and who produced it."""

    id: int
    conversation_id: int
    provider_id: int | None
    provider_name: str | None
    provider_kind: str
    model: str
    prompt_version: str
    heuristic: bool
    usage_log_id: int | None
    since: str | None
    first_message_at: str | None
    last_message_at: str | None
    message_count: int
    summary: str
    key_points: list[str]
    action_items: list[dict[str, Any]]
    sentiment: str
    topics: list[str]
    created_at: str


class ScoreInfo(BaseModel):
    """A stored conversation score (0..100: how much attention it needs) and who produced it."""

    id: int
    conversation_id: int
    score: int
    urgency: str
    satisfaction: str
    reason: str
    provider_id: int | None
    provider_name: str | None
    provider_kind: str
    model: str
    prompt_version: str
    heuristic: bool
    usage_log_id: int | None
    message_count: int
    first_message_at: str | None
    last_message_at: str | None
    created_at: str


class Insights(BaseModel):
    """The latest summary and score of a conversation (null until one is made) and how many of
    its messages were analysed and judged important."""

    conversation_id: int
    summary: SummaryInfo | None
    score: ScoreInfo | None
    analysed: int
    important: int


@endpoint(bp, "/conversations/<int:conversation_id>/insights", permission="conversations.read",
          response=Insights)
def insights(call: Call[None, None], conversation_id: int) -> dict[str, Any]:
    """The AI panel of a conversation: latest summary and score, analysed/important counts."""
    who = call.who
    return conversation_insights(db(), who.tenant_id, who.user_id, conversation_id)
