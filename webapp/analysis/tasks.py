"""Conversation scoring and action extraction: routed like every feature, stored, with events.

Both go through `route()` — the feature's providers in order, the tenant default, then the
built-in local analyser — so limits, budgets, the breaker and the ledger apply to them exactly
as to importance detection. Scores are kept per run (the latest is the conversation's current
score). Extracted items are proposed action items with origin 'extraction'; each keeps its
source message when the model named one of the prompt's messages (an invented id is dropped to
NULL), and the ledger row of the call that proposed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from webapp.analysis.importance import announce_action_items, input_rows
from webapp.analysis.prompts import build_action_prompt, build_scoring_prompt
from webapp.analysis.rows import MessageRef, MessageRow
from webapp.analysis.schemas import ActionExtraction, ConversationScore, InputMessage
from webapp.analysis.summaries import find_conversation, latest_messages
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import NotFound, Unprocessable, ValidationFailed
from webapp.llm.ledger import CallSpec
from webapp.llm.routing import LLMContext, Routed, route

Q = load(__file__)

MAX_MESSAGES = 300  # the latest messages of a conversation that go into one prompt
MAX_CONVERSATIONS = 20  # one routed call each: a synchronous request stays bounded


def _inputs(rows: Sequence[MessageRow]) -> list[InputMessage]:
    return [InputMessage.from_row(r) for r in rows]


def conversation_messages(ctx: LLMContext, tenant_id: int, conversation_id: int,
                          since: dt.datetime | None = None) -> list[InputMessage]:
    """The latest MAX_MESSAGES visible messages of a conversation, oldest first (404 if none)."""
    with ctx.db.tenant(tenant_id) as conn:
        find_conversation(conn, conversation_id)
        rows = latest_messages(conn, conversation_id, since, MAX_MESSAGES)
    return _inputs(list(reversed(rows)))


def _provenance(routed: Routed) -> dict[str, Any]:
    return {"usage_log_id": routed.usage_log_id, "provider_id": routed.provider_id,
            "provider_kind": routed.result.kind, "model": routed.result.model,
            "prompt_version": routed.prompt_version, "heuristic": routed.heuristic}


# -- conversation scoring --------------------------------------------------------------------
SCORE_KEYS = ("id", "conversation_id", "score", "urgency", "satisfaction", "reason",
              "provider_id", "provider_kind", "model", "prompt_version", "heuristic",
              "usage_log_id", "message_count", "first_message_at", "last_message_at",
              "created_at")


def public_score(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a stored conversation score."""
    return {k: row[k] for k in SCORE_KEYS}


def score_conversation(ctx: LLMContext, tenant_id: int, user_id: int | None,
                       conversation_id: int) -> dict[str, Any]:
    """Score how much attention a conversation needs (0..100); store and return the score."""
    messages = conversation_messages(ctx, tenant_id, conversation_id)
    if not messages:
        raise Unprocessable("The conversation has no messages to score.",
                            code="nothing_to_score")
    prompt = build_scoring_prompt(messages)
    spec = CallSpec("conversation_scoring", prompt.version, conversation_id=conversation_id,
                    message_count=len(messages))
    routed = route(ctx, tenant_id, prompt, ConversationScore, spec)
    score = routed.parsed
    assert isinstance(score, ConversationScore)
    with ctx.db.tenant(tenant_id, user_id, events=True) as conn:
        row = conn.execute(Q.insert_conversation_score, {
            **_provenance(routed), "conversation_id": conversation_id,
            "message_count": len(messages), "first_message_at": messages[0].timestamp,
            "last_message_at": messages[-1].timestamp, "score": score.score,
            "urgency": score.urgency, "satisfaction": score.satisfaction,
            "reason": score.reason, "created_by": user_id,
        }).fetchone()
        assert row is not None
        conn.execute(Q.insert_scored_event, {"id": row["id"], "conversation_id": conversation_id,
                                             "score": score.score})
    return {**public_score(row), "attempts": [a.public() for a in routed.attempts]}


def latest_score(ctx: LLMContext, tenant_id: int, conversation_id: int) -> dict[str, Any]:
    """A conversation's current (latest) score, or NotFound."""
    with ctx.db.tenant(tenant_id) as conn:
        find_conversation(conn, conversation_id)
        row = conn.execute(Q.latest_conversation_score,
                           {"conversation_id": conversation_id}).fetchone()
    if row is None:
        raise NotFound("This conversation has not been scored.", code="score_not_found")
    return public_score(row)


