"""The conversation and the message as the API shows them: the JSON the SQL serializers build
(mf_conversation_json, mf_message_json), read by psycopg as dicts and handed on unchanged to
the routes, the labels, media and workflow services and the realtime frames.

They are TypedDicts, not dataclasses: the value is the response body itself, so nothing is
converted on the way out, and mypy still checks every key a caller reads. Times are RFC 3339
strings (mf_ts). The response models in webapp/messaging/schemas.py describe the same shapes
for the OpenAPI document; tests/webapp/messaging/test_rows.py checks these, those and the
serializers' keys against each other.

No `from __future__ import annotations` here: with it, Python 3.11 cannot see `Required` in
a TypedDict at runtime (`__required_keys__`), and the annotations are all defined above use.
"""

from typing import Literal, Required, TypedDict

ConversationStatus = Literal["open", "pending", "resolved", "snoozed"]
ConversationPriority = Literal["urgent", "high", "normal", "low"]
MessageStatus = Literal["received", "queued", "sending", "sent", "delivered", "read", "failed"]
MediaType = Literal["image", "video", "audio", "document", "sticker"]


class LabelJson(TypedDict):
    """A label on a conversation or a message."""

    id: int
    name: str
    color: str


class SentByJson(TypedDict):
    """Who sent a from-me message (mf_sent_by_json): a member ("agent"), an automation or the
    paired phone."""

    kind: Literal["agent", "automation", "phone"]
    user_id: int | None
    name: str


class LastMessageJson(TypedDict):
    """The preview of a conversation's latest message (mf_conversation_refs)."""

    id: int
    from_me: bool
    sender_name: str | None
    sent_by: SentByJson | None
    timestamp: str
    preview: str | None


class ConversationJson(TypedDict):
    """A conversation (mf_conversation_json)."""

    id: int
    device_id: int
    chat_jid: str
    is_group: bool
    contact_id: int | None
    title: str
    status: ConversationStatus
    assignee_id: int | None
    priority: ConversationPriority
    snoozed_until: str | None
    unread_count: int
    last_message_at: str | None
    last_message: LastMessageJson | None
    labels: list[LabelJson]
    has_picture: bool
    created_at: str
    updated_at: str


class MediaJson(TypedDict, total=False):
    """A message's media as stored in messages.media and shown in its JSON: the metadata
    (`records.Media.public`, or an upload's), never WhatsApp's keys, and the download state
    (`ready`, `downloading`, `unavailable` with its `reason`)."""

    type: Required[MediaType]
    mime: str
    caption: str
    size: int
    filename: str
    seconds: int
    voice: bool
    state: str
    reason: str


class ReactionJson(TypedDict):
    """One person's current reaction."""

    emoji: str
    sender_jid: str


class MessageAnalysisJson(TypedDict):
    """The analysis's verdict on a message (mf_message_analysis)."""

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


class MessageJson(TypedDict):
    """A message (mf_message_json); text and media are null once it is revoked."""

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
    media: MediaJson | None
    quoted_wa_id: str | None
    quoted_message_id: int | None
    forwarded: bool
    status: MessageStatus
    edited_at: str | None
    revoked_at: str | None
    delivered_at: str | None
    read_at: str | None
    reactions: list[ReactionJson]
    sent_by: SentByJson | None
    labels: list[LabelJson]
    analysis: MessageAnalysisJson | None
