"""The API's cost metrics (SQL over the ledger: /llm/costs, /llm/analytics/cost-breakdown,
/llm/analytics/usage-by-feature, /llm/providers/comparison) and Streamlit's (DuckDB over the
Parquet export: streamlit_app.data) agree on the same ledger, exported by the real Dagster asset.

Where they must agree (a UTC tenant, so that the API's UTC days are the export's local days):
requests, successes and failures, input and output tokens, cost (a group with no priced call has
no cost, never 0), unpriced calls and cost per 1,000 messages, in total and per day, provider,
feature, model and their combinations. Where they differ by definition (analytics/README.md,
"The API and Streamlit"): days (UTC against the tenant's), the local analyser's id and name,
latency percentiles and "messages"; each difference is checked here too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from analytics.schema import LLM_COST_DAILY
from analytics.views import LOCAL_PROVIDER_ID, partition_sources
from streamlit_app import data
from tests import factories as make
from tests.analytics.agreement import (
    Call,
    add_calls,
    api,
    export,
    priced_sum,
    sign_in,
    streamlit_env,
    usd,
    utc,
)
from webapp.db import Database
from webapp.security.principal import Principal

START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 1)  # all of November is one monthly file
SP = "America/Sao_Paulo"  # UTC-3 all year (no daylight saving since 2019)
ZONE = dt.timezone(dt.timedelta(hours=-3))  # its offset, for the expectations below

IMP, SUM, SCORE = "importance_detection", "summarization", "conversation_scoring"
UTC_CALLS = [  # Cohere's model has no price: all its calls are unpriced
    Call(utc(11, 1, 9), "gpt", IMP, "gpt-4o", 1200, 300, "0.006", "ok", 5, 820),
    Call(utc(11, 1, 9, 5), "gpt", IMP, "gpt-4o", 800, 0, "0.002", "error", 5, 30000),
    Call(utc(11, 1, 23, 59, 59), "claude", SUM, "claude-3-5", 3000, 500, "0.0165", "ok", 12, 1500),
    Call(utc(11, 2, 0), "claude", SUM, "claude-3-5", 2500, 400, "0.0135", "ok", 8, 1300),
    Call(utc(11, 2, 10), "cohere", SCORE, "command-x", 900, 100, None, "ok", 3, 400),
    Call(utc(11, 2, 10, 1), "cohere", SCORE, "command-x", 0, 0, None, "timeout", 3, 20000),
    Call(utc(11, 2, 11), None, IMP, "heuristic", 0, 0, "0", "ok", 20, 4),
    Call(utc(11, 15, 12), "gpt", SUM, "gpt-4o", 4000, 600, "0.016", "invalid_output", 10, 2100),
    Call(utc(11, 15, 12, 30), "gpt", IMP, "gpt-4o-mini", 1000, 200, "0.00027", "ok", 5, 600),
    Call(utc(11, 15, 13), "cohere", IMP, "command-x", 700, 90, None, "ok", 5, 380),
    Call(utc(11, 30, 23), "claude", IMP, "claude-3-5", 500, 50, "0.00225", "rate_limited", 1, 90),
    Call(utc(12, 1, 0, 30), "cohere", SUM, "command-x", 1500, 300, None, "ok", 6, 900),
    Call(utc(12, 1, 8), "gpt", IMP, "gpt-4o", 1000, 250, "0.005", "ok", 5, 700),
    Call(utc(12, 2, 9), "gpt", IMP, "gpt-4o", 99999, 99999, "9.99", "ok", 5),  # after the range
]
# São Paulo: the first row is Oct 31 there, the second Nov 14, the last Dec 1 (22:00).
SP_CALLS = [
    Call(utc(11, 1, 2), "gpt", IMP, "gpt-4o", 400, 40, "0.0014", "ok", 2),
    Call(utc(11, 15, 1, 30), "gpt", SUM, "gpt-4o", 2000, 300, "0.008", "ok", 9),
    Call(utc(11, 2, 15), "gpt", IMP, "gpt-4o", 1000, 100, "0.0035", "ok", 4),
    Call(utc(11, 30, 23, 30), "gpt", IMP, "gpt-4o", 600, 60, "0.0021", "ok", 2),
    Call(utc(12, 2, 1), "gpt", IMP, "gpt-4o", 1500, 150, "0.00525", "ok", 5),
]


@dataclass
class Side:
    """One tenant as both sides see it: API headers, a Streamlit principal, provider ids."""

    tenant_id: int
    headers: dict[str, str]
    user: Principal
    providers: dict[str, int]


@dataclass
class World:
    """The UTC and the São Paulo tenant, and the API client."""

    client: FlaskClient
    utc: Side
    sp: Side


def _side(db: Database, client: FlaskClient, name: str, tz: str, calls: list[Call],
          spare: bool = False) -> Side:
    tenant = make.tenant(db, name, tz)
    email = make.unique_email("owner")
    make.user(db, tenant, "owner", email=email)
    providers = {"gpt": make.provider(db, tenant, "GPT", model="gpt-4o"),
                 "claude": make.provider(db, tenant, "Claude", kind="anthropic",
                                         model="claude-3-5"),
                 "cohere": make.provider(db, tenant, "Cohere", kind="cohere", model="command-x")}
    if spare:  # configured, never called: the API lists it, Streamlit has no row for it
        providers["spare"] = make.provider(db, tenant, "Spare", model="gpt-4o-mini")
    add_calls(db, tenant, providers, calls)
    principal = make.principal(db, name, tenant_id=tenant)
    return Side(tenant, sign_in(client, email), principal, providers)


@pytest.fixture(scope="module")
def world(db: Database, database_url: str, app: Flask,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Both tenants' ledgers, exported day by day by the Dagster asset; Streamlit's env."""
    client = app.test_client()
    one = _side(db, client, "Agree UTC", "UTC", UTC_CALLS, spare=True)
    two = _side(db, client, "Agree SP", SP, SP_CALLS)
    root = tmp_path_factory.mktemp("analytics")
    days = {c.at.date() for c in UTC_CALLS}
    days |= {c.at.astimezone(ZONE).date() for c in SP_CALLS} - {dt.date(2026, 10, 31)}
    export(database_url, root, [one.tenant_id, two.tenant_id], days)
    with streamlit_env(database_url, root, tmp_path_factory.mktemp("home")):
        yield World(client, one, two)


