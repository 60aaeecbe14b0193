"""Request models of the analysis endpoints (pydantic; Flask-free, shared with services)."""

from __future__ import annotations

from pydantic import Field, model_validator

from webapp.inputs import Id, RequestModel
from webapp.llm.models import AwareDatetime


class _Strict(RequestModel):
    """Unknown fields are refused (400 naming them)."""


class AnalyzeRequest(_Strict):
    """Analyse one message now."""

    message_id: Id


class BatchAnalyzeRequest(_Strict):
    """Queue analysis of messages by ids, by conversation, or since a time (exactly one).

    `since` must carry a time zone ("2026-11-25T09:02:00Z" or "+01:00"): a naive time is a 400,
    not silently read in the server's zone."""

    message_ids: list[Id] | None = Field(None, min_length=1, max_length=5000)
    conversation_id: Id | None = None
    since: AwareDatetime | None = None
    reanalyze: bool = False

    @model_validator(mode="after")
    def _one_scope(self) -> BatchAnalyzeRequest:
        given = [x is not None for x in (self.message_ids, self.conversation_id, self.since)]
        if sum(given) != 1:
            raise ValueError("give exactly one of message_ids, conversation_id or since")
        return self


class SummarizeRequest(_Strict):
    """Summarise a conversation (optionally only the messages since a time)."""

    conversation_id: Id
    since: AwareDatetime | None = None  # with a time zone, like batch-analyze


class ExtractActionsRequest(_Strict):
    """Propose action items from messages by ids, or from a conversation (optionally since)."""

    message_ids: list[Id] | None = Field(None, min_length=1, max_length=500)
    conversation_id: Id | None = None
    since: AwareDatetime | None = None  # only with conversation_id

    @model_validator(mode="after")
    def _one_scope(self) -> ExtractActionsRequest:
        if (self.message_ids is None) == (self.conversation_id is None):
            raise ValueError("give exactly one of message_ids or conversation_id")
        if self.since is not None and self.conversation_id is None:
            raise ValueError("since is only allowed with conversation_id")
        return self
