"""Routing: a feature tries its providers in order, then the tenant default, then `local`.

Each attempt passes the breaker gate (cooldown, half-open probe), the limits (reserved in
PostgreSQL before the call) and the key check; an error, timeout, 429 or invalid output falls
through to the next provider. Every attempt that reaches a provider is written to the ledger;
refusals (cooldown, limits, unreadable key) are reported in the attempts, not as calls. Providers
are read under the tenant's RLS context, so a tenant can only ever route to its own providers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from pydantic import BaseModel

from webapp.analysis.prompts import BuiltPrompt
from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import DependencyDown
from webapp.llm import breaker, ledger, limits
from webapp.llm.client import CallResult, ProviderConfig, complete
from webapp.llm.errors import scrub
from webapp.llm.ledger import CallSpec
from webapp.llm.money import money
from webapp.llm.providers import SecretUnreadable, to_config
from webapp.llm.rows import ProviderRow, ProviderState, RouteCandidate
from webapp.security.crypto import SecretBox

Q = load(__file__)

LOCAL_NAME = "Built-in local analyser"


@dataclass(frozen=True)
class LLMContext:
    """What routing needs from the process: the database and the secret box of MASTER_KEY."""

    db: Database
    box: SecretBox


class AttemptJson(TypedDict):
    """The API shape of an attempt (in analysis results and in no_provider_available)."""

    provider_id: int | None
    provider_name: str
    kind: str
    model: str
    status: str
    reason: str | None
    error_message: str | None
    details: dict[str, Any]
    latency_ms: float
    usage_log_id: int | None
    cost_usd: str | None


@dataclass(frozen=True)
class Attempt:
    """One provider tried (or refused) for one request."""

    provider_id: int | None
    provider_name: str
    kind: str
    model: str
    status: str  # ok | error | timeout | rate_limited | invalid_output | skipped
    reason: str | None = None
    error_message: str | None = None
    latency_ms: float = 0.0
    usage_log_id: int | None = None
    cost_usd: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def public(self) -> AttemptJson:
        """The API shape of an attempt (errors are already scrubbed of credentials).

        For a skipped attempt `error_message` is the refusal's human message (why the provider
        was not called and what to change) and `details` its numbers."""
        return {
            "provider_id": self.provider_id, "provider_name": self.provider_name,
            "kind": self.kind, "model": self.model, "status": self.status,
            "reason": self.reason, "error_message": self.error_message,
            "details": self.details,
            "latency_ms": round(self.latency_ms, 1), "usage_log_id": self.usage_log_id,
            "cost_usd": money(self.cost_usd),
        }


@dataclass
class Routed:
    """The valid answer of a routed request and how it was obtained."""

    parsed: BaseModel
    result: CallResult
    provider_id: int | None
    provider_name: str
    prompt_version: str
    usage_log_id: int
    attempts: list[Attempt]

    @property
    def heuristic(self) -> bool:
        """True when the built-in heuristic analyser answered."""
        return self.result.kind == "local"


def load_chain(db: Database, tenant_id: int, feature: str) -> list[RouteCandidate]:
    """The tenant's providers for a feature, in the order they are tried."""
    with db.tenant(tenant_id) as conn:
        return fetch_all(conn, RouteCandidate, Q.select_route, {"feature": feature})


def _skipped(row: ProviderRow, refusal: limits.Refusal) -> Attempt:
    return Attempt(row.id, row.name, row.kind, row.model, "skipped", refusal.reason,
                   error_message=refusal.message, details=refusal.details)


def _attempt(row: ProviderRow | None, result: CallResult, usage_id: int) -> Attempt:
    return Attempt(
        row.id if row else None, row.name if row else LOCAL_NAME, result.kind,
        result.model, result.status, result.error_class, result.error_message,
        result.latency_ms, usage_id, result.cost_usd,
    )


