"""Request and response models of the analysis endpoints (pydantic; Flask-free, shared with
services)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from webapp.analysis.schemas import Priority, Sentiment
from webapp.inputs import Id, RequestModel, given_requires, one_of_given, schema_rules
from webapp.llm.models import AwareDatetime
from webapp.llm.response_models import Attempt


class _Strict(RequestModel):
    """Unknown fields are refused (400 naming them)."""


class AnalyzeRequest(_Strict):
    """Analyse one message now."""

    message_id: Id


class BatchAnalyzeRequest(_Strict):
    """Queue analysis of messages by ids, by conversation, or since a time (exactly one).

    `since` must carry a time zone ("2026-11-25T09:02:00Z" or "+01:00"): a naive time is a 400,
    not silently read in the server's zone."""

    model_config = ConfigDict(json_schema_extra=one_of_given("message_ids", "conversation_id",
                                                             "since"))
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

    model_config = ConfigDict(json_schema_extra=schema_rules(
        one_of_given("message_ids", "conversation_id"),
        given_requires("since", "conversation_id")))
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


# -- responses ---------------------------------------------------------------------------------


class _Run(BaseModel):
    """Which provider produced a result, through which prompt, and its ledger row."""

    provider_id: int | None
    provider_kind: str
    model: str | None
    prompt_version: str
    heuristic: bool = Field(description="true when the local heuristic analyser produced it")
    usage_log_id: int | None


class AnalysisActionItem(BaseModel):
    """An action item proposed by an analysis."""

    id: int
    origin: str
    status: str
    due_date: dt.date | None
    description: str


class Analysis(_Run):
    """The stored analysis of a message (also the data of a `message.analyzed` event)."""

    id: int
    message_id: int
    conversation_id: int
    is_important: bool
    priority: Priority
    reason: str
    sentiment: Sentiment
    sentiment_score: float | None
    topics: list[str]
    language: str | None
    confidence: float | None
    action_items: list[AnalysisActionItem]
    created_at: dt.datetime


class AnalyzeResult(BaseModel):
    """The analysis and the provider attempts it took."""

    analysis: Analysis
    attempts: list[Attempt]


class JobQueued(BaseModel):
    """A queued analysis job (poll GET /analysis-jobs/{job_id})."""

    job_id: int
    status: Literal["queued", "running", "done"]
    total: int


class AnalysisSettings(BaseModel):
    """Whether new inbound messages are analysed automatically."""

    auto_analyze: bool
    updated_by: int | None
    updated_at: dt.datetime | None


class FailedItem(BaseModel):
    """A message the job could not analyse, with its error."""

    message_id: int
    status: Literal["failed", "dead"]
    attempts: int
    error: str | None
    updated_at: dt.datetime


class AnalysisJob(BaseModel):
    """A job's progress and its failed items."""

    id: int
    status: Literal["queued", "running", "done"]
    scope: dict[str, Any] = Field(description="the request that created the job")
    total: int
    queued: int
    running: int
    done: int
    failed: int
    failed_items: list[FailedItem]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class SummaryActionItem(BaseModel):
    """An action item named in a summary."""

    description: str
    due_date: dt.date | None
    source_message_id: int | None


class Summary(_Run):
    """A stored conversation summary (also the data of a `summary.created` event)."""

    id: int
    conversation_id: int
    since: dt.datetime | None
    first_message_at: dt.datetime | None
    last_message_at: dt.datetime | None
    message_count: int
    summary: str
    key_points: list[str]
    action_items: list[SummaryActionItem]
    sentiment: Sentiment | None
    topics: list[str]
    created_at: dt.datetime
    attempts: list[Attempt] = Field(default_factory=list)


class Score(_Run):
    """A stored conversation score."""

    id: int
    conversation_id: int
    score: int = Field(ge=0, le=100)
    urgency: str
    satisfaction: str
    reason: str
    message_count: int
    first_message_at: dt.datetime | None
    last_message_at: dt.datetime | None
    created_at: dt.datetime


class ScoreResult(Score):
    """A new score and the provider attempts it took."""

    attempts: list[Attempt]


class ExtractedItem(BaseModel):
    """A proposed action item (`new`: false when it had been proposed before)."""

    id: int
    conversation_id: int
    source_message_id: int | None
    description: str
    due_date: dt.date | None
    status: str
    origin: str
    created_at: dt.datetime
    new: bool


class ExtractionRun(_Run):
    """One extraction over one conversation's messages."""

    conversation_id: int
    message_count: int
    action_items: list[ExtractedItem]
    created: int
    attempts: list[Attempt]


class Extraction(BaseModel):
    """One run per conversation; `skipped`: message ids that could not be used."""

    data: list[ExtractionRun]
    created: int
    skipped: list[int]
