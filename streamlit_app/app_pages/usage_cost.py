"""Spend by day, month to date, projection and budget burn."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.queries import SpendDimension
from streamlit_app import charts, data, session, ui
from webapp.security.principal import Principal

DIMENSIONS: dict[str, SpendDimension] = {"Provider": "provider", "Feature": "feature",
                                         "Model": "model"}


def _month(user: Principal, end: dt.date, providers: tuple[int, ...] | None) -> None:
    """Month-to-date spend and the projection to month end, as of the range's end."""
    month = data.month_to_date(user, end, providers)
    spent, projected = ui.total(month, "spend_usd"), ui.total(month, "projected_usd")
    left, right = st.columns(2)
    ui.money_metric(left, f"Month to date (to {end:%b} {end.day})", spent)
    ui.money_metric(right, "Projected month end", projected,
                    help="Spend so far / days elapsed x days in the month.")


def _budgets(user: Principal, end: dt.date, start: dt.date) -> None:
    """Budget burn per provider: chart and table."""
    st.subheader("Budget burn")
    burn = data.budget_burn(user, end)
    budgeted = burn.filter(pl.col("burn_pct").is_not_null())
    if budgeted.is_empty():
        st.caption("No provider has a monthly budget yet.")
    elif not ui.no_spend(budgeted, "spend_usd", f"Nothing spent against a budget in {end:%B} "
                         "yet: every budgeted provider is at 0%."):
        st.altair_chart(charts.budget_burn(burn), width="stretch")
    ui.table(burn, "burn_table")
    ui.download(user, burn, "budget burn", start, end)


def render() -> None:
    """Spend metrics, the daily stacked chart, budgets and the daily table."""
    user = session.signed_in()
    ui.require_costs(user)
    st.title("Usage & cost")
    start, end = ui.date_range()
    providers = ui.provider_filter(user, start, end, key="providers_usage")
    label = st.radio("Split by", list(DIMENSIONS), horizontal=True, key="usage_split")
    by = DIMENSIONS[label or "Provider"]
    daily = ui.readable(data.spend_by_day(user, start, end, providers, by))
    if daily.is_empty():
        ui.no_data("LLM calls")
    ui.freshness_caption(user, start, end)
    a, b, c, d = st.columns(4)
    tokens = ui.total(daily, "input_tokens") + ui.total(daily, "output_tokens")
    ui.money_metric(a, "Spend in range", ui.total(daily, "cost_usd"))
    b.metric("Calls", f"{ui.total(daily, 'calls'):,.0f}")
    c.metric("Tokens", f"{tokens:,.0f}")
    d.metric("Unpriced calls", f"{ui.total(daily, 'unpriced_calls'):,.0f}",
             help="Calls whose model has no known price: their cost is unknown, not zero.")
    _month(user, end, providers)
    left, right = st.columns(2)
    with left:
        if not ui.no_spend(daily):
            st.altair_chart(charts.daily_stacked(daily, by, "cost_usd", "Spend", start, end),
                            width="stretch")
    right.altair_chart(charts.daily_stacked(daily, by, "calls", "Calls", start, end),
                       width="stretch")
    ui.table(daily, "spend_table")
    ui.download(user, daily, f"spend by {by}", start, end)
    _budgets(user, end, start)


render()
