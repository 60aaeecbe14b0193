"""Response models of the messaging API, for the OpenAPI document. The rows themselves are
built by the SQL serializers (mf_conversation_json, mf_message_json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Label(BaseModel):
    """A label on a conversation."""

    id: int
    name: str
    color: str


class SentBy(BaseModel):
    """Who sent a from-me message: a member from the dashboard ("agent", with their id and the
    name they had then), an automation, or the paired phone itself."""

    kind: Literal["agent", "automation", "phone"]
    user_id: int | None
    name: str


class LastMessage(BaseModel):
    """The preview of a conversation's latest message (text, caption or media type)."""

    id: int
    from_me: bool
    sender_name: str | None
    sent_by: SentBy | None
    timestamp: str
    preview: str | None


class MessageAnalysis(BaseModel):
    """The analysis's verdict on a message (the built-in analyser or a model's)."""

    priority: Literal["urgent", "high", "medium", "low"]
    important: bool
    sentiment: Literal["positive", "neutral", "negative"]
    language: str
    reason: str
    topics: list[str]
    confidence: float
    provider_kind: str
    model: str
    heuristic: bool
    analysed_at: str


class Conversation(BaseModel):
    """A conversation row (mf_conversation_json)."""

    id: int
    device_id: int
    chat_jid: str
    is_group: bool
    contact_id: int | None
    title: str
    status: Literal["open", "pending", "resolved", "snoozed"]
    assignee_id: int | None
    priority: Literal["urgent", "high", "normal", "low"]
    snoozed_until: str | None
    unread_count: int
    last_message_at: str | None
    last_message: LastMessage | None
    labels: list[Label]
    has_picture: bool = Field(description="The contact has a profile picture "
                                          "(GET /contacts/{contact_id}/avatar).")
    created_at: str
    updated_at: str


class ConversationList(BaseModel):
    """A page of conversations."""

    data: list[Conversation]
    next_cursor: str | None


class Reaction(BaseModel):
    """One person's current reaction."""

    emoji: str
    sender_jid: str


class Message(BaseModel):
    """A message (mf_message_json); text and media are null once revoked."""

    id: int
    conversation_id: int
    device_id: int
    wa_message_id: str
    sender_jid: str
    sender_contact_id: int | None
    sender_name: str | None
    from_me: bool
    timestamp: str
    text: str | None
    media: dict[str, Any] | None
    quoted_wa_id: str | None
    quoted_message_id: int | None
    forwarded: bool
    status: Literal["received", "queued", "sending", "sent", "delivered", "read", "failed"]
    edited_at: str | None
    revoked_at: str | None
    delivered_at: str | None
    read_at: str | None
    reactions: list[Reaction]
    sent_by: SentBy | None
    labels: list[Label]
    analysis: MessageAnalysis | None


class MessageList(BaseModel):
    """A page of messages."""

    data: list[Message]
    next_cursor: str | None


class SearchHit(Message):
    """A matching message with its conversation's title and its rank (higher is better)."""

    conversation_title: str
    rank: float


class SearchResults(BaseModel):
    """A page of search hits."""

    data: list[SearchHit]
    next_cursor: str | None
