"""Endpoints of the conversation_scoring and action_extraction features (routed, stored)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.http.api import Call, endpoint
from webapp.llm import tasks
from webapp.llm.models import ExtractActionsRequest
from webapp.llm.routes import ctx

bp = Blueprint("llm_tasks", __name__, url_prefix="/api/v1")

RUN, READ = "analysis.run", "conversations.read"


@endpoint(bp, "/conversations/<int:conversation_id>/score", method="POST", permission=RUN,
          status=201)
def score_conversation(call: Call[None, None], conversation_id: int) -> dict[str, Any]:
    """Score how much attention a conversation needs (0-100, urgency, satisfaction, reason).

    Routed through the conversation_scoring feature's providers; the score is stored and
    returned with the attempts it took."""
    return tasks.score_conversation(ctx(), call.who.tenant_id, call.who.user_id,
                                    conversation_id)


@endpoint(bp, "/conversations/<int:conversation_id>/score", permission=READ)
def conversation_score(call: Call[None, None], conversation_id: int) -> dict[str, Any]:
    """A conversation's current (latest) stored score."""
    return tasks.latest_score(ctx(), call.who.tenant_id, conversation_id)


@endpoint(bp, "/messages/extract-actions", method="POST", permission=RUN,
          body=ExtractActionsRequest)
def extract_actions(call: Call[ExtractActionsRequest, None]) -> dict[str, Any]:
    """Propose action items from messages (`message_ids`) or a conversation (`conversation_id`,
    optional `since`) through the action_extraction feature's providers.

    Items are stored as proposed action items with origin `extraction`, each keeping its
    source message; an item already proposed for the same message is returned, not repeated."""
    b = call.body
    return tasks.extract_actions(ctx(), call.who.tenant_id, call.who.user_id,
                                 message_ids=b.message_ids, conversation_id=b.conversation_id,
                                 since=b.since)
