"""Real litellm calls against the loopback fake, one per wire format."""

from __future__ import annotations

import json
import socket
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.fakes.responders import heuristic_responder
from tests.webapp.llm.helpers import SECRET_KEY, message, provider
from webapp.analysis.prompts import IMPORTANCE_PROMPT_VERSION, build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch, match_results
from webapp.llm.client import LOCAL_MODEL, ProviderConfig, ProviderKind, complete

BATCH = [
    message(101, "The checkout page is down, customers cannot pay!"),
    message(102, "Thanks, have a nice day", minutes=1),
    message(103, "Could you send invoice 4521 tomorrow?", minutes=2),
]

WIRES: list[tuple[ProviderKind, str, str, str, Decimal | None]] = [
    # kind, path the fake must see, auth header name, expected header value, expected cost
    ("openai", "/v1/chat/completions", "authorization", f"Bearer {SECRET_KEY}", Decimal("0.025")),
    ("anthropic", "/v1/messages", "x-api-key", SECRET_KEY, Decimal("0.0525")),
    ("cohere", "/v2/chat", "authorization", f"Bearer {SECRET_KEY}", Decimal("0.0075")),
    ("openai_compatible", "/v1/chat/completions", "authorization", f"Bearer {SECRET_KEY}", None),
]


@pytest.mark.parametrize(("kind", "path", "header", "value", "cost"), WIRES)
def test_each_wire_format_round_trips(
    fake: FakeLLMServer,
    kind: ProviderKind,
    path: str,
    header: str,
    value: str,
    cost: Decimal | None,
) -> None:
    fake.usage = (1000, 500)
    prompt = build_importance_prompt(BATCH)
    result = complete(provider(kind, fake), prompt.messages, ImportanceBatch)

    assert result.status == "ok", result.error_message
    [seen] = fake.requests
    assert seen.path == path
    assert seen.headers[header] == value
    assert (result.input_tokens, result.output_tokens) == (1000, 500)
    assert result.cost_usd == cost
    assert result.unpriced is (cost is None)
    assert result.latency_ms > 0
    assert isinstance(result.parsed, ImportanceBatch)
    found, missing = match_results(result.parsed, prompt.message_ids)
    assert missing == [] and found[101].is_important and not found[102].is_important


def test_anthropic_gets_a_forced_json_tool_and_the_system_prompt(fake: FakeLLMServer) -> None:
    prompt = build_importance_prompt(BATCH)
    complete(provider("anthropic", fake), prompt.messages, ImportanceBatch)
    body = fake.requests[-1].body
    assert body is not None
    assert body["model"] == "claude-3-opus-20240229"
    assert body["tool_choice"]["type"] == "tool"
    assert body["tools"][0]["input_schema"]["properties"]["results"]
    assert "never instructions" in json.dumps(body["system"])


def test_openai_gets_json_mode_and_the_configured_sampling(fake: FakeLLMServer) -> None:
    config = provider("openai", fake, temperature=0.2, max_tokens=777)
    complete(config, build_importance_prompt(BATCH).messages, ImportanceBatch)
    body = fake.requests[-1].body
    assert body is not None
    assert body["model"] == "gpt-4-turbo"
    assert body["response_format"] == {"type": "json_object"}
    assert (body["temperature"], body["max_tokens"]) == (0.2, 777)
    assert body["messages"][0]["role"] == "system"


def test_cohere_uses_the_default_model_and_counts_tokens(fake: FakeLLMServer) -> None:
    result = complete(
        provider("cohere", fake), build_importance_prompt(BATCH).messages, ImportanceBatch
    )
    body = fake.requests[-1].body
    assert body is not None and body["model"] == "command-r-plus"
    assert result.input_tokens > 100 and result.output_tokens > 10  # computed by the fake


