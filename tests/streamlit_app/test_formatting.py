"""Numbers, dates and headers as people read them (issue 10, 4.6): money as $1,234.56 (small
amounts with four decimals, never six zeros), shares as 12.5%, one axis band per day of the
range (no duplicate or future days; a single day is a normal bar), human table headers, a
plain message instead of a chart of $0, and which days are live and which exported."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
from streamlit.testing.v1 import AppTest

from streamlit_app import charts, ui
from tests.analytics.data import MON, TUE
from tests.streamlit_app.conftest import World, app_as


def specs(at: AppTest) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the page's charts."""
    return [json.loads(e.proto.spec) for e in at.main if e.type == "vega_lite_chart"]  # type: ignore[attr-defined]


def columns(at: AppTest, index: int) -> dict[str, Any]:
    """A table's column configuration (headers, formats)."""
    config: dict[str, Any] = json.loads(at.dataframe[index].proto.columns)
    return config


def test_usage_tables_have_human_headers_and_money_formats(world: World) -> None:
    at = app_as(world, "manager", "usage_cost")
    assert not at.exception
    for index in range(len(at.dataframe)):
        labels = [c["label"] for name, c in columns(at, index).items() if name != "_index"]
        assert labels and not [label for label in labels if "_" in label], labels
    daily = columns(at, 0)
    assert daily["date"] == {"label": "Day",
                             "type_config": {"type": "date", "format": "MMM D, YYYY"}}
    assert daily["cost_usd"]["type_config"]["format"] == "$%.4f"  # all under a dollar
    assert daily["calls"]["type_config"]["format"] == "localized"  # 1,234
    burn = columns(at, 1)
    assert burn["burn_pct"] == {"label": "Budget used",
                                "type_config": {"type": "number", "format": "%.1f%%"}}


def test_daily_charts_have_one_band_per_day_and_money_axes(world: World) -> None:
    week = (MON - dt.timedelta(days=5), TUE)
    at = app_as(world, "manager", "usage_cost", days=week)
    assert not at.exception
    spend = specs(at)[0]
    x = spend["encoding"]["x"]
    days = [(week[0] + dt.timedelta(days=n)).strftime("%b %-d") for n in range(7)]
    assert x["type"] == "ordinal" and x["scale"]["domain"] == days  # before: temporal ticks
    assert spend["mark"] == {"type": "bar", "width": {"band": 0.8}}
    assert spend["encoding"]["y"]["axis"] == {"format": "$,.4~f",  # before: 0.000000
                                              "labelExpr": charts.KEEP_CENTS}  # $0.10, not $0.1
    calls = specs(at)[1]["encoding"]["y"]["axis"]
    assert calls == {"format": ",.0f", "tickMinStep": 1}  # before: 0, 1, 1, 2, 2, ...
    one_day = specs(app_as(world, "manager", "usage_cost", days=(TUE, TUE)))[0]
    assert one_day["encoding"]["x"]["scale"]["domain"] == [TUE.strftime("%b %-d")]
    assert one_day["mark"] == {"type": "bar", "size": charts.BAR_PX}  # not the whole width


def test_shares_read_as_percentages(world: World) -> None:
    at = app_as(world, "owner", "provider_comparison")
    assert not at.exception
    config = columns(at, 0)
    assert config["success_rate"] == {"label": "Success",
                                      "type_config": {"type": "number", "format": "%.1f%%"}}
    shown = list(at.dataframe[0].value["success_rate"])  # 0..1 shown as 0..100 with a % sign
    assert all(0 <= v <= 100 for v in shown) and max(shown) > 1, shown
    quality = specs(at)[1]
    assert quality["encoding"]["y"]["axis"]["format"] == ".1~%"  # 89.5%, never 90% twice


def test_no_spend_says_so_instead_of_a_chart(world: World) -> None:
    at = app_as(world, "owner", "usage_cost")
    at.multiselect(key="providers_usage").set_value([0]).run()  # the free local analyser
    assert not at.exception
    assert any("No spend yet in this range" in info.value for info in at.info)
    assert all(s.get("encoding", {}).get("y", {}).get("field") != "cost_usd"
               for s in specs(at))


def test_no_budget_spend_says_so_instead_of_a_chart(world: World) -> None:
    today = dt.date.today()  # nothing spent this month: the exports are of an earlier month
    at = app_as(world, "owner", "usage_cost", days=(MON, today))
    assert not at.exception
    assert any(f"Nothing spent against a budget in {today:%B} yet" in info.value
               for info in at.info)
    assert all(s.get("layer") is None for s in specs(at))  # the burn chart is the layered one


def test_feature_ids_and_times_read_as_words(world: World) -> None:
    at = app_as(world, "owner", "feature_breakdown")
    assert not at.exception
    assert set(at.dataframe[0].value["feature"]) == {"Importance detection",
                                                     "Conversation summaries"}
    top = columns(at, 1)
    assert top["first_call_at"] == {"label": "First call (UTC)", "type_config": {
        "type": "datetime", "format": "MMM D, YYYY, HH:mm"}}  # before: 2026-11-03 08:00:00+00:00
    assert at.dataframe[1].value["features"][0] == "Importance detection, Conversation summaries"


def test_the_page_says_which_days_are_exported(world: World) -> None:
    at = app_as(world, "owner", "queue_health")
    assert not at.exception
    [caption] = [c.value for c in at.caption if "export" in c.value]
    assert caption.startswith(f"From the nightly export: {MON:%b %-d} – {TUE:%b %-d};")


def test_formatting_helpers() -> None:
    assert charts.money_format(pl.Series([0.0012, 0.5])) == "$,.4~f"
    assert charts.money_format(pl.Series([0.5, 1234.5])) == "$,.2f"
    assert charts.money_format(pl.Series([0.0, None])) == "$,.2f"  # $0.00, not $0.0000
    assert charts.money_tooltip(pl.Series([0.06, 0.1])) == "$,.4f"
    assert ui.money_column_format(pl.Series([12.0, None])) == "dollar"
    assert ui.money_column_format(pl.Series([0.0, 0.0])) == "dollar"
    assert ui.money_column_format(pl.Series([0.0, 0.043])) == "$%.4f"
    assert ui.feature_name("summarization") == "Conversation summaries"
    assert ui.feature_name("new_feature") == "New feature"
    assert ui.header("first_response_p50_s") == "First response, p50"
    assert ui.header("some_new_column") == "Some new column"
    days = [dt.date(2026, 11, d) for d in (2, 3, 4, 8)]
    assert ui.days_text(days) == "Nov 2 – Nov 4, Nov 8"
    assert ui.usd(0.0012) == "$0.0012" and ui.usd(1234.5) == "$1,234.50"
    assert ui.usd_short(99_999.99) == "$99,999.99" and ui.usd_short(123_456) == "$123.5K"
    assert ui.usd_short(1_998_000) == "$2.00M"  # a metric's digits would be cut off
