"""Extractive summarisation: pick the most informative sentences, keep their order."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from webapp.llm.local.languages import STOPWORDS
from webapp.llm.local.lexicon import fold

_SENTENCE_END = re.compile(r"(?<=[.!?…؟।])\s+|\n+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]{2,}")
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
MAX_SENTENCE_CHARS = 240


@dataclass(frozen=True)
class Sentence:
    """One sentence of one message, with its position for stable ordering."""

    text: str
    sender: str
    message_id: int
    position: int


def split_sentences(text: str) -> list[str]:
    """Split message text into sentences (on . ! ? … ؟ । and line breaks)."""
    parts = (p.strip(" \t-•*") for p in _SENTENCE_END.split(text.strip()))
    return [p for p in parts if len(p) >= 2]


def content_words(text: str) -> list[str]:
    """Return the folded words of `text` that carry meaning (no stop words, 3+ letters)."""
    return [w for w in _WORD.findall(fold(text)) if w not in _ALL_STOPWORDS]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SENTENCE_CHARS else text[: MAX_SENTENCE_CHARS - 1] + "…"


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= 0.6


def pick_sentences(
    sentences: Sequence[Sentence],
    limit: int,
    bonus: Callable[[str], float] = lambda _: 0.0,
) -> list[Sentence]:
    """Return up to `limit` informative, non-redundant sentences in their original order.

    A sentence scores the mean frequency of its content words across the whole text (what the
    conversation is about), plus `bonus` (urgency, requests, amounts...), minus a penalty for
    fragments too short to carry information. Only the best sentence may score <= 0.
    """
    words = [content_words(s.text) for s in sentences]
    frequency = Counter(w for ws in words for w in set(ws))
    scored: list[tuple[float, int]] = []
    for index, (sentence, ws) in enumerate(zip(sentences, words, strict=True)):
        base = sum(frequency[w] for w in set(ws)) / (len(set(ws)) or 1) ** 0.5
        penalty = 1.5 if len(ws) < 2 else 0.0
        scored.append((base + bonus(sentence.text) - penalty, index))
    chosen: list[int] = []
    for score, index in sorted(scored, key=lambda item: (-item[0], item[1])):
        if len(chosen) >= limit or (chosen and score <= 0):
            break  # greetings and thanks never pad a summary
        if any(_similar(set(words[index]), set(words[c])) for c in chosen):
            continue
        chosen.append(index)
    return [sentences[i] for i in sorted(chosen)]


def attributed(sentence: Sentence) -> str:
    """Format a sentence as "Sender: text" for key points and highlights."""
    text = _clip(sentence.text)
    return f"{sentence.sender}: {text}" if sentence.sender else text


def plain(sentence: Sentence) -> str:
    """Return the sentence text, whitespace-normalised and clipped."""
    return _clip(sentence.text)
