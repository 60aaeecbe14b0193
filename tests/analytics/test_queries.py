"""Each query function's numbers against hand-computed expectations (tests/analytics/data.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pytest import approx

from analytics import queries as q
from tests.analytics.data import CLAUDE, GPT, MON, TUE

Con = duckdb.DuckDBPyConnection


def by_key(frame: pl.DataFrame, key: str) -> dict[object, dict[str, object]]:
    """Rows of a frame keyed by one column."""
    return {row[key]: row for row in frame.to_dicts()}


def test_provider_comparison(con: Con, root: Path) -> None:
    rows = by_key(q.provider_comparison(con, root, 1, MON, TUE), "provider_id")
    assert set(rows) == {CLAUDE, GPT, 0}
    claude, gpt, local = rows[CLAUDE], rows[GPT], rows[0]
    assert claude["provider_name"] == "Claude" and claude["requests"] == 3
    assert claude["success_rate"] == 1.0 and claude["invalid_output_rate"] == 0.0
    # successful latencies 100, 300, 500: p50 300, p95 = 300 + 0.9 * 200
    assert claude["latency_p50_ms"] == approx(300.0)
    assert claude["latency_p95_ms"] == approx(480.0)
    assert (claude["input_tokens"], claude["output_tokens"]) == (5000, 1400)
    assert claude["cost_usd"] == approx(0.18)
    # two single-message calls succeeded (the summary carries no messages): 0.18 / 2 * 1000
    assert claude["messages"] == 2 and claude["cost_per_1k_messages"] == approx(90.0)
    assert gpt["requests"] == 4 and gpt["success_rate"] == 0.5
    assert gpt["invalid_output_rate"] == 0.25
    assert gpt["latency_p50_ms"] == approx(225.0) and gpt["latency_p95_ms"] == approx(247.5)
    assert gpt["cost_usd"] == approx(0.043) and gpt["unpriced_calls"] == 1
    assert gpt["cost_per_1k_messages"] == approx(21.5)
    assert local["provider_name"] == "Local (heuristic)" and local["messages"] == 5
    assert local["cost_per_1k_messages"] == 0.0
    assert all(row["human_override_rate"] is None for row in rows.values())


def test_provider_filter_and_days(con: Con, root: Path) -> None:
    only_gpt = q.provider_comparison(con, root, 1, TUE, TUE, provider_ids=[GPT])
    assert only_gpt["provider_id"].to_list() == [GPT]
    assert only_gpt["requests"].to_list() == [2]  # rows 6 and 7, Tuesday only
    assert q.provider_comparison(con, root, 1, MON, TUE, provider_ids=[]).is_empty()
    assert q.provider_comparison(con, root, 1, dt.date(2026, 10, 1),
                                 dt.date(2026, 10, 31)).is_empty()


def test_spend_by_day(con: Con, root: Path) -> None:
    frame = q.spend_by_day(con, root, 1, MON, TUE, by="feature")
    assert frame.columns[:2] == ["date", "feature"]
    cells = {(r["date"], r["feature"]): r for r in frame.to_dicts()}
    assert cells[(MON, "importance_detection")]["cost_usd"] == approx(0.068)
    assert cells[(MON, "importance_detection")]["calls"] == 3
    assert cells[(MON, "summarization")]["failures"] == 1
    assert cells[(TUE, "importance_detection")]["calls"] == 3
    assert cells[(TUE, "importance_detection")]["unpriced_calls"] == 1
    assert cells[(TUE, "summarization")]["cost_usd"] == approx(0.12)
    by_provider = q.spend_by_day(con, root, 1, MON, TUE, by="provider", provider_ids=[CLAUDE])
    assert by_provider["provider"].unique().to_list() == ["Claude"]
    assert by_provider["cost_usd"].sum() == approx(0.18)
    models = q.spend_by_day(con, root, 1, TUE, TUE, by="model")
    assert set(models["model"]) == {"claude-3-opus-20240229", "gpt-4-turbo", "gpt-x-preview",
                                    "heuristic"}
    with pytest.raises(ValueError):
        q.spend_by_day(con, root, 1, MON, TUE, by="tenant")  # type: ignore[arg-type]


def test_month_to_date_and_projection(con: Con, root: Path) -> None:
    rows = by_key(q.month_to_date(con, root, 1, TUE), "provider_id")
    # November has 30 days; as of the 3rd: spend / 3 * 30
    assert rows[CLAUDE]["spend_usd"] == approx(0.18)
    assert rows[CLAUDE]["projected_usd"] == approx(1.8)
    assert rows[GPT]["spend_usd"] == approx(0.043)
    assert rows[GPT]["daily_avg_usd"] == approx(0.043 / 3)
    as_of_monday = by_key(q.month_to_date(con, root, 1, MON), "provider_id")
    assert as_of_monday[CLAUDE]["spend_usd"] == approx(0.06)
    assert as_of_monday[CLAUDE]["projected_usd"] == approx(0.06 / 2 * 30)


def test_budget_burn(con: Con, root: Path) -> None:
    budgets = pl.DataFrame({"provider_id": [CLAUDE, GPT, 13],
                            "provider_name": ["Claude", "GPT", "Cohere"],
                            "monthly_budget_usd": [0.2, 1.0, None]})
    rows = by_key(q.budget_burn(con, root, 1, TUE, budgets), "provider_id")
    assert rows[CLAUDE]["burn_pct"] == approx(90.0) and rows[CLAUDE]["status"] == "80% used"
    assert rows[CLAUDE]["projected_pct"] == approx(900.0)
    assert rows[GPT]["burn_pct"] == approx(4.3) and rows[GPT]["status"] == "on track"
    assert rows[13]["spend_usd"] == 0.0 and rows[13]["status"] == "no budget"
    assert rows[0]["status"] == "no budget"  # the local analyser has no budget
    tight = budgets.with_columns(monthly_budget_usd=pl.lit(0.1))
    rows = by_key(q.budget_burn(con, root, 1, TUE, tight), "provider_id")
    assert rows[CLAUDE]["status"] == "over budget"
    assert rows[GPT]["status"] == "projected over"  # 43% now, 0.43 projected > 0.1


def test_traffic_buckets(con: Con, root: Path) -> None:
    days = by_key(q.traffic(con, root, 1, MON, TUE, by="day"), "date")
    assert (days[MON]["inbound"], days[MON]["outbound"]) == (5, 3)
    # (180 + 600) / 3 responses; p50 weighted (90*2 + 600*1) / 3
    assert days[MON]["first_response_avg_s"] == approx(260.0)
    assert days[MON]["first_response_p50_s"] == approx(260.0)
    assert days[MON]["first_response_p90_s"] == approx(300.0)
    assert days[TUE]["responses"] == 0 and days[TUE]["first_response_avg_s"] is None
    hours = by_key(q.traffic(con, root, 1, MON, TUE, by="hour"), "hour")
    assert hours[9]["inbound"] == 6 and hours[9]["first_response_p50_s"] == approx(90.0)
    assert hours[14]["first_response_p90_s"] == approx(600.0)
    weekdays = by_key(q.traffic(con, root, 1, MON, TUE, by="weekday"), "weekday")
    assert set(weekdays) == {1, 2} and weekdays[2]["inbound"] == 2
    heat = q.traffic(con, root, 1, MON, TUE, by="weekday_hour")
    assert heat.select("weekday", "hour").rows() == [(1, 9), (1, 14), (2, 9)]


def test_top_conversations(con: Con, root: Path) -> None:
    frame = q.top_conversations(con, root, 1, MON, TUE, limit=2)
    assert frame["conversation_id"].to_list() == [102, 100]
    top = frame.row(0, named=True)
    assert top["cost_usd"] == approx(0.12) and top["calls"] == 2 and top["tokens"] == 4500
    assert top["unpriced_calls"] == 1
    assert top["features"] == "importance_detection, summarization"
    assert q.top_conversations(con, root, 1, MON, TUE, provider_ids=[GPT])[
        "conversation_id"].to_list() == [101, 100, 102]


def test_cost_breakdown_matches_the_rollup(con: Con, root: Path) -> None:
    frame = q.cost_breakdown(con, root, 1, MON, TUE)
    assert frame.height == 7
    assert frame["calls"].sum() == 8 and frame["cost_usd"].sum() == approx(0.223)
    cell = frame.filter((pl.col("date") == TUE) & (pl.col("model") == "gpt-x-preview"))
    assert cell.row(0, named=True)["cost_usd"] is None  # unpriced stays NULL, never 0
    assert cell.row(0, named=True)["unpriced_calls"] == 1
    daily = q.spend_by_day(con, root, 1, MON, TUE, by="model")
    assert daily["cost_usd"].sum() == approx(frame["cost_usd"].sum())
    assert daily["calls"].sum() == frame["calls"].sum()


def test_providers_seen(con: Con, root: Path) -> None:
    frame = q.providers_seen(con, root, 1, MON, TUE)
    assert frame.rows() == [(CLAUDE, "Claude", "anthropic"), (GPT, "GPT", "openai"),
                            (0, "Local (heuristic)", "local")]
