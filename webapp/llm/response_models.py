"""Response models of the LLM endpoints: what the views return, for the OpenAPI document.

Money is USD as a decimal string with 6 places (null when a price is unknown); times are
RFC 3339 UTC; rates are 0..1 (null without attempts); latencies are milliseconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["anthropic", "openai", "cohere", "openai_compatible", "local"]
Money = str | None  # "12.345600", or null when some requests had no known price
_MONEY = "USD with 6 decimal places, null when a price is unknown"


class Provider(BaseModel):
    """A provider as the API shows it: never its key, only a masked hint."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 3, "name": "OpenAI", "kind": "openai", "model": "gpt-4-turbo", "api_base": None,
        "api_key_hint": "sk-…3f9a", "has_api_key": True, "temperature": 0.0, "max_tokens": 1024,
        "timeout_s": 30.0, "requests_per_minute": 60, "requests_per_day": None,
        "monthly_budget_usd": "50.000000", "price_input_per_mtok": None,
        "price_output_per_mtok": None, "active": True, "is_default": True,
        "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T09:00:00Z"}]})

    id: int
    name: str
    kind: Kind
    model: str | None
    api_base: str | None
    api_key_hint: str | None = Field(description="e.g. `sk-…3f9a`; the key itself never leaves")
    has_api_key: bool
    temperature: float | None
    max_tokens: int | None
    timeout_s: float | None
    requests_per_minute: int | None
    requests_per_day: int | None
    monthly_budget_usd: str | None
    price_input_per_mtok: str | None
    price_output_per_mtok: str | None
    active: bool
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProviderList(BaseModel):
    """All of the tenant's providers (one page)."""

    data: list[Provider]
    next_cursor: str | None


class ProviderDeleted(BaseModel):
    """`{"status": "deleted", "id": N}`."""

    status: Literal["deleted"]
    id: int


class Attempt(BaseModel):
    """One provider tried for a call (the route falls through on failure)."""

    provider_id: int | None
    provider_name: str
    kind: str
    model: str | None
    status: str = Field(description="ok, error, timeout, rate_limited, invalid_output, skipped...")
    reason: str | None
    error_message: str | None = Field(description="short and scrubbed, never a raw body")
    details: dict[str, Any]
    latency_ms: float | None
    usage_log_id: int | None
    cost_usd: Money = Field(description=_MONEY)


class ProviderTest(BaseModel):
    """The result of a real call to a provider."""

    provider_id: int
    name: str
    kind: str
    model: str | None
    ok: bool
    status: str
    reason: str | None
    error_message: str | None
    details: dict[str, Any]
    latency_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: Money = Field(description=_MONEY)
    usage_log_id: int | None
    tested_at: dt.datetime


class ProviderTests(BaseModel):
    """One result per active provider."""

    data: list[ProviderTest]


class RouteEntry(BaseModel):
    """A provider on a feature's route."""

    provider_id: int
    name: str
    kind: str
    model: str | None
    priority: int
    active: bool


class Fallback(BaseModel):
    """What runs when the route is empty or exhausted: the default provider, then local."""

    default_provider_id: int | None
    default_provider_name: str | None
    local: str


class ChainStep(BaseModel):
    """One step of what a call of the feature tries, in order: an active provider of its
    route, the default provider, the built-in analyser (`provider_id` null)."""

    source: Literal["route", "default", "local"]
    provider_id: int | None
    name: str
    kind: str
    model: str | None
    gate: Literal["go", "probe", "cooling_down", "probe_in_flight"] = Field(
        description="The provider's circuit breaker: `go`, `probe` (one trial call), "
                    "`cooling_down` or `probe_in_flight` (skipped).")
    available: bool = Field(description="Whether the step can take a call now.")


class Feature(BaseModel):
    """A feature and its route, in order; `effective` is the step a call would use now (the
    first available one of `chain`)."""

    name: str
    prompt_version: str
    providers: list[RouteEntry]
    fallback: Fallback
    effective: ChainStep
    chain: list[ChainStep]


class FeatureList(BaseModel):
    """Every feature."""

    data: list[Feature]
    next_cursor: str | None


class Assignment(BaseModel):
    """A provider put on a feature's route."""

    feature: str
    provider_id: int
    priority: int
    created_at: dt.datetime
    name: str
    kind: str
    model: str | None


class Unassigned(BaseModel):
    """`{"status": "removed", "feature", "provider_id"}`."""

    status: Literal["removed"]
    feature: str
    provider_id: int


class _Counts(BaseModel):
    requests: int
    ok: int
    messages: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money = Field(description=_MONEY)
    unpriced_requests: int


class DayUsage(_Counts):
    """One UTC day of usage."""

    day: dt.date
    failed: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None


class DaySeries(DayUsage):
    """One day of a provider's usage and health."""

    error_rate: float | None


class ProviderStats(_Counts):
    """A provider's numbers over a range."""

    provider_id: int | None
    success_rate: float | None
    valid_output_rate: float | None
    cost_per_1000_messages: Money = Field(description=_MONEY)
    p50_latency_ms: float | None
    p95_latency_ms: float | None


class ProviderComparison(ProviderStats):
    """A provider's numbers over the range, and its month against its budget."""

    name: str
    kind: str
    model: str | None
    active: bool
    month_to_date_usd: Money = Field(description=_MONEY)
    month_to_date_unpriced_requests: int
    monthly_budget_usd: str | None
    budget_used_pct: float | None
    important_flagged: int = Field(description="Messages it flagged important in the range.")
    important_reviewed: int = Field(description="Of those, how many a person reviewed.")
    important_overridden: int = Field(description="Of those, how many a person overrode.")
    override_rate: float | None = Field(
        description="important_overridden / important_reviewed; null before any review.")


