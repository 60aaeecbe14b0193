"""Conversations, messages, search and sending endpoints (/api/v1)."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response
from pydantic import ConfigDict, Field, field_validator, model_validator

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import NON_BLANK, Id, IdOrZero, Instant, RequestModel, not_nullable
from webapp.messaging import conversations, search, sending
from webapp.messaging.rows import ConversationJson, MessageJson
from webapp.messaging.schemas import (
    Conversation,
    ConversationList,
    Message,
    MessageList,
    SearchResults,
)
from webapp.pagination import PageQuery

bp = Blueprint("messaging", __name__, url_prefix="/api/v1")


def json_page(page: conversations.JsonPage) -> Response:
    """A list response whose rows are already JSON (built by the SQL serializers)."""
    return Response(page.body(), mimetype="application/json")

Status = Literal["open", "pending", "resolved", "snoozed"]
Priority = Literal["urgent", "high", "normal", "low"]


class ConversationQuery(PageQuery):
    """Filters of the conversation list (all optional, combined with AND)."""

    status: Status | None = None
    assignee: str | None = Field(None, pattern=r"^(me|none|[0-9]{1,18})$",
                                 description='a user id, "me" or "none" (unassigned)')
    label: str | None = Field(None, min_length=1, max_length=50,
                              description="a label name (or id)")
    unread: bool | None = Field(None, description="true: only conversations with unread "
                                                  "messages")
    device: Id | None = None
    q: str | None = Field(None, max_length=200,
                          description="title, contact name or JID contains it, or a message "
                                      "matches it (full-text)")


class MessagesQuery(PageQuery):
    """Newest first by WhatsApp time with `cursor`; `after_id` returns the messages stored
    after it, in arrival order."""

    after_id: IdOrZero | None = None


class SearchQuery(PageQuery):
    """`q` in websearch syntax ("quoted phrase", or, -not)."""

    q: str = Field(min_length=1, max_length=500, pattern=NON_BLANK,
                   description="not only spaces")


class ConversationChange(RequestModel):
    """Fields to change; absent fields stay; `assignee_id: null` unassigns and
    `snoozed_until: null` clears the snooze."""

    model_config = ConfigDict(json_schema_extra=not_nullable("status", "priority", extra={
        "minProperties": 1,
        "if": {"required": ["snoozed_until"],
               "properties": {"snoozed_until": {"not": {"type": "null"}}}},
        "then": {"properties": {"status": {"const": "snoozed"}}}}))
    status: Status | None = None
    assignee_id: Id | None = None
    priority: Priority | None = None
    snoozed_until: Instant | None = None

    @field_validator("status", "priority", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for given values: absent means unchanged, an explicit null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class ReplyRequest(RequestModel):
    """A reply in a conversation: text, or an uploaded file (`media_id` from POST /media) with
    `text` as its optional caption; optionally quoting one of the conversation's messages."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"conversation_id": 12, "text": "The invoice is on its way.", "quoted_message_id": 345}],
        "anyOf": [
            {"required": ["text"], "properties": {"text": {"not": {"type": "null"}}}},
            {"required": ["media_id"], "properties": {"media_id": {"not": {"type": "null"}}}}]})

    conversation_id: Id
    text: str | None = Field(None, min_length=1, max_length=4096)
    quoted_message_id: Id | None = None
    media_id: Id | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise ValueError("must not be blank")
        return text

    @model_validator(mode="after")
    def _needs_content(self) -> ReplyRequest:
        if self.text is None and self.media_id is None:
            raise ValueError("send text, a media_id, or both")
        return self


class ForwardRequest(RequestModel):
    """Forward one of the tenant's messages to one of its conversations."""

    message_id: Id
    conversation_id: Id


@endpoint(bp, "/conversations", permission="conversations.read", query=ConversationQuery,
          response=ConversationList, reuse_transaction=True)
def list_conversations(call: Call[None, ConversationQuery]) -> Response:
    """Conversations, newest activity first; filters: status, assignee, label, unread, q."""
    q = call.query
    filters = conversations.ConversationFilters(status=q.status, assignee=q.assignee,
                                                label=q.label, unread=q.unread, device=q.device,
                                                q=q.q)
    return json_page(conversations.list_conversations(db(), call.who, filters, limit=q.limit,
                                                      cursor=q.cursor))


