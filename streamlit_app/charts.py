"""Altair charts for the pages; each takes a query's frame and returns a chart.

Numbers read as people read them: money as $1,234.56 (sub-dollar scales keep the cents and
show up to four decimals: $0.10, $0.0125, never a row of zeros, $0.1 or $0), shares as 12.5%,
days as "Nov 2". Daily charts put one band per day of the chosen range on an ordinal axis: one
tick per day, no duplicate or future ticks, days without data left empty, and a single day drawn
as a bar of normal width, not across the chart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import polars as pl

HEIGHT = 300
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
NARROW_DAYS = 7  # ranges shorter than this get bars of a fixed width (a band would be huge)
BAR_PX = 36
MONEY_COLUMNS = ("cost_usd", "spend_usd", "projected_usd", "monthly_budget_usd",
                 "cost_per_1k_messages")
# Category labels ("Conversation summaries") in full: Streamlit's theme cuts them at 100 px.
LABEL_PX = 240
# Axes and legends of counts: whole numbers, one tick per value at most (a scale up to 4 calls
# would otherwise tick every 0.5 and label 0, 1, 1, 2, 2, ...).
COUNT: dict[str, Any] = {"format": ",.0f", "tickMinStep": 1}


# Below a dollar the ticks may be $0.005 apart, so the axis format keeps up to four decimals
# and trims trailing zeros ($0.0125, $0.005); this puts the cents back where trimming took them
# ($0.1 -> $0.10, $0 -> $0.00). Vega evaluates it on each label (datum.label is the formatted
# tick).
KEEP_CENTS = ("indexof(datum.label, '.') < 0 ? datum.label + '.00' : "
              "length(datum.label) - indexof(datum.label, '.') == 2 ? datum.label + '0' : "
              "datum.label")


def money_format(values: pl.Series | None = None) -> str:
    """A d3 format for US dollars: cents from $1 up (and for nothing but zeros), up to four
    decimals (trailing zeros trimmed) below, where cents would round everything to $0.00."""
    top = None if values is None else values.drop_nulls().abs().max()
    if top is not None and 0 < float(top) < 1:  # type: ignore[arg-type]
        return "$,.4~f"
    return "$,.2f"


def money_labels(values: pl.Series | None = None) -> dict[str, Any]:
    """Axis or legend options for money: money_format, plus KEEP_CENTS when it trims."""
    number = money_format(values)
    return {"format": number, "labelExpr": KEEP_CENTS} if "~" in number else {"format": number}


def money_tooltip(values: pl.Series | None = None) -> str:
    """A tooltip's exact amount: $1,234.56, or four decimals below a dollar ($0.0600), as the
    tables show it."""
    return money_format(values).replace("~", "")


def day_labels(start: dt.date, end: dt.date) -> list[str]:
    """Every day of the range as the axis names it ("Nov 2"; with the year across years)."""
    pattern = "%b %-d" if start.year == end.year else "%b %-d, %Y"
    return [(start + dt.timedelta(days=n)).strftime(pattern)
            for n in range((end - start).days + 1)]


def with_day(frame: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The frame with a `day` label column matching day_labels."""
    pattern = "%b %-d" if start.year == end.year else "%b %-d, %Y"
    return frame.with_columns(day=pl.col("date").dt.strftime(pattern))


def day_axis(start: dt.date, end: dt.date) -> alt.X:
    """The ordinal x axis of a daily chart: every day of the range, in order."""
    labels = day_labels(start, end)
    return alt.X("day:O", title=None, sort=labels, scale=alt.Scale(domain=labels),
                 axis=alt.Axis(labelAngle=-45 if len(labels) > 10 else 0,
                               labelOverlap="greedy"))


def _bar(data: pl.DataFrame, start: dt.date, end: dt.date) -> alt.Chart:
    """Daily bars: 80% of a day's band, or a fixed width when the range has few days."""
    narrow = (end - start).days + 1 < NARROW_DAYS
    chart = alt.Chart(data)
    return chart.mark_bar(size=BAR_PX) if narrow else chart.mark_bar(width={"band": 0.8})