class Comparison(BaseModel):
    """Providers compared over a range (both days included)."""

    model_config = ConfigDict(populate_by_name=True)
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    data: list[ProviderComparison]


class ConfigChange(BaseModel):
    """A change of a provider's settings (`changes`: field -> {before, after})."""

    id: int
    action: str
    changes: dict[str, Any]
    actor_user_id: int | None
    created_at: dt.datetime


class ProviderHistory(BaseModel):
    """A provider's configuration changes and its daily series."""

    provider_id: int
    changes: list[ConfigChange]
    series: list[DaySeries]


class UsageRow(BaseModel):
    """One ledger row: one call to a model, failed ones included."""

    id: int
    provider_id: int | None
    provider_name: str | None
    provider_kind: str | None
    model: str | None
    feature: str
    conversation_id: int | None
    message_id: int | None
    message_count: int | None
    prompt_version: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: Money = Field(description=_MONEY)
    unpriced: bool
    latency_ms: float | None
    status: str
    error_class: str | None
    error_message: str | None
    valid_output: bool | None
    created_at: dt.datetime


class UsageTotals(BaseModel):
    """Totals over the range."""

    requests: int
    ok: int
    failed: int
    messages: int
    input_tokens: int
    output_tokens: int
    unpriced_requests: int
    cost_usd: Money = Field(description=_MONEY)


class Usage(BaseModel):
    """Ledger rows (newest first, paged), totals and a per-day series."""

    model_config = ConfigDict(populate_by_name=True)
    data: list[UsageRow]
    next_cursor: str | None
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    totals: UsageTotals
    by_day: list[DayUsage]


class CostDay(BaseModel):
    """Cost of one UTC day."""

    day: dt.date
    cost_usd: Money = Field(description=_MONEY)
    requests: int
    unpriced_requests: int


class CostProvider(BaseModel):
    """Cost of one provider."""

    provider_id: int | None
    provider_name: str | None
    requests: int
    unpriced_requests: int
    cost_usd: Money = Field(description=_MONEY)


class CostFeature(BaseModel):
    """Cost of one feature."""

    feature: str
    requests: int
    unpriced_requests: int
    cost_usd: Money = Field(description=_MONEY)


class Costs(BaseModel):
    """Cost by day, provider and feature; month to date and projected month end."""

    model_config = ConfigDict(populate_by_name=True)
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    total_usd: Money = Field(description=_MONEY)
    unpriced_requests: int
    by_day: list[CostDay]
    by_provider: list[CostProvider]
    by_feature: list[CostFeature]
    month_to_date_usd: Money = Field(description=_MONEY)
    month_to_date_requests: int
    month_to_date_unpriced_requests: int
    projected_month_end_usd: Money = Field(description=_MONEY)
    as_of: dt.datetime


class ProviderHealth(BaseModel):
    """A provider's health (also the data of a `provider.health` event)."""

    provider_id: int
    name: str
    kind: str
    model: str | None
    active: bool
    status: str = Field(description="healthy, degraded, down, cooling_down, inactive, unknown...")
    problem: str | None
    circuit: str
    window_attempts: int
    error_rate: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    consecutive_failures: int
    cooldown_until: dt.datetime | None
    last_check_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_error_class: str | None


class LocalHealth(BaseModel):
    """The built-in local analyser (always there)."""

    provider_id: None
    name: str
    kind: Literal["local"]
    status: str
    heuristic: bool


class Health(BaseModel):
    """Health per provider over the last `window` attempts."""

    data: list[ProviderHealth]
    local: LocalHealth
    window: int


class BreakdownRow(BaseModel):
    """Usage of one day x provider x feature x model."""

    day: dt.date
    provider_id: int | None
    provider_name: str | None
    provider_kind: str | None
    feature: str
    model: str | None
    requests: int
    ok: int
    messages: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money = Field(description=_MONEY)
    unpriced_requests: int


class CostBreakdown(BaseModel):
    """Rows of day x provider x feature x model."""

    data: list[BreakdownRow]


class FeatureProviderStats(ProviderStats):
    """One provider's numbers for a feature."""

    provider_name: str | None
    kind: str | None
    model: str | None


class FeatureUsage(BaseModel):
    """A feature's providers and totals."""

    feature: str
    providers: list[FeatureProviderStats]
    requests: int
    unpriced_requests: int
    cost_usd: Money = Field(description=_MONEY)


class UsageByFeature(BaseModel):
    """Per feature, the providers that served it."""

    data: list[FeatureUsage]


class Recommendation(BaseModel):
    """A recommendation with the numbers behind it."""

    type: Literal["cheaper_provider", "more_reliable_provider", "unreliable_provider",
                  "budget_risk"]
    feature: str | None
    provider_id: int
    provider_name: str
    reason: str
    numbers: dict[str, Any]


class ThinData(BaseModel):
    """A provider x feature with too few requests to judge."""

    provider_id: int
    provider_name: str | None
    feature: str
    requests: int


class Recommendations(BaseModel):
    """Recommendations, and what lacks data (fewer than `min_samples` requests)."""

    model_config = ConfigDict(populate_by_name=True)
    data: list[Recommendation]
    min_samples: int
    insufficient_data: list[ThinData]
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
