"""The importance evaluation itself: counts, figures, the product path and the set's split rule."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from webapp.llm.local import importance_eval as ev

DATASET = Path(__file__).parents[3] / "fixtures" / "importance" / "messages.jsonl"


def _item(id_: str, lang: str, important: bool, split: str = "tune") -> ev.Labelled:
    return ev.Labelled(id_, lang, f"text {id_}", important, "request", split)


def _outcome(item: ev.Labelled, important: bool, language: str) -> ev.Outcome:
    return ev.Outcome(item, important, language, "medium", "reason")


def test_confusion_counts_and_figures() -> None:
    pairs = [(True, True)] * 3 + [(False, True)] + [(True, False)] * 2 + [(False, False)] * 4
    scores = ev.confusion(pairs)
    assert (scores.tp, scores.fp, scores.fn, scores.tn, scores.n) == (3, 1, 2, 4, 10)
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(0.6)
    assert scores.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_figures_with_nothing_predicted_or_nothing_to_find_are_zero() -> None:
    assert ev.confusion([(True, False), (False, False)]).precision == 0.0
    nothing = ev.confusion([(False, False)])
    assert (nothing.recall, nothing.f1) == (0.0, 0.0)


def test_evaluate_splits_languages_and_language_accuracy() -> None:
    a, b = _item("a", "pt", True), _item("b", "pt", False)
    c, d = _item("c", "de", True), _item("d", "de", True, "holdout")
    report = ev.evaluate([
        _outcome(a, True, "pt"),
        _outcome(b, True, "es"),
        _outcome(c, False, "de"),
        _outcome(d, True, "en"),
    ])
    assert report.splits["tune"] == ev.Scores(tp=1, fp=1, fn=1, tn=0)
    assert report.splits["holdout"] == ev.Scores(tp=1)
    assert report.languages[("tune", "pt")] == ev.Scores(tp=1, fp=1)
    assert report.languages[("tune", "de")] == ev.Scores(fn=1)
    assert report.language_accuracy == {"tune": pytest.approx(2 / 3), "holdout": 0.0}
    table = ev.format_report(report)
    assert "tune/pt" in table and "holdout/de" in table and "language accuracy tune: 0.667" in table


def test_the_local_provider_answers_in_input_order_across_batches() -> None:
    texts = ["ok", "Our website is down, customers cannot pay!", "thanks 👍"]
    answers = ev.analyse_local(texts, batch_size=2)
    assert [a.is_important for a in answers] == [False, True, False]
    outcomes = ev.run([_item(str(i), "en", imp) for i, imp in enumerate([False, True, False])])
    assert [o.item.id for o in outcomes] == ["0", "1", "2"]


def test_load_set_reads_labels(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "x-1", "lang": "en", "text": "Hi", "important": False,
                                "category": "small_talk", "split": "tune", "note": "n"}) + "\n\n")
    assert ev.load_set(path) == [ev.Labelled("x-1", "en", "Hi", False, "small_talk", "tune")]


def test_the_set_is_big_enough_and_follows_its_split_rule() -> None:
    items = ev.load_set(DATASET)
    assert len(items) >= 300 and len({i.id for i in items}) == len(items)
    by_lang = Counter(i.lang for i in items)
    assert sum(n >= 40 for n in by_lang.values()) >= 6
    assert {i.split for i in items} <= set(ev.SPLITS)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    # Only the first 474 (ids "pt-001") were split by rule; fresh parts ("pt-f01") came later.
    for item in (i for i in items if re.fullmatch(r"[a-z]{2}-\d{3}", i.id)):
        # README: the 2nd, 6th, 10th... of each (language, category) is holdout
        index = seen[(item.lang, item.category)]
        seen[(item.lang, item.category)] += 1
        assert item.split == ("holdout" if index % 4 == 1 else "tune"), item.id
