"""Altair charts for the pages; each takes a query's frame and returns a chart."""

from __future__ import annotations

import altair as alt
import polars as pl

HEIGHT = 300
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def cost_per_1k(comparison: pl.DataFrame) -> alt.Chart:
    """What 1,000 analysed messages cost with each provider."""
    return alt.Chart(comparison).mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X("cost_per_1k_messages:Q", title="USD per 1,000 messages"),
        y=alt.Y("provider_name:N", sort="x", title=None),
        color=alt.Color("provider_name:N", legend=None),
        tooltip=["provider_name", alt.Tooltip("cost_per_1k_messages:Q", format="$.4f"),
                 "messages", alt.Tooltip("cost_usd:Q", format="$.4f")],
    ).properties(height=HEIGHT)


def quality_vs_speed(comparison: pl.DataFrame) -> alt.Chart:
    """Success rate against p95 latency; bubble size is the number of requests."""
    return alt.Chart(comparison).mark_circle(opacity=0.75).encode(
        x=alt.X("latency_p95_ms:Q", title="p95 latency (ms), lower is better"),
        y=alt.Y("success_rate:Q", title="Success rate", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        size=alt.Size("requests:Q", legend=None, scale=alt.Scale(range=[80, 1200])),
        color=alt.Color("provider_name:N", title="Provider"),
        tooltip=["provider_name", "requests", alt.Tooltip("success_rate:Q", format=".1%"),
                 alt.Tooltip("invalid_output_rate:Q", format=".1%"), "latency_p50_ms",
                 "latency_p95_ms"],
    ).properties(height=HEIGHT)


def daily_stacked(frame: pl.DataFrame, dimension: str, value: str, title: str) -> alt.Chart:
    """A value per day stacked by a dimension (provider, feature or model)."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("date:T", title=None, timeUnit="yearmonthdate"),
        y=alt.Y(f"sum({value}):Q", title=title),
        color=alt.Color(f"{dimension}:N", title=dimension.title()),
        tooltip=[alt.Tooltip("date:T"), dimension, alt.Tooltip(f"{value}:Q", format=",.4f")],
    ).properties(height=HEIGHT)


def budget_burn(burn: pl.DataFrame) -> alt.LayerChart:
    """Month-to-date spend as a share of each provider's budget, with 80% and 100% marks."""
    budgeted = burn.filter(pl.col("burn_pct").is_not_null())
    bars = alt.Chart(budgeted).mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X("burn_pct:Q", title="Share of monthly budget spent (%)"),
        y=alt.Y("provider_name:N", title=None),
        color=alt.Color("status:N", title="Status", scale=alt.Scale(
            domain=["on track", "projected over", "80% used", "over budget"],
            range=["#4c9a2a", "#e3a21a", "#e3711a", "#c0392b"])),
        tooltip=["provider_name", alt.Tooltip("spend_usd:Q", format="$.2f"),
                 alt.Tooltip("monthly_budget_usd:Q", format="$.2f"),
                 alt.Tooltip("projected_usd:Q", format="$.2f"), "status"],
    )
    marks = alt.Chart(pl.DataFrame({"pct": [80.0, 100.0]})).mark_rule(
        strokeDash=[4, 4], color="#888").encode(x="pct:Q")
    return alt.LayerChart(layer=[bars, marks])


def heatmap(frame: pl.DataFrame, x: str, y: str, value: str, title: str) -> alt.Chart:
    """A value by two categories as coloured cells."""
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X(f"{x}:O", title=x.replace("_", " ").title()),
        y=alt.Y(f"{y}:N", title=y.replace("_", " ").title()),
        color=alt.Color(f"sum({value}):Q", title=title, scale=alt.Scale(scheme="blues")),
        tooltip=[x, y, alt.Tooltip(f"sum({value}):Q", title=title, format=",.4f")],
    ).properties(height=HEIGHT)


def traffic_lines(days: pl.DataFrame) -> alt.Chart:
    """Inbound and outbound messages per day."""
    long = days.unpivot(index="date", on=["inbound", "outbound"], variable_name="direction",
                        value_name="messages")
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("date:T", title=None, timeUnit="yearmonthdate"),
        y=alt.Y("messages:Q", title="Messages"),
        color=alt.Color("direction:N", title=None),
        tooltip=[alt.Tooltip("date:T"), "direction", "messages"],
    )


def weekday_hour(cells: pl.DataFrame) -> alt.Chart:
    """Inbound messages by weekday and hour of day."""
    named = cells.with_columns(
        day=pl.col("weekday").map_elements(lambda d: WEEKDAYS[d - 1], return_dtype=pl.String))
    return alt.Chart(named).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of day"),
        y=alt.Y("day:N", sort=WEEKDAYS, title=None),
        color=alt.Color("inbound:Q", title="Inbound", scale=alt.Scale(scheme="oranges")),
        tooltip=["day", "hour", "inbound", "outbound",
                 alt.Tooltip("first_response_p50_s:Q", title="p50 first response (s)",
                             format=".0f")],
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
        tooltip=["hour", "percentile", alt.Tooltip("minutes:Q", format=".1f")],
    ).properties(height=HEIGHT)
