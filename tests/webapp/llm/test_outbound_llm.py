"""Every provider kind's request goes through the outbound policy (litellm's real HTTP code).

`outside` listens on 127.0.0.2, which the tests' OUTBOUND_ALLOW (127.0.0.1) leaves out: a request
that reached it would be answered, so only the policy can explain that it saw nothing."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from tests.fakes.fixtures import allow_outbound
from tests.fakes.llm_server import Canned, FakeLLMServer
from tests.webapp.llm.helpers import SECRET_KEY, message, provider
from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch
from webapp.llm.client import CallResult, ProviderKind, complete
from webapp.security.outbound import OutboundRefused

KINDS: list[ProviderKind] = ["openai", "openai_compatible", "anthropic", "cohere"]
PROMPT = build_importance_prompt([message(1, "Server down!")]).messages
WIRE = {"openai": "openai", "openai_compatible": "openai", "anthropic": "anthropic",
        "cohere": "cohere"}
# What a cloud metadata endpoint answers: it must never come back to the caller.
METADATA = json.dumps({"Code": "Success", "AccessKeyId": "ASIAMETADATA0LEAK",
                       "SecretAccessKey": "wJalrXUtnFEMI-METADATA-SECRET",
                       "Token": "IQoJb3JpZ2luX2VjEMETADATATOKEN"}).encode()
LEAKS = ("ASIAMETADATA0LEAK", "METADATA-SECRET", "METADATATOKEN", "AccessKeyId", "Token")


def _call(kind: ProviderKind, server: FakeLLMServer, **over: object) -> CallResult:
    return complete(provider(kind, server, **over), PROMPT, ImportanceBatch)


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_address_is_refused_for_every_kind(kind: ProviderKind,
                                                     outside: FakeLLMServer) -> None:
    with allow_outbound("127.0.0.1"):
        result = _call(kind, outside)
    assert (result.status, result.error_class) == ("error", "OutboundRefused")
    assert result.error_message is not None and "loopback" in result.error_message
    assert outside.requests == []  # nothing, least of all the key, reached 127.0.0.2
    with allow_outbound("127.0.0.1", "127.0.0.2"):
        result = _call(kind, outside)
    assert result.ok, result.error_message
    assert [r.wire for r in outside.requests] == [WIRE[kind]]


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_that_resolves_to_a_refused_address_is_refused_at_call_time(
        kind: ProviderKind, outside: FakeLLMServer) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"llm.example.test": ["127.0.0.2"]}[host]

    base = {"openai": "/v1", "openai_compatible": "/v1", "anthropic": "", "cohere": "/v2/chat"}
    api_base = f"http://llm.example.test:{outside.port}{base[kind]}"
    with allow_outbound("127.0.0.1", resolver=resolver) as policy:
        policy.check_url(api_base)  # a name passes at save time: DNS decides later
        result = _call(kind, outside, api_base=api_base)
    assert (result.status, result.error_class) == ("error", "OutboundRefused")
    assert "llm.example.test resolves to a loopback address" in (result.error_message or "")
    assert outside.requests == []
    with allow_outbound("127.0.0.1", "llm.example.test", resolver=resolver):
        assert _call(kind, outside, api_base=api_base).ok  # allowed by name


@pytest.mark.parametrize("kind", KINDS)
def test_a_redirect_to_a_refused_address_is_not_followed(
        kind: ProviderKind, fake: FakeLLMServer, outside: FakeLLMServer) -> None:
    paths = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages",
             "cohere": "/v2/chat"}
    fake.canned = Canned(307, b"", {"Location": outside.base_url + paths[WIRE[kind]]})
    with allow_outbound("127.0.0.1"):
        result = _call(kind, fake)
    assert result.status == "error" and len(fake.requests) == 1
    assert result.error_message == (
        "HTTP 307: the provider answered with a redirect, which is not followed.")
    assert outside.requests == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [200, 401, 404, 500])
def test_a_response_body_never_becomes_the_error_message(
        kind: ProviderKind, status: int, fake: FakeLLMServer) -> None:
    fake.canned = Canned(status, METADATA)
    result = _call(kind, fake)
    assert result.status == "error" and not result.ok
    shown = json.dumps([result.error_class, result.error_message])
    assert not any(leak in shown for leak in LEAKS), shown
    if status != 200:
        assert (result.error_message or "").startswith(f"HTTP {status}: ")


def test_handlers_litellm_builds_later_obey_the_policy(litellm_module: ModuleType,
                                                       outside: FakeLLMServer) -> None:
    from litellm.llms.custom_httpx.http_handler import HTTPHandler

    with allow_outbound("127.0.0.1"):
        for handler in (HTTPHandler(timeout=5), litellm_module.module_level_client):
            with pytest.raises(OutboundRefused):
                handler.post(outside.base_url + "/v1/chat/completions", json={"a": 1})
        with pytest.raises(OutboundRefused):
            litellm_module.client_session.post(outside.base_url + "/v1/chat/completions")
    assert outside.requests == []


def test_the_key_is_not_sent_when_refused(outside: FakeLLMServer) -> None:
    with allow_outbound("127.0.0.1"):
        result = _call("openai", outside)
    assert result.error_class == "OutboundRefused" and SECRET_KEY not in str(result)


@pytest.mark.parametrize("kind", KINDS)
def test_an_output_failing_its_schema_is_described_without_its_content(
        kind: ProviderKind, fake: FakeLLMServer) -> None:
    fake.responder = lambda body: '{"results": "IQoJb3JpZ2luX2VjEMETADATATOKEN", "x": 1}'
    result = _call(kind, fake)
    assert (result.status, result.error_class) == ("invalid_output", "ValidationError")
    assert result.error_message is not None and "results" in result.error_message
    assert "METADATATOKEN" not in result.error_message
