"""Conversation summaries: routed like every feature, stored with their proposed action items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb

from webapp.analysis.importance import announce_action_items
from webapp.analysis.prompts import build_summary_prompt
from webapp.analysis.rows import ConversationRef, MessageRow
from webapp.analysis.schemas import ConversationSummary, InputMessage
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound, Unprocessable
from webapp.llm.ledger import CallSpec
from webapp.llm.routing import LLMContext, Routed, route

Q = load(__file__)

MAX_MESSAGES = 300


def _inputs(rows: list[MessageRow]) -> list[InputMessage]:
    return [InputMessage.from_row(r) for r in reversed(rows)]


def find_conversation(conn: Conn, conversation_id: int) -> ConversationRef:
    """One conversation of the current tenant (id, title), or NotFound."""
    conv = fetch_one(conn, ConversationRef, Q.select_conversation, {"id": conversation_id})
    if conv is None:
        raise NotFound("No such conversation.", code="conversation_not_found")
    return conv


def latest_messages(conn: Conn, conversation_id: int, since: dt.datetime | None,
                    limit: int) -> list[MessageRow]:
    """The latest `limit` visible messages of a conversation (optionally since a time), as
    prompt-input rows, newest first."""
    return fetch_all(conn, MessageRow, Q.select_conversation_messages, {
        "conversation_id": conversation_id, "since": since, "limit": limit})


def _load(ctx: LLMContext, tenant_id: int, conversation_id: int,
          since: dt.datetime | None) -> tuple[str, list[InputMessage]]:
    with ctx.db.tenant(tenant_id) as conn:
        conv = find_conversation(conn, conversation_id)
        rows = latest_messages(conn, conversation_id, since, MAX_MESSAGES)
    return conv.title, _inputs(rows)


def _item(item: Any) -> dict[str, Any]:
    return {"description": item.description,
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "source_message_id": item.source_message_id}


def _store(ctx: LLMContext, tenant_id: int, user_id: int | None, routed: Routed,
           messages: list[InputMessage], since: dt.datetime | None) -> dict[str, Any]:
    summary = routed.parsed
    assert isinstance(summary, ConversationSummary)
    items = [_item(i) for i in summary.action_items]
    conversation_id = messages[0].conversation_id
    with ctx.db.tenant(tenant_id, user_id, events=True) as conn:
        row = conn.execute(Q.insert_summary, {
            "conversation_id": conversation_id, "usage_log_id": routed.usage_log_id,
            "provider_id": routed.provider_id, "provider_kind": routed.result.kind,
            "model": routed.result.model, "prompt_version": routed.prompt_version,
            "heuristic": routed.heuristic, "since": since,
            "first_message_at": messages[0].timestamp, "last_message_at": messages[-1].timestamp,
            "message_count": len(messages), "summary": summary.summary,
            "key_points": Jsonb(summary.key_points), "action_items": Jsonb(items),
            "sentiment": summary.sentiment, "topics": summary.topics[:20],
            "created_by": user_id,
        }).fetchone()
        assert row is not None
        new = conn.execute(Q.insert_summary_items, {
            "conversation_id": conversation_id, "message_ids": [m.id for m in messages],
            "items": Jsonb(items), "created_by": user_id, "usage_log_id": routed.usage_log_id,
        }).fetchall() if items else []
        conn.execute(Q.insert_summary_event, {"id": row["id"],
                                              "conversation_id": conversation_id})
        if new:
            announce_action_items(conn, [i["id"] for i in new])
    return row


def public_summary(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a stored summary."""
    keys = ("id", "conversation_id", "provider_id", "provider_kind", "model", "prompt_version",
            "heuristic", "usage_log_id", "since", "first_message_at", "last_message_at",
            "message_count", "summary", "key_points", "action_items", "sentiment", "topics",
            "created_at")
    return {k: row[k] for k in keys}


def summarize(ctx: LLMContext, tenant_id: int, user_id: int | None, conversation_id: int,
              since: dt.datetime | None = None) -> dict[str, Any]:
    """Summarise a conversation (its latest MAX_MESSAGES messages, optionally since a time)."""
    title, messages = _load(ctx, tenant_id, conversation_id, since)
    if not messages:
        raise Unprocessable("The conversation has no messages to summarise.",
                            code="nothing_to_summarize")
    prompt = build_summary_prompt(messages, title or None)
    spec = CallSpec("summarization", prompt.version, conversation_id=conversation_id,
                    message_count=len(messages))
    routed = route(ctx, tenant_id, prompt, ConversationSummary, spec)
    row = _store(ctx, tenant_id, user_id, routed, messages, since)
    return {**public_summary(row), "attempts": [a.public() for a in routed.attempts]}