# -- action extraction -----------------------------------------------------------------------
def _items(parsed: ActionExtraction, message_ids: set[int]) -> list[dict[str, Any]]:
    """The reply's items, their source kept only when it is one of the prompt's messages."""
    out: dict[tuple[int | None, str], dict[str, Any]] = {}
    for item in parsed.action_items:
        source = item.source_message_id if item.source_message_id in message_ids else None
        out.setdefault((source, item.description.lower()), {
            "description": item.description, "source_message_id": source,
            "due_date": item.due_date.isoformat() if item.due_date else None})
    return list(out.values())


def _extract_one(ctx: LLMContext, tenant_id: int, user_id: int | None, conversation_id: int,
                 messages: list[InputMessage]) -> dict[str, Any]:
    """One routed extraction over messages of one conversation; its items stored."""
    prompt = build_action_prompt(messages)
    spec = CallSpec("action_extraction", prompt.version, conversation_id=conversation_id,
                    message_id=messages[0].id if len(messages) == 1 else None,
                    message_count=len(messages))
    routed = route(ctx, tenant_id, prompt, ActionExtraction, spec)
    assert isinstance(routed.parsed, ActionExtraction)
    items = _items(routed.parsed, {m.id for m in messages})
    new: list[int] = []
    rows: list[dict[str, Any]] = []
    if items:
        with ctx.db.tenant(tenant_id, user_id, events=True) as conn:
            new = [r["id"] for r in conn.execute(Q.insert_extracted_items, {
                "conversation_id": conversation_id, "items": Jsonb(items),
                "created_by": user_id, "usage_log_id": routed.usage_log_id}).fetchall()]
            if new:
                announce_action_items(conn, new)
            rows = conn.execute(Q.select_extracted_items, {
                "conversation_id": conversation_id, "items": Jsonb(items)}).fetchall()
    fresh = set(new)
    return {"conversation_id": conversation_id, "message_count": len(messages),
            **_provenance(routed),
            "action_items": [{**r, "new": r["id"] in fresh} for r in rows],
            "created": len(new), "attempts": [a.public() for a in routed.attempts]}


def _by_ids(ctx: LLMContext, tenant_id: int, ids: Sequence[int]
            ) -> tuple[dict[int, list[InputMessage]], list[int]]:
    """The visible messages of `ids` grouped by conversation, and the revoked ones (404 if an
    id is not the tenant's)."""
    wanted = list(dict.fromkeys(ids))
    with ctx.db.tenant(tenant_id) as conn:
        refs = fetch_all(conn, MessageRef, Q.task_message_refs, {"ids": wanted})
        rows = input_rows(conn, wanted)
    found = {r.id for r in refs}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound("No such message.", code="message_not_found",
                       details={"message_ids": missing})
    groups: dict[int, list[InputMessage]] = {}
    for m in _inputs(rows):
        assert m.conversation_id is not None
        groups.setdefault(m.conversation_id, []).append(m)
    if len(groups) > MAX_CONVERSATIONS:
        raise ValidationFailed(
            f"The messages span {len(groups)} conversations; give at most "
            f"{MAX_CONVERSATIONS} per request (one model call each).",
            details={"fields": {"message_ids": f"at most {MAX_CONVERSATIONS} conversations"}})
    return groups, [r.id for r in refs if r.revoked_at is not None]


def extract_actions(ctx: LLMContext, tenant_id: int, user_id: int | None, *,
                    message_ids: Sequence[int] | None = None,
                    conversation_id: int | None = None,
                    since: dt.datetime | None = None) -> dict[str, Any]:
    """Propose action items from messages (one routed call per conversation and chunk)."""
    skipped: list[int] = []
    if conversation_id is not None:
        groups = {conversation_id: conversation_messages(ctx, tenant_id, conversation_id, since)}
    else:
        groups, skipped = _by_ids(ctx, tenant_id, message_ids or [])
    if not any(groups.values()):
        raise Unprocessable("There are no messages to extract action items from.",
                            code="nothing_to_extract", details={"skipped": skipped})
    runs = []
    for cid, messages in groups.items():
        for start in range(0, len(messages), MAX_MESSAGES):
            runs.append(_extract_one(ctx, tenant_id, user_id, cid,
                                     messages[start:start + MAX_MESSAGES]))
    return {"data": runs, "created": sum(r["created"] for r in runs), "skipped": skipped}
