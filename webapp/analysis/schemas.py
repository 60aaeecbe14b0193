"""Validated inputs and outputs of the LLM features (pydantic v2).

Every provider, remote or the built-in `local` analyser, must produce exactly these models; a
reply that fails validation is an invalid output and counts as a failed attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from webapp.analysis.rows import MessageRow

Priority = Literal["urgent", "high", "medium", "low"]
Sentiment = Literal["positive", "neutral", "negative"]
Satisfaction = Literal["satisfied", "neutral", "dissatisfied"]

FEATURES: tuple[str, ...] = (
    "importance_detection",
    "action_extraction",
    "summarization",
    "daily_summary",
    "conversation_scoring",
)
HEALTH_CHECK_FEATURE = "health_check"
# Features that may appear in the usage ledger: the routed ones plus provider health checks.
LEDGER_FEATURES: tuple[str, ...] = (*FEATURES, HEALTH_CHECK_FEATURE)

PRIORITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "urgent": 3}


class _Output(BaseModel):
    """Base of every model output: extra keys a model adds are ignored, not fatal."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class InputMessage(BaseModel):
    """One message handed to a feature (what goes into the prompt's data block)."""

    model_config = ConfigDict(frozen=True)

    id: int
    sender: str = ""
    timestamp: datetime
    text: str = ""
    from_me: bool = False
    conversation_id: int | None = None

    @classmethod
    def from_row(cls, row: MessageRow) -> InputMessage:
        """From a message row (id, sender, sent_at, text, from_me, conversation_id)."""
        return cls(id=row.id, sender="Team" if row.from_me else row.sender or "",
                   timestamp=row.sent_at, text=row.text or "", from_me=row.from_me,
                   conversation_id=row.conversation_id)


class ActionItem(_Output):
    """A proposed follow-up; `due_date` is resolved against the message timestamp."""

    description: str = Field(min_length=1, max_length=500)
    due_date: date | None = None
    source_message_id: int | None = None

    @field_validator("due_date", mode="before")
    @classmethod
    def _date_part(cls, value: Any) -> Any:
        # Models often answer "2026-11-27T10:00:00"; the date is what we keep.
        if isinstance(value, str) and len(value) > 10 and value[4:5] == "-":
            return value[:10]
        if isinstance(value, str) and not value.strip():
            return None
        return value


class MessageAnalysis(_Output):
    """The per-message result of importance detection."""

    message_id: int
    is_important: bool
    priority: Priority
    reason: str = Field(max_length=1000)
    sentiment: Sentiment
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    topics: list[str] = Field(default_factory=list, max_length=20)
    language: str = Field(pattern=r"^[a-z]{2}$")
    action_items: list[ActionItem] = Field(default_factory=list, max_length=20)
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("language", mode="before")
    @classmethod
    def _lower_language(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("priority", "sentiment", mode="before")
    @classmethod
    def _lower_label(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class ImportanceBatch(_Output):
    """One importance-detection reply: one result per message id of the batch."""

    results: list[MessageAnalysis]


class ConversationSummary(_Output):
    """Summary of one conversation."""

    summary: str = Field(min_length=1)
    key_points: list[str] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    sentiment: Sentiment
    topics: list[str] = Field(default_factory=list)


class DailyStats(_Output):
    """Counts for a tenant's day (the caller usually fills these from the database)."""

    messages: int = Field(default=0, ge=0)
    conversations: int = Field(default=0, ge=0)
    important: int = Field(default=0, ge=0)
    action_items: int = Field(default=0, ge=0)


class DailySummary(_Output):
    """Summary of a tenant's day across conversations."""

    summary: str = Field(min_length=1)
    highlights: list[str] = Field(default_factory=list)
    open_issues: list[str] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    stats: DailyStats | None = None


class ActionExtraction(_Output):
    """Action items proposed from a set of messages."""

    action_items: list[ActionItem] = Field(default_factory=list)


class ConversationScore(_Output):
    """How much attention a conversation needs (0 = none, 100 = drop everything)."""

    score: int = Field(ge=0, le=100)
    urgency: Priority
    satisfaction: Satisfaction
    reason: str = Field(max_length=1000)


class HealthCheckReply(_Output):
    """The tiny reply a provider health check (or test call) asks for."""

    ok: bool


FEATURE_SCHEMAS: dict[str, type[BaseModel]] = {
    "importance_detection": ImportanceBatch,
    "action_extraction": ActionExtraction,
    "summarization": ConversationSummary,
    "daily_summary": DailySummary,
    "conversation_scoring": ConversationScore,
}


def feature_for_schema(model: type[BaseModel]) -> str:
    """Return the feature whose output model is `model` (KeyError when none)."""
    if model is HealthCheckReply:
        return HEALTH_CHECK_FEATURE
    for feature, schema in FEATURE_SCHEMAS.items():
        if schema is model:
            return feature
    raise KeyError(model.__name__)


def match_results(
    batch: ImportanceBatch, expected_ids: Iterable[int]
) -> tuple[dict[int, MessageAnalysis], list[int]]:
    """Map a batch reply back to the asked ids; return (found by id, missing ids in order).

    Ids the model invented are dropped; for a duplicated id the first result wins.
    """
    wanted = list(dict.fromkeys(expected_ids))
    wanted_set = set(wanted)
    found: dict[int, MessageAnalysis] = {}
    for result in batch.results:
        if result.message_id in wanted_set and result.message_id not in found:
            found[result.message_id] = result
    return found, [i for i in wanted if i not in found]