def cost_per_1k(comparison: pl.DataFrame) -> alt.Chart:
    """What 1,000 analysed messages cost with each provider."""
    per_1k = comparison["cost_per_1k_messages"]
    return alt.Chart(comparison).mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X("cost_per_1k_messages:Q", title="Cost per 1,000 messages",
                axis=alt.Axis(**money_labels(per_1k))),
        y=alt.Y("provider_name:N", sort="x", title=None),
        color=alt.Color("provider_name:N", legend=None),
        tooltip=[alt.Tooltip("provider_name:N", title="Provider"),
                 alt.Tooltip("cost_per_1k_messages:Q", title="Per 1,000 messages",
                             format=money_tooltip(per_1k)),
                 alt.Tooltip("messages:Q", title="Messages", format=","),
                 alt.Tooltip("cost_usd:Q", title="Cost",
                             format=money_tooltip(comparison["cost_usd"]))],
    ).properties(height=HEIGHT)


def quality_vs_speed(comparison: pl.DataFrame) -> alt.Chart:
    """Success rate against p95 latency; bubble size is the number of requests."""
    return alt.Chart(comparison).mark_circle(opacity=0.75).encode(
        x=alt.X("latency_p95_ms:Q", title="p95 latency (ms), lower is better",
                axis=alt.Axis(format=",.0f")),
        y=alt.Y("success_rate:Q", title="Success rate", axis=alt.Axis(format=".1~%"),
                scale=alt.Scale(zero=False)),
        size=alt.Size("requests:Q", legend=None, scale=alt.Scale(range=[80, 1200])),
        color=alt.Color("provider_name:N", title="Provider"),
        tooltip=[alt.Tooltip("provider_name:N", title="Provider"),
                 alt.Tooltip("requests:Q", title="Requests", format=","),
                 alt.Tooltip("success_rate:Q", title="Success", format=".1%"),
                 alt.Tooltip("invalid_output_rate:Q", title="Invalid output", format=".1%"),
                 alt.Tooltip("latency_p50_ms:Q", title="p50 ms", format=",.0f"),
                 alt.Tooltip("latency_p95_ms:Q", title="p95 ms", format=",.0f")],
    ).properties(height=HEIGHT)


def daily_stacked(frame: pl.DataFrame, dimension: str, value: str, title: str,
                  start: dt.date, end: dt.date) -> alt.Chart:
    """A value per day of start..end stacked by a dimension (provider, feature or model)."""
    money = value in MONEY_COLUMNS
    daily = frame.group_by("date").agg(pl.col(value).sum())[value]  # the stacks' heights
    labels = money_labels(daily) if money else COUNT
    return _bar(with_day(frame, start, end), start, end).encode(
        x=day_axis(start, end),
        y=alt.Y(f"sum({value}):Q", title=title, axis=alt.Axis(**labels)),
        color=alt.Color(f"{dimension}:N", title=dimension.title()),
        tooltip=[alt.Tooltip("day:O", title="Day"),
                 alt.Tooltip(f"{dimension}:N", title=dimension.title()),
                 alt.Tooltip(f"sum({value}):Q", title=title,
                             format=money_tooltip(daily) if money else ",.0f")],
    ).properties(height=HEIGHT)


def budget_burn(burn: pl.DataFrame) -> alt.LayerChart:
    """Month-to-date spend as a share of each provider's budget, with 80% and 100% marks."""
    budgeted = burn.filter(pl.col("burn_pct").is_not_null())
    money = money_tooltip(budgeted["monthly_budget_usd"])
    bars = alt.Chart(budgeted).mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X("burn_pct:Q", title="Share of the monthly budget spent",
                axis=alt.Axis(labelExpr="datum.value + '%'")),
        y=alt.Y("provider_name:N", title=None),
        color=alt.Color("status:N", title="Status", scale=alt.Scale(
            domain=["on track", "projected over", "80% used", "over budget"],
            range=["#4c9a2a", "#e3a21a", "#e3711a", "#c0392b"])),
        tooltip=[alt.Tooltip("provider_name:N", title="Provider"),
                 alt.Tooltip("spend_usd:Q", title="Spent", format=money),
                 alt.Tooltip("monthly_budget_usd:Q", title="Budget", format=money),
                 alt.Tooltip("projected_usd:Q", title="Projected", format=money),
                 alt.Tooltip("burn_pct:Q", title="Used (%)", format=".1f"),
                 alt.Tooltip("status:N", title="Status")],
    )
    marks = alt.Chart(pl.DataFrame({"pct": [80.0, 100.0]})).mark_rule(
        strokeDash=[4, 4], color="#888").encode(x="pct:Q")
    return alt.LayerChart(layer=[bars, marks])


