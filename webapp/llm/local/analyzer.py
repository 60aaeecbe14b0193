"""The built-in `local` provider: an offline, keyless, free heuristic analyser.

It is labelled as such (model "messageflow-heuristic-v1") and answers every feature with exactly
the schemas a remote model must produce, so a fresh install can analyse traffic before anyone
pastes a key. `respond()` reads the very prompt a remote model would get (the data block), so
the local provider goes through the same prompt-building path as the others.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

from webapp.analysis.prompts import extract_data_block
from webapp.analysis.schemas import (
    PRIORITY_RANK,
    ActionExtraction,
    ActionItem,
    ConversationScore,
    ConversationSummary,
    DailyStats,
    DailySummary,
    HealthCheckReply,
    ImportanceBatch,
    InputMessage,
    MessageAnalysis,
    Priority,
    Satisfaction,
    Sentiment,
    feature_for_schema,
)
from webapp.llm.local import lexicon as lx
from webapp.llm.local import lexicon_talk as talk
from webapp.llm.local.extractive import Sentence, attributed, pick_sentences, plain, split_sentences
from webapp.llm.local.heuristics import INJECTION_TOPIC, SPAM_TOPIC, analyze_message
from webapp.llm.local.lexicon_spam import INJECTION

MODEL_NAME = "messageflow-heuristic-v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCORE_BASE = {"urgent": 85, "high": 65, "medium": 40, "low": 10}


def detect_importance(messages: Sequence[InputMessage]) -> ImportanceBatch:
    """Analyse every message; one result per message id, in input order."""
    return ImportanceBatch(results=[analyze_message(m) for m in messages])


def extract_actions(messages: Sequence[InputMessage]) -> ActionExtraction:
    """Collect the proposed action items of all messages, deduplicated."""
    return ActionExtraction(action_items=_actions([analyze_message(m) for m in messages]))


def _actions(analyses: Sequence[MessageAnalysis]) -> list[ActionItem]:
    seen: set[str] = set()
    items: list[ActionItem] = []
    for analysis in analyses:
        for item in analysis.action_items:
            key = lx.fold(item.description)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items[:50]


def _bonus(text: str) -> float:
    folded = lx.fold(text)
    if INJECTION.search(folded):
        return -100.0
    score = 3.0 if lx.URGENT.search(folded) else 0.0
    score += 2.0 if lx.COMPLAINT.search(folded) or lx.MONEY_RISK.search(folded) else 0.0
    score += 1.5 if talk.REQUEST.search(folded) or talk.QUESTION_MARK.search(text) else 0.0
    score += 1.0 if any(ch.isdigit() for ch in text) else 0.0
    if talk.ACKNOWLEDGEMENT.search(folded) or (talk.THANKS.search(folded) and len(folded) < 40):
        score -= 2.0
    return score


def _sentences(messages: Sequence[InputMessage]) -> list[Sentence]:
    out: list[Sentence] = []
    for message in messages:
        sender = "Team" if message.from_me else (message.sender or "Contact")
        for text in split_sentences(message.text):
            out.append(Sentence(text, sender, message.id, len(out)))
    return out


def _overall_sentiment(analyses: Sequence[MessageAnalysis]) -> tuple[Sentiment, float]:
    scores = [a.sentiment_score for a in analyses]
    mean = sum(scores) / len(scores) if scores else 0.0
    label: Sentiment = "positive" if mean >= 0.2 else "negative" if mean <= -0.2 else "neutral"
    return label, mean


def _top_topics(analyses: Sequence[MessageAnalysis], limit: int = 8) -> list[str]:
    counts = Counter(
        t for a in analyses for t in a.topics if t not in (INJECTION_TOPIC, SPAM_TOPIC)
    )
    return [topic for topic, _ in counts.most_common(limit)]


def _span(messages: Sequence[InputMessage]) -> str:
    first, last = messages[0].timestamp, messages[-1].timestamp
    fmt = "%Y-%m-%d %H:%M" if first.date() != last.date() else "%H:%M"
    start = first.strftime("%Y-%m-%d %H:%M")
    return start if first == last else f"{start} to {last.strftime(fmt)}"


def summarize_conversation(messages: Sequence[InputMessage]) -> ConversationSummary:
    """Summarise one conversation by extracting its most informative sentences."""
    ordered = sorted(messages, key=lambda m: (m.timestamp, m.id))
    analyses = [analyze_message(m) for m in ordered]
    sentiment, _ = _overall_sentiment(
        [a for a, m in zip(analyses, ordered, strict=True) if not m.from_me]
    )
    if not ordered:
        return ConversationSummary(summary="No messages.", sentiment="neutral")
    people = list(dict.fromkeys(m.sender or "Contact" for m in ordered if not m.from_me))
    picked = pick_sentences(_sentences(ordered), 3, _bonus)
    head = f"{len(ordered)} messages ({_span(ordered)})"
    head += f" with {', '.join(people[:3])}." if people else "."
    return ConversationSummary(
        summary=" ".join([head, *(plain(s) for s in picked)]),
        key_points=[attributed(s) for s in pick_sentences(_sentences(ordered), 5, _bonus)],
        action_items=_actions(analyses),
        sentiment=sentiment,
        topics=_top_topics(analyses),
    )


def _open_issues(ordered: Sequence[InputMessage], analyses: Sequence[MessageAnalysis]) -> list[str]:
    """Important inbound messages with no later reply from the team in the same conversation."""
    issues: list[str] = []
    for index, (message, analysis) in enumerate(zip(ordered, analyses, strict=True)):
        if message.from_me or not analysis.is_important:
            continue
        answered = any(
            later.from_me and later.conversation_id == message.conversation_id
            for later in ordered[index + 1 :]
        )
        if not answered:
            text = " ".join(message.text.split())[:200]
            issues.append(f"{message.sender or 'Contact'} ({analysis.priority}): {text}")
    return issues[:20]


def summarize_day(messages: Sequence[InputMessage], day: date | None = None) -> DailySummary:
    """Summarise a tenant's day: counts, highlights, unanswered important messages, actions."""
    ordered = sorted(messages, key=lambda m: (m.timestamp, m.id))
    analyses = [analyze_message(m) for m in ordered]
    actions = _actions(analyses)
    important = [a for a in analyses if a.is_important]
    urgent = sum(a.priority == "urgent" for a in important)
    conversations = len({m.conversation_id for m in ordered})
    label = day or (ordered[0].timestamp.date() if ordered else None)
    head = f"{len(ordered)} messages in {conversations} conversation(s)"
    head += f" on {label.isoformat()}" if label else ""
    head += f"; {len(important)} important ({urgent} urgent), {len(actions)} action item(s)."
    picked = pick_sentences(_sentences(ordered), 4, _bonus)
    return DailySummary(
        summary=" ".join([head, *(attributed(s) for s in picked)]),
        highlights=[attributed(s) for s in pick_sentences(_sentences(ordered), 6, _bonus)],
        open_issues=_open_issues(ordered, analyses),
        action_items=actions,
        stats=DailyStats(
            messages=len(ordered),
            conversations=conversations,
            important=len(important),
            action_items=len(actions),
        ),
    )


