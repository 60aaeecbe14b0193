"""Where the money goes: provider x feature x model x day, and the costliest conversations."""

from __future__ import annotations

import polars as pl
import streamlit as st

from streamlit_app import charts, data, session, ui


def render() -> None:
    """The breakdown heatmap and stacked chart, its table, the top conversations."""
    user = session.signed_in()
    ui.require_costs(user)
    st.title("Feature breakdown")
    start, end = ui.date_range()
    providers = ui.provider_filter(user, start, end, key="providers_features")
    frame = ui.readable(data.cost_breakdown(user, start, end, providers))
    if frame.is_empty():
        ui.no_data("LLM calls")
    ui.freshness_caption(user, start, end)
    by_feature = frame.group_by("feature").agg(pl.col("cost_usd").sum(), pl.col("calls").sum())
    top = by_feature.sort("cost_usd", descending=True, nulls_last=True).row(0, named=True)
    spent = ui.total(frame, "cost_usd") > 0
    a, b, c = st.columns(3)
    a.metric("Features in use", f"{by_feature.height}")
    if spent:  # the name as the label: a metric's large value cuts "Conversation summaries"
        ui.money_metric(b, f"Costliest: {top['feature']}", top["cost_usd"])
    else:
        b.metric("Costliest feature", "—", help="Nothing has cost anything yet.")
    c.metric("Failed calls", f"{int(frame['failures'].sum()):,}")
    if not ui.no_spend(frame):
        left, right = st.columns(2)
        left.subheader("Spend by feature and provider")
        left.altair_chart(charts.heatmap(frame, "provider_name", "feature", "cost_usd",
                                         "Spend"), width="stretch")
        right.subheader("Daily spend by feature")
        right.altair_chart(charts.daily_stacked(frame, "feature", "cost_usd", "Spend",
                                                start, end), width="stretch")
    ui.table(frame, "breakdown_table")
    ui.download(user, frame, "cost breakdown", start, end)
    st.subheader("Top conversations by cost")
    conversations = ui.readable(data.top_conversations(user, start, end, providers))
    ui.table(conversations, "top_table")
    ui.download(user, conversations, "top conversations", start, end)


render()