def heatmap(frame: pl.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    """A value by two categories as coloured cells."""
    money = value in MONEY_COLUMNS
    cells = frame.group_by(x, y).agg(pl.col(value).sum())[value]  # the cells' sums
    names = {"provider_name": "Provider", "feature": "Feature", "model": "Model"}
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X(f"{x}:O", title=names.get(x, x.replace("_", " ").capitalize())),
        y=alt.Y(f"{y}:N", title=names.get(y, y.replace("_", " ").capitalize()),
                axis=alt.Axis(labelLimit=LABEL_PX)),
        color=alt.Color(f"sum({value}):Q", title=title, scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(**(money_labels(cells) if money else COUNT))),
        tooltip=[alt.Tooltip(f"{x}:O", title=names.get(x, x)),
                 alt.Tooltip(f"{y}:N", title=names.get(y, y)),
                 alt.Tooltip(f"sum({value}):Q", title=title,
                             format=money_tooltip(cells) if money else ",.0f")],
    ).properties(height=HEIGHT)


def traffic_lines(days: pl.DataFrame, start: dt.date, end: dt.date) -> alt.Chart:
    """Inbound and outbound messages per day of start..end."""
    long = with_day(days, start, end).unpivot(
        index="day", on=["inbound", "outbound"], variable_name="direction",
        value_name="messages").with_columns(direction=pl.col("direction").str.to_titlecase())
    return alt.Chart(long).mark_line(point=True).encode(
        x=day_axis(start, end),
        y=alt.Y("messages:Q", title="Messages", axis=alt.Axis(**COUNT)),
        color=alt.Color("direction:N", title=None),
        tooltip=[alt.Tooltip("day:O", title="Day"), alt.Tooltip("direction:N", title="Direction"),
                 alt.Tooltip("messages:Q", title="Messages", format=",")],
    )


def weekday_hour(cells: pl.DataFrame) -> alt.Chart:
    """Inbound messages by weekday and hour of day."""
    named = cells.with_columns(
        day=pl.col("weekday").map_elements(lambda d: WEEKDAYS[d - 1], return_dtype=pl.String))
    return alt.Chart(named).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of day"),
        y=alt.Y("day:N", sort=WEEKDAYS, title=None),
        color=alt.Color("inbound:Q", title="Inbound", scale=alt.Scale(scheme="oranges"),
                        legend=alt.Legend(**COUNT)),
        tooltip=[alt.Tooltip("day:N", title="Day"), alt.Tooltip("hour:O", title="Hour"),
                 alt.Tooltip("inbound:Q", title="Inbound", format=","),
                 alt.Tooltip("outbound:Q", title="Outbound", format=","),
                 alt.Tooltip("first_response_p50_s:Q", title="p50 first response (s)",
                             format=",.0f")],
    ).properties(height=HEIGHT)


def response_by_hour(hours: pl.DataFrame) -> alt.Chart:
    """First-response p50 and p90 (minutes) by the hour the customer wrote."""
    long = hours.unpivot(index="hour", on=["first_response_p50_s", "first_response_p90_s"],
                         variable_name="percentile", value_name="seconds").with_columns(
        minutes=pl.col("seconds") / 60,
        percentile=pl.col("percentile").str.extract(r"_(p\d+)_"))
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("hour:O", title="Hour the customer wrote"),
        xOffset="percentile:N",
        y=alt.Y("minutes:Q", title="First response (minutes)"),
        color=alt.Color("percentile:N", title=None),
        tooltip=[alt.Tooltip("hour:O", title="Hour"),
                 alt.Tooltip("percentile:N", title="Percentile"),
                 alt.Tooltip("minutes:Q", title="Minutes", format=",.1f")],
    ).properties(height=HEIGHT)
