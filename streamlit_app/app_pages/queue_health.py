"""Message volume and how fast the team answers (every role)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from streamlit_app import charts, data, session, ui


def _headline(days: pl.DataFrame) -> None:
    """Totals and response-time metrics for the range."""
    responses = ui.total(days, "responses")
    weighted = days.with_columns(
        wait=pl.col("first_response_avg_s").fill_null(0) * pl.col("responses"),
        p90_part=pl.col("first_response_p90_s") * pl.col("responses"),
        p90_weight=pl.when(pl.col("first_response_p90_s").is_not_null())
        .then(pl.col("responses")).otherwise(0))
    p90_weight = ui.total(weighted, "p90_weight")
    p90 = ui.total(weighted, "p90_part") / p90_weight if p90_weight else None
    a, b, c, d = st.columns(4)
    a.metric("Inbound messages", f"{ui.total(days, 'inbound'):,.0f}")
    b.metric("Outbound messages", f"{ui.total(days, 'outbound'):,.0f}")
    c.metric("Average first response",
             ui.seconds(ui.total(weighted, "wait") / responses if responses else None))
    d.metric("p90 first response", ui.seconds(p90), help="Weighted across hours (approximate).")


def render() -> None:
    """Volume by day and by weekday x hour, response times by hour, the daily table."""
    user = session.signed_in()
    if not data.can_see_costs(user):
        ui.costs_notice(user)
    st.title("Queue health")
    start, end = ui.date_range()
    days = data.traffic(user, start, end, "day")
    if days.is_empty():
        ui.no_data("messages")
    ui.freshness_caption(user, start, end)
    _headline(days)
    st.altair_chart(charts.traffic_lines(days, start, end), width="stretch")
    left, right = st.columns(2)
    left.subheader("When customers write")
    left.altair_chart(charts.weekday_hour(data.traffic(user, start, end, "weekday_hour")),
                      width="stretch")
    right.subheader("First response by hour")
    right.altair_chart(charts.response_by_hour(data.traffic(user, start, end, "hour")),
                       width="stretch")
    ui.table(days, "traffic_table")
    ui.download(user, days, "traffic by day", start, end)


render()
