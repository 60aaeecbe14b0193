"""Rows of the analysis features that cross their modules, read with `webapp.db.rows`.

Field names are the queries' column names (webapp/analysis/sql/*.sql).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as a prompt takes it: sender (name, else JID) and text (else caption, else
    `[media type]`); every feature reads its messages in this shape."""

    id: int
    conversation_id: int
    from_me: bool
    sent_at: dt.datetime
    sender: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """An analysis queue item a drain claimed (mf_claim_analysis_items), leased to it."""

    id: int
    tenant_id: int
    job_id: int
    message_id: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Enqueued:
    """New messages queued into one tenant's automatic job (mf_enqueue_new_messages)."""

    tenant_id: int
    job_id: int
    queued: int


@dataclass(frozen=True, slots=True)
class DrainUsage:
    """Calls, failed and unpriced calls, tokens and cost of the ledger rows a drain wrote."""

    calls: int
    failed_calls: int
    unpriced_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class ItemFate:
    """Where a failed item went: back to the queue (`queued`) or given up (`dead`)."""

    id: int
    status: str


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """A conversation of the tenant, as the features name it in prompts."""

    id: int
    title: str


@dataclass(frozen=True, slots=True)
class DayConversation:
    """A conversation with (not revoked) messages in a tenant's day."""

    conversation_id: int
    title: str
    messages: int


@dataclass(frozen=True, slots=True)
class DayStats:
    """The counts of a tenant's day (the digest's prompt shows them in this order)."""

    messages: int
    inbound: int
    outbound: int
    conversations: int
    important: int
    action_items: int


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Calls, tokens and cost of a set of ledger rows (what a run reports)."""

    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Whether a message is the tenant's, its conversation, and whether it was revoked."""

    id: int
    conversation_id: int
    revoked_at: dt.datetime | None