def _pid(provider_id: int) -> int | None:
    """Streamlit's provider id as the API writes it (the local analyser: 0 in Streamlit, null in
    the API)."""
    return None if provider_id == LOCAL_PROVIDER_ID else provider_id


def _groups(frame: pl.DataFrame, keys: list[str]) -> dict[Any, dict[str, Any]]:
    """Streamlit rows summed by keys, in the API's terms: requests, ok, tokens, cost, unpriced."""
    rows = frame.group_by(keys).agg(
        pl.col("calls").sum().alias("requests"), pl.col("failures").sum().alias("failures"),
        pl.col("input_tokens").sum(), pl.col("output_tokens").sum(),
        pl.col("cost_usd").sum().alias("cost"), pl.col("cost_usd").count().alias("priced"),
        pl.col("unpriced_calls").sum())
    out = {}
    for r in rows.to_dicts():
        key = tuple(_pid(r[k]) if k == "provider_id" else r[k] for k in keys)
        out[key[0] if len(keys) == 1 else key] = {
            "requests": r["requests"], "ok": r["requests"] - r["failures"],
            "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"],
            "cost_usd": usd(r["cost"]) if r["priced"] else None,
            "unpriced_requests": r["unpriced_calls"]}
    return out


def _pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: row[name] for name in names}


def test_the_range_reads_the_monthly_compaction(world: World) -> None:
    # The production read path: November whole from its monthly file, December 1 daily.
    daily, monthly = partition_sources(Path(data.analytics_dir()), LLM_COST_DAILY,
                                       world.utc.tenant_id, START, END)
    assert len(monthly) == 1 and len(daily) == 1


