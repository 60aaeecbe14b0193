"""Daily summaries: a tenant's day digest and the per-conversation summaries of that day.

Writes `daily_summaries` (grain: tenant x local day; key (tenant_id, day)) and
`conversation_summaries` rows marked with `day` (grain: tenant x conversation x day). Every
summary goes through the LLM routing layer (feature routes, limits, budgets, breaker, ledger),
the per-conversation ones on a bounded thread pool. The model calls run outside any transaction;
the day's rows are then replaced in one tenant transaction (advisory lock, delete, insert), so a
re-run replaces that day's rows and never duplicates them. Action items a summary proposes stay
in its `action_items` JSON (they are not put on the kanban, which a re-run would repeat).
The Dagster asset (`pipelines/summaries.py`) and the API call the same `summarize_tenant_day`.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from webapp.analysis.prompts import build_daily_summary_prompt, build_summary_prompt
from webapp.analysis.rows import DayConversation, DayStats, MessageRow, UsageTotals
from webapp.analysis.schemas import ConversationSummary, DailySummary, InputMessage
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.llm.ledger import CallSpec
from webapp.llm.routing import LLMContext, Routed, route
from webapp.tenants.days import TenantDay

Q = load(__file__)
log = logging.getLogger(__name__)

MAX_CONVERSATION_MESSAGES = 300  # as webapp.analysis.summaries: the latest messages of the day
MAX_DIGEST_MESSAGES = 200


@dataclass
class TenantOutcome:
    """What one tenant's day produced."""

    tenant_id: int
    conversations: int = 0
    failures: int = 0
    digest_id: int | None = None
    usage_ids: list[int] = field(default_factory=list)


def _inputs(rows: list[MessageRow]) -> list[InputMessage]:
    """Prompt inputs in chronological order (rows come newest first)."""
    ordered = sorted(rows, key=lambda r: (r.sent_at, r.id))
    return [InputMessage.from_row(r) for r in ordered]


def _usage_ids(routed: Routed) -> list[int]:
    return [a.usage_log_id for a in routed.attempts if a.usage_log_id]


def _origin(routed: Routed) -> dict[str, Any]:
    return {"usage_log_id": routed.usage_log_id or None, "provider_id": routed.provider_id,
            "provider_kind": routed.result.kind, "model": routed.result.model,
            "prompt_version": routed.prompt_version, "heuristic": routed.heuristic}


def summarize_conversation_day(ctx: LLMContext, day: TenantDay, conversation: DayConversation
                               ) -> tuple[dict[str, Any] | None, list[int]]:
    """Summarise one conversation's messages of the day; (row to insert or None, ledger ids)."""
    params = {"conversation_id": conversation.conversation_id, "start": day.start,
              "end": day.end, "limit": MAX_CONVERSATION_MESSAGES}
    with ctx.db.tenant(day.tenant_id) as conn:
        messages = _inputs(fetch_all(conn, MessageRow, Q.select_conversation_day_messages,
                                     params))
    if not messages:  # revoked since the day's conversations were listed
        return None, []
    prompt = build_summary_prompt(messages, conversation.title or None)
    spec = CallSpec("summarization", prompt.version,
                    conversation_id=conversation.conversation_id, message_count=len(messages))
    routed = route(ctx, day.tenant_id, prompt, ConversationSummary, spec)
    summary = routed.parsed
    assert isinstance(summary, ConversationSummary)
    items = [i.model_dump(mode="json") for i in summary.action_items]
    row = {**_origin(routed), "conversation_id": conversation.conversation_id,
           "since": day.start, "first_message_at": messages[0].timestamp,
           "last_message_at": messages[-1].timestamp, "message_count": len(messages),
           "summary": summary.summary, "key_points": Jsonb(summary.key_points),
           "action_items": Jsonb(items), "sentiment": summary.sentiment,
           "topics": summary.topics[:20], "day": day.day}
    return row, _usage_ids(routed)


def _digest(ctx: LLMContext, day: TenantDay, stats: DayStats) -> Routed:
    """The daily_summary feature over the day's most telling messages."""
    with ctx.db.tenant(day.tenant_id) as conn:
        rows = fetch_all(conn, MessageRow, Q.select_digest_messages, {
            "start": day.start, "end": day.end, "limit": MAX_DIGEST_MESSAGES})
    messages = _inputs(rows)
    prompt = build_daily_summary_prompt(messages, day.day, dataclasses.asdict(stats))
    spec = CallSpec("daily_summary", prompt.version, message_count=len(messages))
    return route(ctx, day.tenant_id, prompt, DailySummary, spec)


