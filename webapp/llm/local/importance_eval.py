"""Measure importance detection on a labelled set (tests/fixtures/importance/messages.jsonl).

The messages go through the product's own path: batches of `analysis.BATCH_SIZE`, the
importance prompt of `prompts.build_importance_prompt`, `client.complete` with the `local`
provider and `schemas.match_results`, so the figures are what a fresh install would store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from webapp.analysis.importance import BATCH_SIZE, chunks
from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch, InputMessage, MessageAnalysis, match_results
from webapp.llm.client import ProviderConfig, complete

# Every message is dated the same (a Wednesday morning) so relative dates resolve alike.
SENT_AT = datetime(2026, 11, 25, 9, 15, tzinfo=UTC)
SPLITS = ("tune", "holdout", "fresh")


@dataclass(frozen=True)
class Labelled:
    """One message of the set with its label."""

    id: str
    lang: str
    text: str
    important: bool
    category: str
    split: str


@dataclass(frozen=True)
class Outcome:
    """The analyser's answer for one labelled message."""

    item: Labelled
    important: bool
    language: str
    priority: str
    reason: str


@dataclass(frozen=True)
class Scores:
    """A confusion matrix for "important" and the figures derived from it."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        """Number of messages counted."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        """Share of messages called important that are important (0 when none was called)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of important messages that were called important (0 when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores per split and per (split, language), and the language guesses' accuracy."""

    splits: dict[str, Scores] = field(default_factory=dict)
    languages: dict[tuple[str, str], Scores] = field(default_factory=dict)
    language_accuracy: dict[str, float] = field(default_factory=dict)


def load_set(path: Path) -> list[Labelled]:
    """Read a JSONL labelled set (unknown keys such as `note` are ignored)."""
    items: list[Labelled] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(
                Labelled(
                    id=str(raw["id"]), lang=str(raw["lang"]), text=str(raw["text"]),
                    important=bool(raw["important"]), category=str(raw["category"]),
                    split=str(raw["split"]),
                )
            )
    return items


def analyse_local(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> list[MessageAnalysis]:
    """Analyse texts with the `local` provider through the importance prompt, in input order."""
    inputs = [
        InputMessage(id=i + 1, sender="Contact", timestamp=SENT_AT, text=t, conversation_id=i + 1)
        for i, t in enumerate(texts)
    ]
    found: dict[int, MessageAnalysis] = {}
    for batch in chunks(inputs, batch_size):
        prompt = build_importance_prompt(batch)
        result = complete(ProviderConfig("local"), prompt.messages, ImportanceBatch)
        if not result.ok or not isinstance(result.parsed, ImportanceBatch):
            raise RuntimeError(f"local provider failed: {result.error_message}")
        matched, missing = match_results(result.parsed, [m.id for m in batch])
        if missing:
            raise RuntimeError(f"local provider left out message ids {missing}")
        found.update(matched)
    return [found[m.id] for m in inputs]


def run(
    items: Sequence[Labelled],
    analyse: Callable[[Sequence[str]], list[MessageAnalysis]] = analyse_local,
) -> list[Outcome]:
    """Run `analyse` over the set and pair each answer with its label."""
    answers = analyse([i.text for i in items])
    return [
        Outcome(i, a.is_important, a.language, a.priority, a.reason)
        for i, a in zip(items, answers, strict=True)
    ]


def confusion(pairs: Iterable[tuple[bool, bool]]) -> Scores:
    """Count (expected, predicted) pairs into a confusion matrix."""
    tp = fp = fn = tn = 0
    for expected, predicted in pairs:
        tp += expected and predicted
        fp += predicted and not expected
        fn += expected and not predicted
        tn += not expected and not predicted
    return Scores(tp, fp, fn, tn)


def evaluate(outcomes: Sequence[Outcome]) -> Report:
    """Scores per split, per split and language, and language accuracy per split."""
    report = Report()
    for split in SPLITS:
        part = [o for o in outcomes if o.item.split == split]
        if not part:
            continue
        report.splits[split] = confusion((o.item.important, o.important) for o in part)
        hits = sum(o.language == o.item.lang for o in part)
        report.language_accuracy[split] = hits / len(part)
        for lang in sorted({o.item.lang for o in part}):
            report.languages[(split, lang)] = confusion(
                (o.item.important, o.important) for o in part if o.item.lang == lang
            )
    return report


def format_report(report: Report) -> str:
    """A plain-text table: one row per split, then per split and language."""
    head = f"{'part':<16}{'n':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}"
    head += f"{'precision':>11}{'recall':>8}{'F1':>7}"
    lines = [head]

    def row(name: str, s: Scores) -> str:
        return (
            f"{name:<16}{s.n:>5}{s.tp:>5}{s.fp:>5}{s.fn:>5}{s.tn:>5}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}"
        )

    lines += [row(split, s) for split, s in report.splits.items()]
    lines += [row(f"{split}/{lang}", s) for (split, lang), s in report.languages.items()]
    lines += [
        f"language accuracy {split}: {acc:.3f}" for split, acc in report.language_accuracy.items()
    ]
    return "\n".join(lines)