def test_costs_by_day_provider_and_feature(world: World) -> None:
    side = world.utc
    body = api(world.client, side.headers, "/llm/costs", START, END)
    breakdown = data.cost_breakdown(side.user, START, END)
    by_feature = data.spend_by_day(side.user, START, END, by="feature")
    in_range = [c for c in UTC_CALLS if START <= c.at.date() <= END]
    assert body["total_usd"] == usd(breakdown["cost_usd"].sum()) == priced_sum(
        c.cost for c in in_range) == "0.061520"
    assert body["unpriced_requests"] == breakdown["unpriced_calls"].sum() == 4
    fields = ("requests", "cost_usd", "unpriced_requests")
    days = _groups(breakdown, ["date"])
    assert {dt.date.fromisoformat(d["day"]): _pick(d, *fields) for d in body["by_day"]} == {
        day: _pick(g, *fields) for day, g in days.items()}
    assert len(days) == 5
    providers = _groups(breakdown, ["provider_id"])
    assert {p["provider_id"]: _pick(p, *fields) for p in body["by_provider"]} == {
        pid: _pick(g, *fields) for pid, g in providers.items()}
    assert providers[side.providers["cohere"]]["cost_usd"] is None  # every call unpriced
    assert providers[None]["cost_usd"] == "0.000000"               # free, not unknown
    assert {f["feature"]: _pick(f, *fields) for f in body["by_feature"]} == {
        f: _pick(g, *fields) for f, g in _groups(by_feature, ["feature"]).items()}


def test_costs_of_one_provider(world: World) -> None:
    side = world.utc
    gpt = side.providers["gpt"]
    body = api(world.client, side.headers, "/llm/costs", START, END, provider_id=gpt)
    spend = data.spend_by_day(side.user, START, END, (gpt,))
    assert body["total_usd"] == usd(spend["cost_usd"].sum()) == "0.029270"
    assert sum(d["requests"] for d in body["by_day"]) == spend["calls"].sum() == 5


def test_cost_breakdown(world: World) -> None:
    side = world.utc
    body = api(world.client, side.headers, "/llm/analytics/cost-breakdown", START, END)["data"]
    mine = _groups(data.cost_breakdown(side.user, START, END),
                   ["date", "provider_id", "feature", "model"])
    fields = ("requests", "ok", "input_tokens", "output_tokens", "cost_usd", "unpriced_requests")
    assert {(dt.date.fromisoformat(r["day"]), r["provider_id"], r["feature"], r["model"]):
            _pick(r, *fields) for r in body} == {k: _pick(g, *fields) for k, g in mine.items()}
    assert len(body) == 11


def test_usage_by_feature(world: World) -> None:
    side = world.utc
    body = api(world.client, side.headers, "/llm/analytics/usage-by-feature", START, END)
    breakdown = data.cost_breakdown(side.user, START, END)
    per_pair = _groups(breakdown, ["feature", "provider_id"])
    per_feature = _groups(data.spend_by_day(side.user, START, END, by="feature"), ["feature"])
    fields = ("requests", "ok", "input_tokens", "output_tokens", "cost_usd", "unpriced_requests")
    pairs = {(f["feature"], p["provider_id"]): _pick(p, *fields)
             for f in body["data"] for p in f["providers"]}
    assert pairs == {k: _pick(g, *fields) for k, g in per_pair.items()}
    totals = ("requests", "cost_usd", "unpriced_requests")
    assert {f["feature"]: _pick(f, *totals) for f in body["data"]} == {
        k: _pick(g, *totals) for k, g in per_feature.items()}