@endpoint(bp, "/conversations/<int:conversation_id>", permission="conversations.read",
          response=Conversation, reuse_transaction=True)
def get_conversation(call: Call[None, None], conversation_id: int) -> ConversationJson:
    """One conversation."""
    return conversations.get_conversation(db(), call.who, conversation_id)


@endpoint(bp, "/conversations/<int:conversation_id>", method="PATCH",
          permission="conversations.update", body=ConversationChange, response=Conversation,
          errors={404: "No such conversation, or the assignee is not a member of the team."},
          reuse_transaction=True)
def update_conversation(call: Call[ConversationChange, None],
                        conversation_id: int) -> ConversationJson:
    """Change status, assignee (a member of the team), priority or snooze time.

    Send at least one of `status`, `assignee_id`, `priority`, `snoozed_until` (an empty body
    is a 400). `snoozed_until` must be in the future and goes with status `snoozed`: given
    alone it snoozes the conversation (or moves its wake-up time), given with another status
    it is a 400. Status `snoozed` without `snoozed_until` snoozes until the next inbound
    message; `snoozed_until: null` clears the time the same way. Any other status clears the
    snooze time. A time without an offset is read as UTC.
    """
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return conversations.update_conversation(db(), call.who, conversation_id, changes)


@endpoint(bp, "/conversations/<int:conversation_id>/read", method="POST",
          permission="conversations.read", response=Conversation, reuse_transaction=True)
def mark_read(call: Call[None, None], conversation_id: int) -> ConversationJson:
    """Mark the conversation read (unread count back to zero)."""
    return conversations.mark_read(db(), call.who, conversation_id)


@endpoint(bp, "/conversations/<int:conversation_id>/messages", permission="conversations.read",
          query=MessagesQuery, response=MessageList, reuse_transaction=True)
def list_messages(call: Call[None, MessagesQuery], conversation_id: int) -> Response:
    """Messages newest first by WhatsApp timestamp (then id), not by arrival: history sync
    and offline delivery bring older messages after newer ones. `after_id=N` gives the
    messages stored after message N, in arrival order (catch-up after a reconnect)."""
    q = call.query
    return json_page(conversations.list_messages(db(), call.who, conversation_id, limit=q.limit,
                                                 cursor=q.cursor, after_id=q.after_id))


@endpoint(bp, "/messages/search", permission="conversations.read", query=SearchQuery,
          response=SearchResults, reuse_transaction=True)
def search_messages(call: Call[None, SearchQuery]) -> Response:
    """Full-text search over the team's messages, best match first."""
    q = call.query
    return json_page(search.search_messages(db(), call.who, q.q, limit=q.limit,
                                            cursor=q.cursor))


@endpoint(bp, "/messages/reply", method="POST", permission="messages.send", body=ReplyRequest,
          response=Message, status=202,
          errors={404: "No such conversation or quoted message.",
                  409: "The conversation's number cannot send now."})
def reply(call: Call[ReplyRequest, None]) -> MessageJson:
    """Queue a reply; the gateway sends it (state queued -> sending -> sent/failed).

    The message's `wa_message_id` in this 202 response is provisional: when the send succeeds
    the message adopts the id WhatsApp assigned (a `message.updated` event carries it), so keep
    the message's `id`, not its `wa_message_id`, to follow it.
    """
    b = call.body
    return sending.reply(db(), call.who, b.conversation_id, b.text, b.quoted_message_id,
                         media_id=b.media_id)


@endpoint(bp, "/messages/forward", method="POST", permission="messages.send",
          body=ForwardRequest, response=Message, status=202,
          errors={404: "No such message or conversation.",
                  409: "The message was deleted for everyone, or the number cannot send."})
def forward(call: Call[ForwardRequest, None]) -> MessageJson:
    """Queue a forward of a message to another conversation of the team.

    As with replies, the `wa_message_id` in this 202 response is provisional: when the send
    succeeds the message adopts the id WhatsApp assigned (a `message.updated` event carries it),
    so keep the message's `id`, not its `wa_message_id`, to follow it.
    """
    b = call.body
    return sending.forward(db(), call.who, b.message_id, b.conversation_id)
