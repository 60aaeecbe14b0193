"""Importing the LLM layer, or using the local provider, never imports litellm."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import sys
import webapp.llm.client, webapp.llm.pricing, webapp.analysis.prompts, webapp.llm.local.analyzer
from datetime import datetime, timezone
from webapp.llm.client import ProviderConfig, complete
from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch, InputMessage
from webapp.llm.pricing import price_for
m = InputMessage(id=1, timestamp=datetime.now(timezone.utc), text="servidor caído, urgente")
r = complete(ProviderConfig("local"), build_importance_prompt([m]).messages, ImportanceBatch)
assert r.ok and r.parsed.results[0].priority == "urgent", r
assert price_for("openai", "gpt-4-turbo").source == "table"
assert "litellm" not in sys.modules, "litellm was imported"
assert "flask" not in sys.modules, "flask was imported"
print("ok")
"""


def test_llm_layer_imports_without_litellm_or_flask() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
