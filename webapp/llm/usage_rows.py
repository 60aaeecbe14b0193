"""Rows read from the usage ledger (`llm_usage_logs`) and the spend counters: one attempt, and
the aggregates the statistics and the recommendations share (webapp/llm/sql/stats.sql).

Field names are the queries' column names; the rows that become API objects field by field
(UsageLog, CostBreakdownRow) declare them in the query's column order, which the JSON keeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class UsageLog:
    """One `llm_usage_logs` row (one attempt) with its provider's name, as the ledger lists it."""

    id: int
    provider_id: int | None
    provider_name: str
    provider_kind: str
    model: str
    feature: str
    conversation_id: int | None
    message_id: int | None
    message_count: int
    prompt_version: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced: bool
    latency_ms: Decimal
    status: str
    error_class: str | None
    error_message: str | None
    valid_output: bool
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One UTC day of calls: outcomes, tokens, cost (None: no priced call) and latency."""

    day: dt.date
    requests: int
    ok: int
    failed: int
    messages: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced_requests: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None


@dataclass(frozen=True, slots=True)
class Spend:
    """Spend and calls since a time (month to date)."""

    cost_usd: Decimal
    requests: int
    unpriced_requests: int


@dataclass(frozen=True, slots=True)
class CostBreakdownRow:
    """Usage and cost of one day x provider x feature x model."""

    day: dt.date
    provider_id: int | None
    provider_name: str
    provider_kind: str
    feature: str
    model: str
    requests: int
    ok: int
    messages: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced_requests: int


@dataclass(frozen=True, slots=True)
class CallStats:
    """The calls of one provider (None: the built-in local analyser) over a range: outcomes,
    tokens, cost and latency."""

    provider_id: int | None
    provider_name: str
    provider_kind: str
    model: str
    requests: int
    ok: int
    valid: int
    messages: int
    valid_messages: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced_requests: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None


@dataclass(frozen=True, slots=True)
class FeatureCallStats(CallStats):
    """The calls of one provider for one feature over a range."""

    feature: str


@dataclass(frozen=True, slots=True)
class MonthSpend:
    """This UTC month's counters of one provider (what its budget is enforced on)."""

    provider_id: int
    spent_usd: Decimal
    held_usd: Decimal
    requests: int


@dataclass(frozen=True, slots=True)
class MonthCalls:
    """This UTC month's calls of one provider (None: local) and how many were unpriced."""

    provider_id: int | None
    requests: int
    unpriced_requests: int
