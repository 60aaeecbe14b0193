"""Request and query models of the LLM endpoints (pydantic; Flask-free, shared with services)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from webapp.inputs import (
    NON_BLANK,
    SPACES,
    Day,
    Id,
    Instant,
    RequestModel,
    given_forbids,
    given_requires,
    not_nullable,
    schema_rules,
)
from webapp.pagination import PageQuery


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone, e.g. 2026-11-25T09:02:00Z or +01:00")
    return value


# A point in time given by a client: a naive time is refused, never read in the server's zone.
AwareDatetime = Annotated[Instant, AfterValidator(_aware)]

Kind = Literal["anthropic", "openai", "cohere", "openai_compatible", "local"]


def _usd_pattern(digits: int) -> str:
    return f"^[0-9]{{1,{digits}}}(\\.[0-9]{{1,6}})?$"


def _usd_parser(digits: int) -> Callable[[Any], Decimal]:
    """A USD amount of up to `digits` integer digits and 6 places (what its numeric column
    holds): a decimal string, or a JSON number rounded to 6 places (a binary float has no exact
    decimal places). `_usd_schema` says the same."""
    text = re.compile(_usd_pattern(digits))
    limit = Decimal("9" * digits + ".999999")

    def parse(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            amount = value
        elif isinstance(value, int) and not isinstance(value, bool):
            amount = Decimal(value)  # exact, however large (the limit below refuses it)
        elif isinstance(value, float) and math.isfinite(value):
            amount = Decimal(str(value)).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)
        elif isinstance(value, str) and text.fullmatch(value):
            amount = Decimal(value)
        else:
            raise PydanticCustomError(
                "usd", "must be a USD amount: a number or a string such as \"12.50\" "
                       "(at most 6 decimal places)")
        if not 0 <= amount <= limit:
            raise PydanticCustomError("usd_range", "must be between 0 and {limit}",
                                      {"limit": str(limit)})
        return amount

    return parse


def _usd_schema(digits: int) -> dict[str, Any]:
    return {"anyOf": [{"type": "number", "minimum": 0,
                       "maximum": float("9" * digits + ".999999")},
                      {"type": "string", "pattern": _usd_pattern(digits)}]}


# numeric(14, 6) and numeric(12, 6): 10^8 overflowed the column (a 500 the fuzzing found).
Budget = Annotated[Decimal, BeforeValidator(_usd_parser(8)), WithJsonSchema(_usd_schema(8))]
PricePerMtok = Annotated[Decimal, BeforeValidator(_usd_parser(5)),
                         WithJsonSchema(_usd_schema(5))]


class _Strict(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProviderFields(_Strict):
    """Settings shared by create and update (all optional here)."""

    model: str | None = Field(None, min_length=1, max_length=200, pattern=NON_BLANK)
    api_base: str | None = Field(
        None, max_length=500, pattern=f"^https?://[^{SPACES}]+$",
        description="Refused (400 `api_base_refused`) when it is a loopback, private, "
                    "link-local or otherwise non-public address the deployment's "
                    "OUTBOUND_ALLOW does not list.")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=200_000)
    timeout_s: float | None = Field(None, ge=0.1, le=600,
                                    description="seconds, stored with one decimal")
    requests_per_minute: int | None = Field(None, ge=1, le=1_000_000)
    requests_per_day: int | None = Field(None, ge=1, le=100_000_000)
    monthly_budget_usd: Budget | None = None
    price_input_per_mtok: PricePerMtok | None = None
    price_output_per_mtok: PricePerMtok | None = None
    active: bool | None = None
    is_default: bool | None = None


def _kind_is(*kinds: str) -> dict[str, object]:
    return {"required": ["kind"], "properties": {"kind": {"enum": list(kinds)}}}


class ProviderCreate(ProviderFields):
    """A new provider; `api_key` is required except for `local` and `openai_compatible`."""

    model_config = ConfigDict(json_schema_extra=schema_rules(
        {"if": _kind_is("local"), "then": given_forbids("kind", "api_key", "api_base")["then"]},
        {"if": _kind_is("openai_compatible"),
         "then": given_requires("kind", "api_base", "model")["then"]},
        {"if": _kind_is("anthropic", "openai", "cohere"),
         "then": given_requires("kind", "api_key")["then"]},
        given_requires("price_input_per_mtok", "price_output_per_mtok"),
        given_requires("price_output_per_mtok", "price_input_per_mtok")))
    name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    kind: Kind
    api_key: str | None = Field(None, min_length=1, max_length=1000, pattern=NON_BLANK)

    @model_validator(mode="after")
    def _consistent(self) -> ProviderCreate:
        if self.kind == "local" and (self.api_key or self.api_base):
            raise ValueError("the local provider takes no api_key or api_base")
        if self.kind == "openai_compatible" and not self.api_base:
            raise ValueError("openai_compatible providers need an api_base")
        if self.kind in ("anthropic", "openai", "cohere") and not self.api_key:
            raise ValueError(f"{self.kind} providers need an api_key")
        if (self.price_input_per_mtok is None) != (self.price_output_per_mtok is None):
            raise ValueError("give both price overrides or neither")
        return self


class ProviderUpdate(ProviderFields):
    """Changes to a provider; `api_key` rotates the key (null clears it where allowed).
    `name`, `model`, `temperature`, `max_tokens`, `timeout_s`, `active` and `is_default`
    cannot be null."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "name", "model", "temperature", "max_tokens", "timeout_s", "active", "is_default"))
    name: str | None = Field(None, min_length=1, max_length=100, pattern=NON_BLANK)
    api_key: str | None = Field(None, min_length=1, max_length=1000, pattern=NON_BLANK)


class AssignProvider(_Strict):
    """Put a provider on a feature's route (lower priority runs first)."""

    provider_id: Id
    priority: int = Field(100, ge=0, le=10_000)


class RouteOrder(_Strict):
    """A feature's route, first tried first (providers left out come off the route)."""

    provider_ids: list[Id] = Field(max_length=50, json_schema_extra={"uniqueItems": True})


class RangeQuery(_Strict):
    """A UTC date range, both days included (default: the last 30 days), and filters."""

    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")
    provider_id: Id | None = None
    feature: str | None = Field(None, max_length=50)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise ValueError(f"must be on or after from ({start.isoformat()})")
        return end


class UsageQuery(RangeQuery, PageQuery):
    """Ledger rows (newest first) in a range, with filters and keyset pagination."""

    status: Literal["ok", "error", "timeout", "rate_limited", "invalid_output"] | None = None


class ChainStep(BaseModel):
    """One step of what a feature tries: an assigned provider, the default, or the built-in
    analyser (`source` route | default | local; provider_id null for local)."""

    source: Literal["route", "default", "local"]
    provider_id: int | None
    name: str
    kind: str
    model: str
    gate: Literal["go", "probe", "cooling_down", "probe_in_flight"]
    available: bool


class FeatureRouteOut(BaseModel):
    """A provider on a feature's route (lower priority is tried first)."""

    provider_id: int
    name: str
    kind: str
    model: str
    priority: int
    active: bool


class FeatureFallback(BaseModel):
    """What follows the route: the tenant's default provider, then the built-in analyser."""

    default_provider_id: int | None
    default_provider_name: str | None
    local: str


class FeatureOut(BaseModel):
    """A feature's route; `effective` is what a call will actually use now: the first step of
    `chain` that is `available` (the built-in analyser always is)."""

    name: str
    prompt_version: str
    providers: list[FeatureRouteOut]
    fallback: FeatureFallback
    effective: ChainStep
    chain: list[ChainStep]
