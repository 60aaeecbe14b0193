"""Content generators for the fake LLM server: request body in, reply text out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from webapp.analysis.prompts import extract_data_block, prompt_feature

Responder = Callable[[dict[str, Any]], str]

_URGENT_WORDS = ("urgent", "asap", "down", "outage", "urgente", "dringend", "sofort")


def _block_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def request_text(body: dict[str, Any]) -> str:
    """Concatenate the system and message text of an OpenAI, Anthropic or Cohere request."""
    parts = [_block_text(body.get("system"))]
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            parts.append(_block_text(message.get("content")))
    return "\n".join(p for p in parts if p)


def request_feature_and_data(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (feature named on the Task line, data-block payload) of a MessageFlow prompt."""
    text = request_text(body)
    return prompt_feature(text) or "health_check", extract_data_block(text) or {}


def _analysis(message: dict[str, Any]) -> dict[str, Any]:
    text = str(message.get("text", "")).lower()
    urgent = any(word in text for word in _URGENT_WORDS)
    return {
        "message_id": message.get("id"),
        "is_important": urgent,
        "priority": "urgent" if urgent else "low",
        "reason": "fake: urgency keyword" if urgent else "fake: nothing to do",
        "sentiment": "negative" if urgent else "neutral",
        "sentiment_score": -0.5 if urgent else 0.0,
        "topics": [],
        "language": "en",
        "action_items": [],
        "confidence": 0.9,
    }


def canned_reply(feature: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return a schema-valid reply for `feature` (one importance result per message id)."""
    messages = [m for m in data.get("messages", []) if isinstance(m, dict)]
    if feature == "importance_detection":
        return {"results": [_analysis(m) for m in messages]}
    if feature == "action_extraction":
        return {"action_items": []}
    if feature == "summarization":
        return {
            "summary": f"fake summary of {len(messages)} messages",
            "key_points": [],
            "action_items": [],
            "sentiment": "neutral",
            "topics": [],
        }
    if feature == "daily_summary":
        return {
            "summary": f"fake day of {len(messages)} messages",
            "highlights": [],
            "open_issues": [],
            "action_items": [],
            "stats": None,
        }
    if feature == "conversation_scoring":
        return {"score": 10, "urgency": "low", "satisfaction": "neutral", "reason": "fake"}
    return {"ok": True}


def default_responder(body: dict[str, Any]) -> str:
    """Answer any MessageFlow prompt with a minimal valid JSON reply (results for every id)."""
    feature, data = request_feature_and_data(body)
    return json.dumps(canned_reply(feature, data))


def heuristic_responder(body: dict[str, Any]) -> str:
    """Answer with the built-in heuristic analyser's output: realistic content, same schema."""
    from webapp.analysis.schemas import FEATURE_SCHEMAS, HealthCheckReply
    from webapp.llm.local import analyzer as local_analyzer

    feature, _ = request_feature_and_data(body)
    model = FEATURE_SCHEMAS.get(feature, HealthCheckReply)
    prompt = [{"role": "user", "content": request_text(body)}]
    return local_analyzer.respond(prompt, model)


def drop_every_other_result(content: str) -> str:
    """Drop every other result (the first one kept) from a batch reply."""
    try:
        payload = json.loads(content)
    except json.JSONDecodeError:
        return content
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list) or not results:
        return content
    payload["results"] = results[::2] if len(results) > 1 else []
    return json.dumps(payload)