def _summarize_all(ctx: LLMContext, day: TenantDay, conversations: list[DayConversation],
                   max_workers: int, outcome: TenantOutcome) -> list[dict[str, Any]]:
    """Summarise the conversations on a bounded pool; failures are counted, not fatal."""
    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, max_workers),
                            thread_name_prefix="daily-summary") as pool:
        futures = [pool.submit(summarize_conversation_day, ctx, day, c) for c in conversations]
        for conversation, future in zip(conversations, futures, strict=True):
            try:
                row, usage = future.result()
            except Exception:  # one conversation must not sink the tenant's day
                log.exception("summary of conversation %s (tenant %s, %s) failed",
                              conversation.conversation_id, day.tenant_id, day.day)
                outcome.failures += 1
                continue
            if row is not None:
                rows.append(row)
            outcome.usage_ids.extend(usage)
    return rows


def _digest_row(day: TenantDay, stats: DayStats, routed: Routed,
                summaries: int) -> dict[str, Any]:
    digest = routed.parsed
    assert isinstance(digest, DailySummary)
    return {**_origin(routed), "messages": stats.messages, "inbound": stats.inbound,
            "outbound": stats.outbound, "conversations": stats.conversations,
            "important": stats.important,
            "day": day.day, "timezone": day.timezone, "start": day.start, "end": day.end,
            "summary": digest.summary, "highlights": Jsonb(digest.highlights),
            "open_issues": Jsonb(digest.open_issues),
            "action_items": Jsonb([i.model_dump(mode="json") for i in digest.action_items]),
            "conversation_summaries": summaries}


def _replace_day(ctx: LLMContext, day: TenantDay, rows: list[dict[str, Any]],
                 digest: dict[str, Any] | None) -> int | None:
    """Replace the day's rows in one transaction; returns the digest id."""
    with ctx.db.tenant(day.tenant_id, events=True) as conn:
        conn.execute(Q.lock_summary_day, {"day": day.day})
        conn.execute(Q.delete_day_conversation_summaries, {"day": day.day})
        conn.execute(Q.delete_daily_summary, {"day": day.day})
        if rows:
            conn.cursor().executemany(Q.insert_day_conversation_summary, rows)
        if digest is None:
            return None
        found = conn.execute(Q.insert_daily_summary, digest).fetchone()
        assert found is not None
        conn.execute(Q.insert_daily_summary_event, {"id": found["id"], "day": day.day})
        return int(found["id"])


def summarize_tenant_day(ctx: LLMContext, day: TenantDay, max_workers: int = 8) -> TenantOutcome:
    """Write one tenant's digest and conversation summaries of its local day (idempotent)."""
    outcome = TenantOutcome(day.tenant_id)
    with ctx.db.tenant(day.tenant_id) as conn:
        window_params = {"start": day.start, "end": day.end}
        conversations = fetch_all(conn, DayConversation, Q.select_day_conversations,
                                  window_params)
        stats = fetch_one(conn, DayStats, Q.select_summary_day_stats, window_params)
    assert stats is not None  # an aggregate without GROUP BY: always one row
    rows = _summarize_all(ctx, day, conversations, max_workers, outcome)
    outcome.conversations = len(rows)
    digest = None
    if conversations:
        routed = _digest(ctx, day, stats)
        outcome.usage_ids.extend(_usage_ids(routed))
        digest = _digest_row(day, stats, routed, len(rows))
    outcome.digest_id = _replace_day(ctx, day, rows, digest)
    return outcome


def usage_totals(ctx: LLMContext, outcomes: list[TenantOutcome]) -> UsageTotals:
    """Calls, tokens and cost of the ledger rows the outcomes' calls wrote (every tenant)."""
    totals = UsageTotals(calls=0, input_tokens=0, output_tokens=0, cost_usd=Decimal(0))
    for outcome in outcomes:
        if not outcome.usage_ids:
            continue
        with ctx.db.tenant(outcome.tenant_id) as conn:
            row = fetch_one(conn, UsageTotals, Q.select_summary_usage_totals,
                            {"ids": outcome.usage_ids})
        assert row is not None
        totals = UsageTotals(calls=totals.calls + row.calls,
                             input_tokens=totals.input_tokens + row.input_tokens,
                             output_tokens=totals.output_tokens + row.output_tokens,
                             cost_usd=totals.cost_usd + row.cost_usd)
    return totals
