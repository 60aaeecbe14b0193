"""The analytics app names features as the web app's routing screen does (two copies of one
list: a Python dict and an ES module), and names every feature the product routes."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit_app.ui import FEATURE_NAMES
from webapp.analysis.schemas import FEATURES

ROUTING_JS = Path(__file__).resolve().parents[2] / "webapp/static/js/llm/routing.js"


def routing_screen_labels() -> dict[str, str]:
    source = ROUTING_JS.read_text()
    block = re.search(r"const LABELS = \{(.*?)\};", source, re.S)
    assert block is not None, "routing.js no longer declares LABELS"
    return dict(re.findall(r'(\w+): "([^"]+)"', block.group(1)))


def test_the_two_lists_agree() -> None:
    labels = routing_screen_labels()
    assert labels, "no labels parsed"
    assert {k: FEATURE_NAMES[k] for k in labels} == labels


def test_every_routed_feature_has_a_name() -> None:
    assert set(FEATURES) <= set(FEATURE_NAMES)
    assert set(FEATURES) <= set(routing_screen_labels())