def score_conversation(messages: Sequence[InputMessage]) -> ConversationScore:
    """Score how much attention a conversation needs now (0-100)."""
    ordered = sorted(messages, key=lambda m: (m.timestamp, m.id))
    inbound = [(m, analyze_message(m)) for m in ordered if not m.from_me]
    if not inbound:
        return ConversationScore(
            score=0, urgency="low", satisfaction="neutral", reason="No messages from the contact."
        )
    urgency: Priority = max((a.priority for _, a in inbound), key=PRIORITY_RANK.__getitem__)
    _, mean = _overall_sentiment([a for _, a in inbound])
    unanswered = not ordered[-1].from_me
    score = _SCORE_BASE[urgency] + (10 if unanswered else -15) + (5 if mean <= -0.2 else 0)
    satisfaction: Satisfaction = (
        "satisfied" if mean >= 0.2 else "dissatisfied" if mean <= -0.2 else "neutral"
    )
    reason = (
        f"Highest priority {urgency}; mean sentiment {mean:+.2f}; "
        f"last message {'awaits a reply' if unanswered else 'is from the team'}."
    )
    return ConversationScore(
        score=max(0, min(100, score)), urgency=urgency, satisfaction=satisfaction, reason=reason
    )


def _messages_from(payload: Mapping[str, Any]) -> list[InputMessage]:
    messages: list[InputMessage] = []
    for raw in payload.get("messages", []) or []:
        if not isinstance(raw, dict):
            continue
        stamp = raw.get("timestamp")
        messages.append(
            InputMessage(
                id=int(raw.get("id", 0)),
                sender=str(raw.get("sender", "")),
                timestamp=datetime.fromisoformat(str(stamp)) if stamp else _EPOCH,
                text=str(raw.get("text", "")),
                from_me=bool(raw.get("from_me", False)),
                conversation_id=raw.get("conversation_id"),
            )
        )
    return messages


def run_feature(
    feature: str, messages: Sequence[InputMessage], day: date | None = None
) -> BaseModel:
    """Run one feature of the heuristic analyser over structured messages."""
    if feature == "importance_detection":
        return detect_importance(messages)
    if feature == "action_extraction":
        return extract_actions(messages)
    if feature == "summarization":
        return summarize_conversation(messages)
    if feature == "daily_summary":
        return summarize_day(messages, day)
    if feature == "conversation_scoring":
        return score_conversation(messages)
    return HealthCheckReply(ok=True)


def respond(prompt: Sequence[Mapping[str, str]], response_model: type[BaseModel]) -> str:
    """Answer a built prompt (chat messages) with the JSON text of `response_model`."""
    text = "\n".join(str(m.get("content", "")) for m in prompt if m.get("role") != "system")
    payload = extract_data_block(text) or {}
    try:
        feature = feature_for_schema(response_model)
    except KeyError:
        return json.dumps({"error": f"no local handler for {response_model.__name__}"})
    day_text = payload.get("day")
    day = date.fromisoformat(day_text) if isinstance(day_text, str) else None
    return run_feature(feature, _messages_from(payload), day).model_dump_json()