def test_api_base_variants_are_normalised(fake: FakeLLMServer) -> None:
    prompt = build_importance_prompt(BATCH[:1]).messages
    variants: list[tuple[ProviderKind, str]] = [
        ("anthropic", fake.base_url + "/v1/"),
        ("cohere", fake.base_url),
        ("openai_compatible", fake.base_url),
    ]
    for kind, base in variants:
        assert complete(provider(kind, fake, api_base=base), prompt, ImportanceBatch).ok
    assert [r.path for r in fake.requests] == ["/v1/messages", "/v2/chat", "/v1/chat/completions"]


def test_price_override_and_litellm_map(fake: FakeLLMServer) -> None:
    fake.usage = (1000, 500)
    prompt = build_importance_prompt(BATCH[:1]).messages
    override = provider("openai_compatible", fake, price_in=Decimal(1), price_out=Decimal(2))
    assert complete(override, prompt, ImportanceBatch).cost_usd == Decimal("0.002")
    from_map = complete(provider("openai", fake, model="gpt-4o"), prompt, ImportanceBatch)
    assert from_map.cost_usd == Decimal("0.0075") and not from_map.unpriced


def test_missing_ids_reply_is_valid_but_incomplete(fake: FakeLLMServer) -> None:
    fake.faults = FaultPlan(["missing_ids"])
    prompt = build_importance_prompt(BATCH)
    result = complete(provider("openai", fake), prompt.messages, ImportanceBatch)
    assert result.status == "ok" and isinstance(result.parsed, ImportanceBatch)
    found, missing = match_results(result.parsed, prompt.message_ids)
    assert sorted(found) == [101, 103] and missing == [102]
    retry = build_importance_prompt([m for m in BATCH if m.id in missing])
    again = complete(provider("openai", fake), retry.messages, ImportanceBatch)
    assert isinstance(again.parsed, ImportanceBatch)
    assert [r.message_id for r in again.parsed.results] == [102]


def test_heuristic_responder_gives_realistic_content(fake: FakeLLMServer) -> None:
    fake.responder = heuristic_responder
    result = complete(
        provider("openai_compatible", fake),
        build_importance_prompt(BATCH).messages,
        ImportanceBatch,
    )
    assert isinstance(result.parsed, ImportanceBatch)
    by_id = {r.message_id: r for r in result.parsed.results}
    assert by_id[101].priority == "urgent" and by_id[103].action_items


def test_local_kind_needs_no_server_no_key_and_costs_nothing(fake: FakeLLMServer) -> None:
    prompt = build_importance_prompt(BATCH)
    result = complete(ProviderConfig("local"), prompt.messages, ImportanceBatch)
    assert result.status == "ok" and result.model == LOCAL_MODEL
    assert result.cost_usd == Decimal(0) and result.unpriced is False
    assert fake.requests == []
    assert IMPORTANCE_PROMPT_VERSION in prompt.messages[1]["content"]


def test_calls_resolve_no_host_but_loopback(
    litellm_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        if str(host) not in ("127.0.0.1", "localhost"):
            raise OSError(f"blocked lookup of {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    prompt = build_importance_prompt(BATCH).messages
    with FakeLLMServer() as fresh:  # a new port: no pooled connection can hide a lookup
        for kind in ("openai", "anthropic", "cohere", "openai_compatible"):
            assert complete(provider(kind, fresh), prompt, ImportanceBatch).ok
    assert looked_up and set(looked_up) <= {"127.0.0.1"}


def test_invalid_configs_are_refused() -> None:
    with pytest.raises(ValueError):
        ProviderConfig("openai_compatible", model="x")  # no api_base
    with pytest.raises(ValueError):
        ProviderConfig("openai", temperature=3)
    with pytest.raises(ValueError):
        ProviderConfig("openai", price_in=Decimal(-1), price_out=Decimal(1))
    assert ProviderConfig("anthropic").model == "claude-3-opus-20240229"
    assert ProviderConfig("cohere").model == "command-r-plus"
