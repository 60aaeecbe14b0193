"""Examples of the success answers, attached to the OpenAPI document by operation id.

openapi_examples/captured.json holds answers of the running app, trimmed (written by `python -m
tests.openapi_examples`); handwritten.json the few an automated pass cannot reach. A key is an
operation id (`<blueprint>_<view>`); tests/webapp/http/test_openapi.py checks that every JSON
success answer has one and that each is valid for its model.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "openapi_examples"  # data only, not a package
CAPTURED = HERE / "captured.json"
HANDWRITTEN = HERE / "handwritten.json"


def load(path: Path) -> dict[str, Any]:
    """One examples file (an empty one when it does not exist yet)."""
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@functools.cache
def success_examples() -> dict[str, Any]:
    """Every success example by operation id (a hand-written one wins)."""
    return {**load(CAPTURED), **load(HANDWRITTEN)}
