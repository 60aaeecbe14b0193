"""Builders shared by the LLM-layer tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.fakes.llm_server import FakeLLMServer
from webapp.analysis.schemas import InputMessage
from webapp.llm.client import ProviderConfig, ProviderKind

SECRET_KEY = "sk-tenantA-0123456789abcdef"
SENT_AT = datetime(2026, 11, 25, 9, 15, tzinfo=UTC)  # a Wednesday


def provider(kind: ProviderKind, fake: FakeLLMServer, **overrides: Any) -> ProviderConfig:
    """A ProviderConfig of `kind` pointing at the fake server."""
    bases = {
        "openai": fake.openai_base,
        "openai_compatible": fake.openai_base,
        "anthropic": fake.anthropic_base,
        "cohere": fake.cohere_base,
    }
    params: dict[str, Any] = {"api_key": SECRET_KEY, "api_base": bases[kind], "timeout_s": 5.0}
    if kind == "openai_compatible":
        params["model"] = "llama-3.1-8b-instruct"
    params.update(overrides)
    return ProviderConfig(kind, **params)


def message(
    id_: int,
    text: str,
    *,
    sender: str = "Ana",
    minutes: int = 0,
    from_me: bool = False,
    conversation_id: int | None = 1,
) -> InputMessage:
    """An input message sent at SENT_AT (+ minutes)."""
    return InputMessage(
        id=id_,
        sender=sender,
        timestamp=SENT_AT.replace(minute=15 + minutes),
        text=text,
        from_me=from_me,
        conversation_id=conversation_id,
    )
