"""Injected provider faults map onto CallResult statuses; secrets never leak."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.webapp.llm.helpers import SECRET_KEY, message, provider
from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch
from webapp.llm.client import CallResult, ProviderConfig, ProviderKind, complete
from webapp.llm.errors import classify_exception, parse_retry_after, scrub

KINDS = ["openai", "anthropic", "cohere"]
PROMPT = build_importance_prompt([message(1, "Server down!"), message(2, "thanks")]).messages


def _call(fake: FakeLLMServer, kind: ProviderKind, fault: str, **overrides: Any) -> CallResult:
    fake.faults = FaultPlan([fault])
    return complete(provider(kind, fake, **overrides), PROMPT, ImportanceBatch)


@pytest.mark.parametrize("kind", KINDS)
def test_http_500_is_an_error_and_not_retried(fake: FakeLLMServer, kind: ProviderKind) -> None:
    result = _call(fake, kind, "http_500")
    assert result.status == "error"
    assert result.error_class == "InternalServerError"
    assert len(fake.requests) == 1  # num_retries=0: fallback is the caller's job


@pytest.mark.parametrize("kind", KINDS)
def test_429_is_rate_limited_with_retry_after(fake: FakeLLMServer, kind: ProviderKind) -> None:
    fake.retry_after_s = 7
    result = _call(fake, kind, "rate_limit_429")
    assert result.status == "rate_limited"
    assert result.retry_after_s == 7.0
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_timeout_is_reported_quickly(fake: FakeLLMServer, kind: ProviderKind) -> None:
    started = time.perf_counter()
    result = _call(fake, kind, "timeout", timeout_s=0.3)
    assert result.status == "timeout"
    assert time.perf_counter() - started < 1.5


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault", ["invalid_json", "truncated_output"])
def test_bad_output_is_invalid_but_still_counted(
    fake: FakeLLMServer, kind: ProviderKind, fault: str
) -> None:
    fake.usage = (1000, 500)
    result = _call(fake, kind, fault)
    assert result.status == "invalid_output"
    assert result.error_class == "ValidationError"
    assert result.parsed is None
    assert result.output_tokens == 500
    assert result.cost_usd is not None and result.cost_usd > Decimal(0)


def test_schema_violation_is_invalid_output(fake: FakeLLMServer) -> None:
    fake.responder = lambda body: '{"results": [{"message_id": 1, "priority": "whenever"}]}'
    result = complete(provider("openai", fake), PROMPT, ImportanceBatch)
    assert result.status == "invalid_output" and result.raw_text.startswith('{"results"')


def test_fenced_json_is_accepted(fake: FakeLLMServer) -> None:
    fake.responder = lambda body: '```json\n{"results": []}\n```'
    result = complete(provider("openai", fake), PROMPT, ImportanceBatch)
    assert result.ok and result.parsed == ImportanceBatch(results=[])


@pytest.mark.parametrize("kind", KINDS + ["openai_compatible"])
@pytest.mark.parametrize("fault", ["http_500", "rate_limit_429"])
def test_key_never_appears_in_errors(fake: FakeLLMServer, kind: ProviderKind, fault: str) -> None:
    fake.echo_credentials = True  # the fake puts the received key into its error body
    fake.faults = FaultPlan([fault])
    config = provider(kind, fake)
    result = complete(config, PROMPT, ImportanceBatch)
    assert result.status in ("error", "rate_limited")
    assert result.error_message and SECRET_KEY not in result.error_message
    assert SECRET_KEY not in repr(result) and SECRET_KEY not in repr(config)


def test_hosted_kinds_without_key_never_call_out(fake: FakeLLMServer) -> None:
    result = complete(ProviderConfig("openai", api_base=fake.openai_base), PROMPT, ImportanceBatch)
    assert (result.status, result.error_class) == ("error", "MissingApiKey")
    assert fake.requests == []


def test_keyless_openai_compatible_never_sends_an_environment_key(
    fake: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator-secret-key")
    config = ProviderConfig("openai_compatible", model="llama3", api_base=fake.openai_base)
    assert complete(config, PROMPT, ImportanceBatch).ok
    assert "operator" not in fake.requests[-1].headers["authorization"]


def test_seeded_fault_rates_degrade_a_share_of_calls(fake: FakeLLMServer) -> None:
    fake.faults = FaultPlan(rates={"invalid_json": 0.3}, seed=7)
    statuses = [
        complete(provider("openai_compatible", fake), PROMPT, ImportanceBatch).status
        for _ in range(20)
    ]
    invalid = statuses.count("invalid_output")
    assert 2 <= invalid <= 12 and statuses.count("ok") == 20 - invalid
    assert fake.faults.served == {"invalid_json": invalid}


def test_error_helpers() -> None:
    assert parse_retry_after("3") == 3.0 and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    text = scrub("bad key sk-abcdef123456 with Authorization: Bearer xyz.123 and api_key=hunter2")
    assert "abcdef" not in text and "xyz.123" not in text and "hunter2" not in text
    failure = classify_exception(TimeoutError("read timed out"))
    assert failure.status == "timeout" and failure.error_class == "TimeoutError"
