"""The one adapter between MessageFlow and model providers: one call, one CallResult.

litellm is imported only through `load_litellm()` (webapp.llm.litellm_loader, which pricing uses
too): importing it costs ~5 s and ~200 MB, so CLI commands and tests that never call a model stay
fast. Loading it also routes every litellm request through the outbound policy
(webapp.llm.transport). Retries, routing and fallback belong to the caller (litellm runs with
num_retries=0); every outcome, failures included, comes back as a CallResult ready for the usage
ledger, its error reported as a class and a short message of our own, never the provider's
response body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from webapp.llm.errors import classify_exception, validation_summary
from webapp.llm.litellm_loader import load_litellm
from webapp.llm.local import analyzer as local_analyzer
from webapp.llm.pricing import cost_usd, price_for

ProviderKind = Literal["anthropic", "openai", "cohere", "openai_compatible", "local"]
CallStatus = Literal["ok", "error", "timeout", "rate_limited", "invalid_output"]

PROVIDER_KINDS: tuple[str, ...] = ("anthropic", "openai", "cohere", "openai_compatible", "local")
LOCAL_MODEL = local_analyzer.MODEL_NAME  # "messageflow-heuristic-v1"
DEFAULT_MODELS: dict[str, str] = {
    "anthropic": "claude-3-opus-20240229",
    "openai": "gpt-4-turbo",
    "cohere": "command-r-plus",
    "local": LOCAL_MODEL,
}
_LITELLM_PREFIX = {
    "anthropic": "anthropic",
    "openai": "openai",
    "openai_compatible": "openai",
    "cohere": "cohere_chat",
}
# Sent when an OpenAI-compatible server needs no key (Ollama, vLLM...). Passing None would make
# litellm fall back to the operator's OPENAI_API_KEY and send it to a tenant-chosen URL.
NO_KEY_PLACEHOLDER = "no-key-configured"


@dataclass(frozen=True)
class ProviderConfig:
    """Everything one call needs to know about a tenant's provider (key already decrypted)."""

    kind: ProviderKind
    model: str = ""
    api_key: str | None = field(default=None, repr=False)
    api_base: str | None = None
    temperature: float = 0.0
    max_tokens: int = 2048
    timeout_s: float = 30.0
    price_in: Decimal | None = None
    price_out: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in PROVIDER_KINDS:
            raise ValueError(f"unknown provider kind {self.kind!r}")
        if not self.model:
            if self.kind not in DEFAULT_MODELS:
                raise ValueError(f"a model is required for kind {self.kind!r}")
            object.__setattr__(self, "model", DEFAULT_MODELS[self.kind])
        if self.kind == "openai_compatible" and not self.api_base:
            raise ValueError("openai_compatible providers need an api_base")
        if self.timeout_s <= 0 or self.max_tokens <= 0:
            raise ValueError("timeout_s and max_tokens must be positive")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError("temperature must be between 0 and 2")
        if any(p is not None and p < 0 for p in (self.price_in, self.price_out)):
            raise ValueError("price overrides cannot be negative")


@dataclass
class CallResult:
    """The outcome of one attempt, shaped for the `llm_usage_logs` ledger."""

    status: CallStatus
    kind: str
    model: str
    parsed: BaseModel | None = None
    raw_text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = None
    unpriced: bool = False
    latency_ms: float = 0.0
    error_class: str | None = None
    error_message: str | None = None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        """True when the call produced a schema-valid output."""
        return self.status == "ok"


def normalize_api_base(kind: str, api_base: str | None) -> str | None:
    """Return the api_base litellm expects for `kind` (see TECH-NOTES §2)."""
    if not api_base:
        return None
    base = api_base.strip().rstrip("/")
    if kind == "anthropic":
        for suffix in ("/v1/messages", "/v1"):
            base = base.removesuffix(suffix)
        return base
    if kind == "cohere":
        # litellm posts to api_base as given: the bare host would post to "/" and 404.
        if base.endswith("/v2/chat"):
            return base
        return base + ("/chat" if base.endswith("/v2") else "/v2/chat")
    base = base.removesuffix("/chat/completions")
    return base if base.endswith("/v1") else base + "/v1"


def _response_format(kind: str, response_model: type[BaseModel]) -> dict[str, Any] | None:
    if kind == "anthropic":
        # litellm turns this into a forced tool call whose input_schema is the model's schema.
        schema = {"name": response_model.__name__, "schema": response_model.model_json_schema()}
        return {"type": "json_schema", "json_schema": schema}
    if kind in ("openai", "openai_compatible"):
        # json_object works on gpt-4-turbo and most OpenAI-compatible servers; json_schema
        # does not. The shape is spelled out in the prompt and validated here.
        return {"type": "json_object"}
    return None  # cohere: litellm has no response_format mapping; the prompt asks for JSON


