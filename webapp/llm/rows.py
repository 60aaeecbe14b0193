"""Rows of the LLM layer that cross its modules, read with `webapp.db.rows` (class_row).

A provider row is read once (providers, routing, health) and handed to the breaker, the limits,
the key check and the client adapter; the breaker's state is read and written by the breaker,
the limits and the health view. The ledger's rows are in webapp/llm/usage_rows.py. Field names
are the queries' column names (`select *` rows: the table's columns, checked by
tests/webapp/db/test_rows.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from webapp.llm.client import ProviderKind


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """An `llm_providers` row (`select *`): the provider as stored, its key still encrypted."""

    id: int
    tenant_id: int
    name: str
    kind: ProviderKind
    model: str
    api_key_encrypted: str | None
    api_key_hint: str | None
    api_base: str | None
    temperature: Decimal
    max_tokens: int
    timeout_s: Decimal
    rpm: int | None
    rpd: int | None
    monthly_budget_usd: Decimal | None
    price_input_per_mtok: Decimal | None
    price_output_per_mtok: Decimal | None
    active: bool
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ProviderState(ProviderRow):
    """A provider with its breaker's gate columns (NULL before its first call) and the
    database's clock: what one attempt on it needs (routing, test calls)."""

    circuit: str | None
    cooldown_until: dt.datetime | None
    probe_until: dt.datetime | None
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class RouteCandidate(ProviderState):
    """A provider on a feature's route: its priority there (NULL: the tenant default)."""

    priority: int | None


class GateState(Protocol):
    """What the breaker's gate reads: any row carrying the breaker's gate columns."""

    @property
    def circuit(self) -> str | None:
        """closed | open (None: no health row yet, i.e. closed)."""

    @property
    def cooldown_until(self) -> dt.datetime | None:
        """No request before this time."""

    @property
    def probe_until(self) -> dt.datetime | None:
        """A half-open probe is in flight until this time."""


@dataclass(frozen=True, slots=True)
class BreakerState:
    """The breaker columns of an `llm_health` row, as breaker.next_state computes them."""

    circuit: str
    consecutive_failures: int
    trips: int
    cooldown_until: dt.datetime | None
    probe_until: dt.datetime | None
    last_check_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_error_class: str | None


@dataclass(frozen=True, slots=True)
class HealthWindow(BreakerState):
    """A provider's `llm_health` row, locked, with the database's clock and its rolling window
    (the last breaker.WINDOW attempts)."""

    tenant_id: int
    provider_id: int
    status: str
    updated_at: dt.datetime
    now: dt.datetime
    attempts: int
    failures: int
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class GateRow:
    """A provider's breaker gate, locked for a reservation, and the UTC day and month."""

    circuit: str
    cooldown_until: dt.datetime | None
    probe_until: dt.datetime | None
    now: dt.datetime
    day: dt.date
    month: dt.date


@dataclass(frozen=True, slots=True)
class ProviderHealth:
    """A provider with its breaker state (None before its first call) and rolling window: one
    entry of the health view."""

    provider_id: int
    name: str
    kind: str
    model: str
    active: bool
    api_key_encrypted: str | None
    tenant_id: int
    monthly_budget_usd: Decimal | None
    price_input_per_mtok: Decimal | None
    price_output_per_mtok: Decimal | None
    status: str | None
    circuit: str | None
    consecutive_failures: int | None
    cooldown_until: dt.datetime | None
    probe_until: dt.datetime | None
    last_check_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_error_class: str | None
    now: dt.datetime
    attempts: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class FeatureRoute:
    """One provider on one feature's route, with what the route listing shows of it."""

    feature: str
    priority: int
    provider_id: int
    name: str
    kind: str
    model: str
    active: bool
