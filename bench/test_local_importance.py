"""Importance detection of the built-in `local` analyser on the labelled operations set.

Target (issue 12): F1 >= 0.85 with precision >= 0.8 on `tune` (looked at while improving the cue
tables) and `holdout` (split by rule, its errors never read) of
`tests/fixtures/importance/messages.jsonl`; both are asserted. The `fresh` part (written after the
last change to the analyser, never tuned on; the fairest estimate, see the set's README) does NOT
reach that target (F1 0.68 on 2026-12-06): it is reported, and held to a regression floor only,
so a change that makes unseen wording worse fails here. The messages go
through the product's path: the importance prompt, `client.complete` with the `local` provider,
results matched back by id. Figures and history: docs/benchmarks.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.conftest import record
from webapp.llm.local import importance_eval as ev

DATASET = Path(__file__).parent.parent / "tests" / "fixtures" / "importance" / "messages.jsonl"
MIN_F1 = 0.85
MIN_PRECISION = 0.8
# The fresh part: the figure measured when it was written, minus a little noise.
FRESH_FLOOR_F1 = 0.65
FRESH_FLOOR_PRECISION = 0.7


@pytest.mark.bench
def test_local_importance_on_the_labelled_set() -> None:
    items = ev.load_set(DATASET)
    report = ev.evaluate(ev.run(items))
    print("\n" + ev.format_report(report))
    figures: dict[str, dict[str, float]] = {
        split: {"n": s.n, "precision": round(s.precision, 3), "recall": round(s.recall, 3),
                "f1": round(s.f1, 3), "language": round(report.language_accuracy[split], 3)}
        for split, s in report.splits.items()
    }
    figures["f1_by_language"] = {
        f"{split}/{lang}": round(s.f1, 3) for (split, lang), s in report.languages.items()
    }
    record("local_importance", figures)
    for split in ev.SPLITS:
        scores = report.splits[split]
        if split == "fresh":
            print(f"fresh (unseen): F1 {scores.f1:.3f}, precision {scores.precision:.3f}: "
                  f"{'meets' if scores.f1 >= MIN_F1 else 'below'} the {MIN_F1} target")
            assert scores.f1 >= FRESH_FLOOR_F1, (split, scores)
            assert scores.precision >= FRESH_FLOOR_PRECISION, (split, scores)
            continue
        assert scores.f1 >= MIN_F1, (split, scores)
        assert scores.precision >= MIN_PRECISION, (split, scores)
