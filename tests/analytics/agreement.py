"""Builders of the API/Streamlit agreement tests (no tests here): ledger rows at chosen times,
the real Dagster export of chosen days, the API read through HTTP, and money as the API shows
it (a decimal string with 6 places, None when unknown)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import streamlit as st
from flask.testing import FlaskClient

from pipelines.exports import analytics_parquet_export
from pipelines.resources import PostgresResource
from tests.factories import MASTER_KEY, PASSWORD
from webapp.db import Database

KINDS = {"gpt": "openai", "claude": "anthropic", "cohere": "cohere", None: "local"}


@dataclass(frozen=True)
class Call:
    """One ledger row: when (UTC), which provider key (None: the built-in local analyser), what
    for, tokens, cost (None: unpriced), outcome, messages handled and latency."""

    at: dt.datetime
    provider: str | None
    feature: str
    model: str
    input_tokens: int
    output_tokens: int
    cost: str | None
    status: str = "ok"
    message_count: int = 1
    latency_ms: float = 100.0


def utc(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """A UTC instant in 2026."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=dt.UTC)


def add_calls(db: Database, tenant_id: int, providers: dict[str, int],
              calls: Iterable[Call]) -> None:
    """Write the ledger rows as ledger.insert does (unpriced = no cost, valid output = ok), at
    their own times (ledger.insert stamps now())."""
    with db.tenant(tenant_id) as conn:
        for c in calls:
            conn.execute(
                "insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model,"
                " feature, message_count, prompt_version, input_tokens, output_tokens, cost_usd,"
                " unpriced, latency_ms, status, error_class, valid_output, created_at) values"
                " (mf_current_tenant(), %s, %s, %s, %s, %s, 'v1', %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s)",
                (None if c.provider is None else providers[c.provider], KINDS[c.provider],
                 c.model, c.feature, c.message_count, c.input_tokens, c.output_tokens,
                 None if c.cost is None else Decimal(c.cost), c.cost is None, c.latency_ms,
                 c.status, None if c.status == "ok" else "Err", c.status == "ok", c.at))


def export(database_url: str, root: Path, tenant_ids: list[int], days: Iterable[dt.date]) -> None:
    """Materialize the Parquet export asset for each day in order, as the daily schedule does
    (the month's rollup is compacted after each day)."""
    pg = PostgresResource(dsn=database_url, master_key=MASTER_KEY)
    config = {"analytics_dir": str(root), "tenant_ids": tenant_ids}
    for day in sorted(set(days)):
        result = dg.materialize(
            [analytics_parquet_export], partition_key=day.isoformat(), resources={"pg": pg},
            run_config={"ops": {"analytics_parquet_export": {"config": config}}})
        assert result.success


def sign_in(client: FlaskClient, email: str) -> dict[str, str]:
    """Bearer headers of a member, signed in through the API."""
    r = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def api(client: FlaskClient, headers: dict[str, str], path: str, start: dt.date,
        end: dt.date, **query: Any) -> Any:
    """GET /api/v1<path>?from=start&to=end (UTC dates); the JSON body of a 200."""
    r = client.get(f"/api/v1{path}", headers=headers,
                   query_string={"from": start.isoformat(), "to": end.isoformat(), **query})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def usd(value: float | Decimal | None) -> str | None:
    """A Streamlit float in USD written as the API writes money (6 places; None stays None)."""
    return None if value is None else f"{value:.6f}"


def priced_sum(costs: Iterable[str | None]) -> str | None:
    """The API's rule for a group's cost: the sum of its priced calls, None when none is priced."""
    known = [Decimal(c) for c in costs if c is not None]
    return None if not known else f"{sum(known, Decimal(0)):.6f}"


@contextmanager
def streamlit_env(database_url: str, root: Path, home: Path) -> Iterator[None]:
    """The environment Streamlit runs with (`up` sets it), and its caches and pool cleared
    after, before the module's database is dropped."""
    from streamlit_app import data

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", database_url)
        mp.setenv("ANALYTICS_DIR", str(root))
        mp.setenv("MESSAGEFLOW_HOME", str(home))
        try:
            yield
        finally:
            st.cache_data.clear()
            data._database(database_url).close()
            st.cache_resource.clear()