def test_provider_comparison(world: World) -> None:
    side = world.utc
    body = api(world.client, side.headers, "/llm/providers/comparison", START, END)["data"]
    frame = data.provider_comparison(side.user, START, END)
    theirs = {p["provider_id"]: p for p in body}
    assert theirs[side.providers["spare"]]["requests"] == 0  # unused: only the API lists it
    used = {pid: p for pid, p in theirs.items() if p["requests"]}
    mine = {_pid(r["provider_id"]): r for r in frame.to_dicts()}
    assert set(used) == set(mine) and len(mine) == 4
    for pid, p in used.items():
        r = mine[pid]
        assert (p["requests"], p["input_tokens"], p["output_tokens"], p["unpriced_requests"]) == (
            r["requests"], r["input_tokens"], r["output_tokens"], r["unpriced_calls"])
        assert p["success_rate"] == round(r["success_rate"], 4)
        assert p["cost_usd"] == usd(r["cost_usd"])
        assert p["cost_per_1000_messages"] == usd(r["cost_per_1k_messages"])
    assert used[side.providers["gpt"]]["cost_per_1000_messages"] == "1.951333"  # 0.02927 / 15


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation (PostgreSQL's percentile_cont, DuckDB's quantile_cont)."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def test_what_differs_by_definition(world: World) -> None:
    side = world.utc
    body = api(world.client, side.headers, "/llm/providers/comparison", START, END)["data"]
    theirs = {p["provider_id"]: p for p in body}
    mine = {_pid(r["provider_id"]): r
            for r in data.provider_comparison(side.user, START, END).to_dicts()}
    gpt = side.providers["gpt"]
    calls = [c for c in UTC_CALLS if c.provider == "gpt" and START <= c.at.date() <= END]
    ok = [c for c in calls if c.status == "ok"]
    # Latency: the API's percentiles are over every attempt, Streamlit's over successful calls.
    assert theirs[gpt]["p95_latency_ms"] == round(
        _percentile([c.latency_ms for c in calls], 0.95), 1)
    assert mine[gpt]["latency_p95_ms"] == pytest.approx(
        _percentile([c.latency_ms for c in ok], 0.95))
    # "messages": the API sums every attempt's message_count, Streamlit the successful ones'.
    assert theirs[gpt]["messages"] == sum(c.message_count for c in calls) == 30
    assert mine[gpt]["messages"] == sum(c.message_count for c in ok) == 15
    # The built-in local analyser: null and its product name in the API, 0 in the export.
    assert (theirs[None]["name"], mine[None]["provider_id"], mine[None]["provider_name"]) == (
        "Built-in local analyser", LOCAL_PROVIDER_ID, "Local (heuristic)")


def _by_day(calls: list[Call], day_of: Any, start: dt.date, end: dt.date) -> dict[dt.date, Any]:
    """Requests and priced cost per day of the rows whose day (day_of) is in start..end."""
    days: dict[dt.date, list[Call]] = defaultdict(list)
    for c in calls:
        if start <= day_of(c) <= end:
            days[day_of(c)].append(c)
    return {d: {"requests": len(cs), "cost_usd": priced_sum(c.cost for c in cs)}
            for d, cs in days.items()}


def test_a_non_utc_tenant_counts_days_differently(world: World) -> None:
    side = world.sp
    body = api(world.client, side.headers, "/llm/costs", START, END)
    breakdown = data.cost_breakdown(side.user, START, END)
    mine = _groups(breakdown, ["date"])
    # The API cuts UTC days, Streamlit the tenant's days: each is its own grouping of the ledger.
    api_days = _by_day(SP_CALLS, lambda c: c.at.date(), START, END)
    local_days = _by_day(SP_CALLS, lambda c: c.at.astimezone(ZONE).date(), START, END)
    assert {dt.date.fromisoformat(d["day"]): _pick(d, "requests", "cost_usd")
            for d in body["by_day"]} == api_days
    assert {d: _pick(g, "requests", "cost_usd") for d, g in mine.items()} == local_days
    # A row far from midnight on both clocks is on the same day on both sides...
    for day in (dt.date(2026, 11, 2), dt.date(2026, 11, 30)):
        assert api_days[day] == local_days[day]
    # ...one made 21:00-24:00 local is on the next day in the API (Nov 15, not Nov 14)...
    assert set(api_days) - set(local_days) == {dt.date(2026, 11, 1), dt.date(2026, 11, 15)}
    assert set(local_days) - set(api_days) == {dt.date(2026, 11, 14), dt.date(2026, 12, 1)}
    # ...so the same dates are two windows 3 h apart: the API's range holds Oct 31 21:00-24:00
    # local and not Dec 1 21:00-24:00 local, Streamlit's the other way round.
    assert Decimal(body["total_usd"]) - Decimal(usd(breakdown["cost_usd"].sum()) or "0") == (
        Decimal("0.0014") - Decimal("0.00525"))
