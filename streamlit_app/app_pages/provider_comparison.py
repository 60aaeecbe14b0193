"""Which provider is cheapest for us, and is it as good?"""

from __future__ import annotations

import polars as pl
import streamlit as st

from streamlit_app import charts, data, session, ui

PER_MESSAGE_UNKNOWN = ("No cost per message yet: no priced call in this range analysed "
                       "messages.")
COLUMNS = ["provider_name", "provider_kind", "requests", "success_rate", "invalid_output_rate",
           "latency_p50_ms", "latency_p95_ms", "cost_usd", "cost_per_1k_messages",
           "human_override_rate"]


def _headline(frame: pl.DataFrame) -> None:
    """Totals and the winners, as metrics."""
    requests = ui.total(frame, "requests")
    ok = ui.total(frame.with_columns(ok=pl.col("success_rate") * pl.col("requests")), "ok")
    # The built-in local analyser is free but heuristic: compare the paid providers.
    priced = frame.filter(pl.col("cost_per_1k_messages").is_not_null()
                          & (pl.col("provider_kind") != "local"))
    left, mid, right, far = st.columns(4)
    left.metric("Requests", f"{requests:,.0f}")
    mid.metric("Success rate", ui.pct(ok / requests if requests else None))
    ui.money_metric(right, "Spend", ui.total(frame, "cost_usd"))
    if priced.is_empty():
        far.metric("Cheapest per 1k messages", "—")
        return
    best = priced.sort("cost_per_1k_messages").row(0, named=True)
    ui.money_metric(far, "Cheapest per 1k messages", best["cost_per_1k_messages"],
                    help=f"{best['provider_name']}, over {best['messages']:,} messages")


def render() -> None:
    """Headline metrics, cost and quality charts, the comparison table."""
    user = session.signed_in()
    ui.require_costs(user)
    st.title("Provider comparison")
    start, end = ui.date_range()
    providers = ui.provider_filter(user, start, end, key="providers_comparison")
    frame = data.provider_comparison(user, start, end, providers)
    if frame.is_empty():
        ui.no_data("LLM calls")
    ui.freshness_caption(user, start, end)
    _headline(frame)
    left, right = st.columns(2)
    left.subheader("Cost per 1,000 messages")
    with left:
        if not ui.no_spend(frame, "cost_per_1k_messages", PER_MESSAGE_UNKNOWN):
            st.altair_chart(charts.cost_per_1k(frame), width="stretch")
    right.subheader("Quality vs speed")
    right.altair_chart(charts.quality_vs_speed(frame), width="stretch")
    shown = frame.select(COLUMNS)
    ui.table(shown, "comparison_table")
    st.caption("Latency counts successful calls. Messages are those analysed by successful "
               "calls. Human override rate appears once overrides are recorded.")
    ui.download(user, shown, "provider comparison", start, end)


render()