def call_safely(config: ProviderConfig, messages: list[dict[str, str]],
                response_model: type[BaseModel]) -> CallResult:
    """client.complete, with any unexpected exception turned into a failed attempt."""
    try:
        return complete(config, messages, response_model)
    except Exception as exc:  # a bug or odd config must fall through, not break the route
        return CallResult(status="error", kind=config.kind, model=config.model,
                          error_class=type(exc).__name__,
                          error_message=scrub(str(exc), config.api_key),
                          unpriced=True)


def _reserve(ctx: LLMContext, tenant_id: int, row: ProviderRow, config: ProviderConfig,
             prompt: BuiltPrompt, response_model: type[BaseModel],
             bypass_cooldown: bool) -> limits.Reservation | limits.Refusal:
    estimate = None
    if row.monthly_budget_usd is not None:
        estimate = limits.estimate_usd(config, prompt.messages, response_model)
    with ctx.db.tenant(tenant_id) as conn:
        return limits.reserve(conn, row, estimate, bypass_cooldown=bypass_cooldown)


def try_provider(ctx: LLMContext, tenant_id: int, row: ProviderState, prompt: BuiltPrompt,
                 response_model: type[BaseModel], spec: CallSpec, *,
                 bypass_cooldown: bool = False) -> tuple[Attempt, CallResult | None]:
    """One attempt on one provider row: gate, key, limits, call, ledger."""
    gate = breaker.gate(row, row.now)
    if gate in ("cooling_down", "probe_in_flight") and not bypass_cooldown:
        until = row.cooldown_until or row.probe_until
        return _skipped(row, limits.gate_refusal(gate, until)), None
    try:
        config = to_config(ctx.box, row)
    except SecretUnreadable:
        return _skipped(row, limits.Refusal(
            "secret_unreadable", {},
            "The stored API key cannot be decrypted with this MASTER_KEY: restore the "
            "MASTER_KEY it was stored under, or re-enter the key.")), None
    except ValueError as exc:
        return _skipped(row, limits.Refusal("invalid_config", {"message": str(exc)},
                                            f"The provider's configuration is invalid: {exc}")
                        ), None
    reservation: limits.Reservation | None = None
    if limits.needs_reservation(row) or gate != "go":
        outcome = _reserve(ctx, tenant_id, row, config, prompt, response_model, bypass_cooldown)
        if isinstance(outcome, limits.Refusal):
            return _skipped(row, outcome), None
        reservation = outcome
    result = call_safely(config, prompt.messages, response_model)
    usage_id = ledger.settle(ctx.db, tenant_id, row.id, result, spec, reservation)
    return _attempt(row, result, usage_id), result


def run_local(ctx: LLMContext, tenant_id: int, prompt: BuiltPrompt,
              response_model: type[BaseModel], spec: CallSpec) -> tuple[Attempt, CallResult]:
    """The built-in offline analyser: always available, free, labelled heuristic."""
    result = call_safely(ProviderConfig("local"), prompt.messages, response_model)
    usage_id = ledger.settle(ctx.db, tenant_id, None, result, spec)
    return _attempt(None, result, usage_id), result


def route(ctx: LLMContext, tenant_id: int, prompt: BuiltPrompt,
          response_model: type[BaseModel], spec: CallSpec) -> Routed:
    """Try the feature's providers in order until one gives a schema-valid answer."""
    attempts: list[Attempt] = []
    chain = load_chain(ctx.db, tenant_id, spec.feature)
    for row in chain:
        attempt, result = try_provider(ctx, tenant_id, row, prompt, response_model, spec)
        attempts.append(attempt)
        if result is not None and result.ok and result.parsed is not None:
            return Routed(result.parsed, result, row.id, row.name, prompt.version,
                          int(attempt.usage_log_id or 0), attempts)
    attempt, result = run_local(ctx, tenant_id, prompt, response_model, spec)
    attempts.append(attempt)
    if result.ok and result.parsed is not None:
        return Routed(result.parsed, result, None, LOCAL_NAME, prompt.version,
                      int(attempt.usage_log_id or 0), attempts)
    raise DependencyDown("No provider produced a valid answer.", code="no_provider_available",
                         details={"attempts": [a.public() for a in attempts]})
