"""Output models validate what a model may send, and batch results map back by id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from webapp.analysis.schemas import (
    FEATURE_SCHEMAS,
    FEATURES,
    LEDGER_FEATURES,
    ActionItem,
    ConversationScore,
    HealthCheckReply,
    ImportanceBatch,
    MessageAnalysis,
    feature_for_schema,
    match_results,
)


def analysis(**overrides: Any) -> dict[str, Any]:
    """A valid MessageAnalysis payload with `overrides` applied."""
    base: dict[str, Any] = {
        "message_id": 1,
        "is_important": True,
        "priority": "high",
        "reason": "r",
        "sentiment": "negative",
        "sentiment_score": -0.4,
        "topics": ["billing"],
        "language": "pt",
        "action_items": [{"description": "send invoice", "due_date": "2026-11-26"}],
        "confidence": 0.8,
    }
    return base | overrides


def test_features_and_schemas() -> None:
    assert FEATURES == (
        "importance_detection",
        "action_extraction",
        "summarization",
        "daily_summary",
        "conversation_scoring",
    )
    assert LEDGER_FEATURES[-1] == "health_check"
    assert set(FEATURE_SCHEMAS) == set(FEATURES)
    assert feature_for_schema(ImportanceBatch) == "importance_detection"
    assert feature_for_schema(HealthCheckReply) == "health_check"


def test_message_analysis_accepts_model_quirks() -> None:
    parsed = MessageAnalysis.model_validate(
        analysis(
            priority="HIGH",
            language="PT",
            extra_field="ignored",
            action_items=[{"description": "x", "due_date": "2026-11-26T10:00:00Z"}],
        )
    )
    assert parsed.priority == "high" and parsed.language == "pt"
    assert parsed.action_items[0].due_date == date(2026, 11, 26)
    assert ActionItem.model_validate({"description": "x", "due_date": ""}).due_date is None


@pytest.mark.parametrize(
    "bad",
    [
        {"priority": "whenever"},
        {"sentiment": "meh"},
        {"sentiment_score": 1.5},
        {"confidence": -0.1},
        {"language": "portuguese"},
        {"message_id": "abc"},
        {"action_items": [{"description": ""}]},
    ],
)
def test_message_analysis_rejects_out_of_range(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MessageAnalysis.model_validate(analysis(**bad))


def test_conversation_score_bounds() -> None:
    with pytest.raises(ValidationError):
        ConversationScore(score=101, urgency="low", satisfaction="neutral", reason="")


def test_match_results_maps_ids_and_reports_missing() -> None:
    batch = ImportanceBatch(
        results=[MessageAnalysis.model_validate(analysis(message_id=i)) for i in (3, 1, 99, 3)]
    )
    found, missing = match_results(batch, [1, 2, 3, 4])
    assert sorted(found) == [1, 3] and missing == [2, 4]
