"""Importance detection: batched prompts, results mapped back by message id, stored with effects.

Many messages share one prompt (the system prompt is paid once per batch, not per message). A
reply missing some ids retries just those; whatever is still missing after MISSING_ROUNDS goes
to the built-in local analyser, so every message ends up analysed. Only schema-valid results are
stored: each analysis records its provider, model, prompt version and ledger row; important
ones become `important_messages`; proposed action items keep their source message; each stored
analysis emits a `message.analyzed` event.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg.types.json import Jsonb

from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.rows import MessageRef, MessageRow
from webapp.analysis.schemas import ImportanceBatch, InputMessage, MessageAnalysis, match_results
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import NotFound, Unprocessable
from webapp.llm.ledger import CallSpec
from webapp.llm.routing import Attempt, LLMContext, Routed, route, run_local
from webapp.notifications.service import notify

Q = load(__file__)

BATCH_SIZE = 20
MISSING_ROUNDS = 2  # retries of the ids a reply left out, before the local analyser takes them


@dataclass
class Outcome:
    """What analysing a set of messages did."""

    analysis_ids: dict[int, int] = field(default_factory=dict)  # message id -> analysis id
    attempts: list[Attempt] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # revoked or not found


def input_rows(conn: Conn, ids: Sequence[int]) -> list[MessageRow]:
    """The prompt-input rows of the given messages (revoked ones excluded), oldest first."""
    return fetch_all(conn, MessageRow, Q.select_inputs, {"ids": list(ids)})


def announce_action_items(conn: Conn, ids: Sequence[int]) -> None:
    """Realtime: one action_item.created event per new action item (caller's transaction)."""
    conn.execute(Q.insert_action_item_events, {"ids": list(ids)})


def load_inputs(db: Database, tenant_id: int, ids: Sequence[int]) -> list[InputMessage]:
    """The prompt inputs of the given messages (visible, not revoked), oldest first."""
    with db.tenant(tenant_id) as conn:
        rows = input_rows(conn, ids)
    return [InputMessage.from_row(r) for r in rows]


def chunks(items: Sequence[InputMessage], size: int) -> Iterator[list[InputMessage]]:
    """Consecutive batches of at most `size` messages."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _spec(batch: Sequence[InputMessage], version: str) -> CallSpec:
    conversations = {m.conversation_id for m in batch}
    return CallSpec(
        feature="importance_detection", prompt_version=version,
        conversation_id=next(iter(conversations)) if len(conversations) == 1 else None,
        message_id=batch[0].id if len(batch) == 1 else None, message_count=len(batch),
    )


def _rows(found: dict[int, MessageAnalysis]) -> tuple[list[dict[str, Any]], list[Any]]:
    rows, items = [], []
    for message_id, a in sorted(found.items()):  # one lock order for concurrent upserts
        rows.append({"message_id": message_id, "is_important": a.is_important,
                     "priority": a.priority, "reason": a.reason, "sentiment": a.sentiment,
                     "sentiment_score": a.sentiment_score, "topics": a.topics[:20],
                     "language": a.language, "confidence": a.confidence})
        items += [{"message_id": message_id, "description": i.description,
                   "due_date": i.due_date.isoformat() if i.due_date else None}
                  for i in a.action_items]
    return rows, items


def _notify_assignees(conn: Conn, tenant_id: int, analysis_ids: list[int]) -> None:
    """An important message in a conversation assigned to someone notifies them, once."""
    for row in conn.execute(Q.select_important_for_assignees, {"ids": analysis_ids}).fetchall():
        notify(conn, tenant_id=tenant_id, user_ids=[row["assignee_id"]],
               kind="important_message",
               title=f"Important ({row['priority']}) in {row['title']}", body=row["reason"],
               link=f"/app/conversations/{row['conversation_id']}?message={row['message_id']}",
               dedupe_key=f"important_message:{row['message_id']}")


def store(db: Database, tenant_id: int, routed: Routed,
          found: dict[int, MessageAnalysis]) -> dict[int, int]:
    """Store valid analyses with their effects in one transaction; message id -> analysis id."""
    if not found:
        return {}
    rows, items = _rows(found)
    result = routed.result
    with db.tenant(tenant_id, events=True) as conn:
        stored = conn.execute(Q.upsert_analyses, {
            "usage_log_id": routed.usage_log_id, "provider_id": routed.provider_id,
            "provider_kind": result.kind, "model": result.model,
            "prompt_version": routed.prompt_version, "heuristic": routed.heuristic,
            "rows": Jsonb(rows),
        }).fetchall()
        ids = [r["id"] for r in stored]
        conn.execute(Q.upsert_important, {"ids": ids})
        _notify_assignees(conn, tenant_id, ids)
        conn.execute(Q.clear_unimportant, {"ids": ids})
        new_items = conn.execute(Q.insert_proposed_items, {"ids": ids, "items": Jsonb(items)}
                                 ).fetchall() if items else []
        conn.execute(Q.insert_analyzed_events, {"ids": ids})
        if new_items:
            conn.execute(Q.insert_action_item_events, {"ids": [i["id"] for i in new_items]})
    return {r["message_id"]: r["id"] for r in stored}


def analyze_batch(ctx: LLMContext, tenant_id: int, batch: list[InputMessage],
                  outcome: Outcome) -> None:
    """Analyse one batch (one prompt), retrying only the ids a reply left out."""
    pending = batch
    for round_ in range(MISSING_ROUNDS + 2):
        prompt = build_importance_prompt(pending)
        spec = _spec(pending, prompt.version)
        if round_ <= MISSING_ROUNDS:
            routed = route(ctx, tenant_id, prompt, ImportanceBatch, spec)
        else:  # still missing after the retries: the local analyser answers for every id
            attempt, result = run_local(ctx, tenant_id, prompt, ImportanceBatch, spec)
            assert result.parsed is not None
            routed = Routed(result.parsed, result, None, attempt.provider_name, prompt.version,
                            int(attempt.usage_log_id or 0), [attempt])
        assert isinstance(routed.parsed, ImportanceBatch)
        outcome.attempts += routed.attempts
        found, missing = match_results(routed.parsed, [m.id for m in pending])
        outcome.analysis_ids.update(store(ctx.db, tenant_id, routed, found))
        if not missing:
            return
        left = set(missing)
        pending = [m for m in pending if m.id in left]


def analyze_messages(ctx: LLMContext, tenant_id: int, message_ids: Sequence[int], *,
                     batch_size: int = BATCH_SIZE) -> Outcome:
    """Analyse messages in batches; revoked or unknown ids are reported as skipped."""
    outcome = Outcome()
    inputs = load_inputs(ctx.db, tenant_id, message_ids)
    seen = {m.id for m in inputs}
    outcome.skipped = [i for i in dict.fromkeys(message_ids) if i not in seen]
    for batch in chunks(inputs, batch_size):
        analyze_batch(ctx, tenant_id, batch, outcome)
    return outcome


def public_analysis(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a stored analysis."""
    return {
        "id": row["id"], "message_id": row["message_id"],
        "conversation_id": row["conversation_id"], "provider_id": row["provider_id"],
        "provider_kind": row["provider_kind"], "model": row["model"],
        "prompt_version": row["prompt_version"], "heuristic": row["heuristic"],
        "usage_log_id": row["usage_log_id"], "is_important": row["is_important"],
        "priority": row["priority"], "reason": row["reason"], "sentiment": row["sentiment"],
        "sentiment_score": round(float(row["sentiment_score"]), 4),
        "topics": row["topics"], "language": row["language"],
        "confidence": round(float(row["confidence"]), 4),
        "action_items": row["action_items"], "created_at": row["created_at"],
    }


def stored_analyses(db: Database, tenant_id: int, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The stored analyses of the given messages."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(Q.select_analyses, {"ids": list(ids)}).fetchall()
    return [public_analysis(r) for r in rows]


def analyze_one(ctx: LLMContext, tenant_id: int, message_id: int) -> dict[str, Any]:
    """Analyse one message now; returns the stored analysis and the attempts it took."""
    with ctx.db.tenant(tenant_id) as conn:
        ref = fetch_one(conn, MessageRef, Q.select_message_ref, {"id": message_id})
    if ref is None:
        raise NotFound("No such message.", code="message_not_found")
    if ref.revoked_at is not None:
        raise Unprocessable("The message was deleted by its sender.", code="message_revoked")
    outcome = analyze_messages(ctx, tenant_id, [message_id])
    analyses = stored_analyses(ctx.db, tenant_id, [message_id])
    return {"analysis": analyses[0] if analyses else None,
            "attempts": [a.public() for a in outcome.attempts]}


def message_analysis(db: Database, tenant_id: int, message_id: int) -> dict[str, Any]:
    """The stored analysis of one message, or NotFound."""
    found = stored_analyses(db, tenant_id, [message_id])
    if not found:
        raise NotFound("This message has not been analysed.", code="analysis_not_found")
    return found[0]