def litellm_params(config: ProviderConfig, response_model: type[BaseModel]) -> dict[str, Any]:
    """Return the keyword arguments of `litellm.completion` for `config` (messages excluded)."""
    if config.kind == "local":
        raise ValueError("the local provider does not go through litellm")
    params: dict[str, Any] = {
        "model": f"{_LITELLM_PREFIX[config.kind]}/{config.model}",
        "api_key": config.api_key or NO_KEY_PLACEHOLDER,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
        "timeout": config.timeout_s,
        "num_retries": 0,
        "max_retries": 0,
    }
    api_base = normalize_api_base(config.kind, config.api_base)
    if api_base:
        params["api_base"] = api_base
    response_format = _response_format(config.kind, response_model)
    if response_format is not None:
        params["response_format"] = response_format
    return params


def strip_fences(text: str) -> str:
    """Remove a surrounding ```json ... ``` fence that models like to add."""
    body = text.strip()
    if body.startswith("```"):
        body = body[3:]
        body = body[4:] if body[:4].lower() == "json" else body
        body = body.rsplit("```", 1)[0] if "```" in body else body
    return body.strip()


def _finish(
    config: ProviderConfig, result: CallResult, response_model: type[BaseModel]
) -> CallResult:
    """Validate the raw text and price the tokens; fills status, parsed and cost in place."""
    if result.status == "ok":
        try:
            result.parsed = response_model.model_validate_json(strip_fences(result.raw_text))
        except ValidationError as exc:
            result.status = "invalid_output"
            result.error_class = "ValidationError"
            result.error_message = validation_summary(exc)
    price = price_for(config.kind, config.model, config.price_in, config.price_out)
    result.unpriced = price is None
    if price is not None:
        result.cost_usd = cost_usd(price, result.input_tokens, result.output_tokens)
    return result


def _message_text(response: Any) -> str:
    message = response.choices[0].message
    content = getattr(message, "content", None)
    if content:
        return str(content)
    tool_calls = getattr(message, "tool_calls", None) or []
    if tool_calls:
        return str(tool_calls[0].function.arguments or "")
    return ""


def _call_litellm(
    config: ProviderConfig, messages: list[dict[str, str]], response_model: type[BaseModel]
) -> CallResult:
    result = CallResult(status="ok", kind=config.kind, model=config.model)
    if not config.api_key and config.kind != "openai_compatible":
        # Never let litellm fall back to environment keys: they belong to the operator.
        result.status, result.error_class = "error", "MissingApiKey"
        result.error_message = f"the {config.kind} provider has no API key"
        return result
    params = litellm_params(config, response_model)
    litellm = load_litellm()
    started = time.perf_counter()
    try:
        response = litellm.completion(messages=messages, **params)
    except Exception as exc:  # any provider failure is a failed attempt, never a crash
        result.latency_ms = (time.perf_counter() - started) * 1000
        failure = classify_exception(exc, config.api_key)
        result.status = failure.status
        result.error_class = failure.error_class
        result.error_message = failure.message
        result.retry_after_s = failure.retry_after_s
        return result
    result.latency_ms = (time.perf_counter() - started) * 1000
    usage = getattr(response, "usage", None)
    result.input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    result.output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    result.raw_text = _message_text(response)
    return result


def _call_local(messages: list[dict[str, str]], response_model: type[BaseModel]) -> CallResult:
    started = time.perf_counter()
    reply = local_analyzer.respond(messages, response_model)
    prompt_chars = sum(len(m.get("content", "")) for m in messages)
    return CallResult(
        status="ok",
        kind="local",
        model=LOCAL_MODEL,
        raw_text=reply,
        # Estimated (~4 characters a token) so batch sizes can be compared; the cost stays 0.
        input_tokens=max(1, prompt_chars // 4),
        output_tokens=max(1, len(reply) // 4),
        latency_ms=(time.perf_counter() - started) * 1000,
    )


def complete(
    config: ProviderConfig, messages: list[dict[str, str]], response_model: type[BaseModel]
) -> CallResult:
    """Make one call and return its validated, priced outcome; never raises for provider faults."""
    if config.kind == "local":
        result = _call_local(messages, response_model)
    else:
        result = _call_litellm(config, messages, response_model)
    return _finish(config, result, response_model)
