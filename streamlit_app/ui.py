"""Widgets the pages share: the date range, the provider filter, CSV downloads, notices."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from streamlit_app import data
from streamlit_app.session import record_export
from webapp.security.principal import Principal

RANGE_KEY = "mf_range"
DEFAULT_DAYS = 30


def date_range_filter() -> None:
    """The shared date range in the sidebar (kept across pages)."""
    if RANGE_KEY not in st.session_state:
        today = dt.date.today()
        st.session_state[RANGE_KEY] = (today - dt.timedelta(days=DEFAULT_DAYS - 1), today)
    st.sidebar.date_input("Dates", key=RANGE_KEY, help="Inclusive; today includes live data.")


def date_range() -> tuple[dt.date, dt.date]:
    """The chosen (start, end); stops the page while only a start date is picked."""
    picked = st.session_state.get(RANGE_KEY, ())
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        st.info("Pick an end date in the sidebar.")
        st.stop()
    start, end = picked
    return (start, end) if start <= end else (end, start)


def provider_filter(user: Principal, start: dt.date, end: dt.date,
                    key: str) -> tuple[int, ...] | None:
    """A provider multiselect (none picked = every provider); returns the chosen ids."""
    seen = data.providers_seen(user, start, end)
    names = dict(zip(seen["provider_id"].to_list(), seen["provider_name"].to_list(),
                     strict=True))
    picked = st.sidebar.multiselect("Providers", options=list(names), key=key,
                                    format_func=lambda pid: names.get(pid, f"#{pid}"),
                                    placeholder="All providers")
    return tuple(int(p) for p in picked) if picked else None


FORMATS = {
    "date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
    "cost_usd": st.column_config.NumberColumn("cost_usd", format="$%.4f"),
    "spend_usd": st.column_config.NumberColumn("spend_usd", format="$%.4f"),
    "projected_usd": st.column_config.NumberColumn("projected_usd", format="$%.4f"),
    "monthly_budget_usd": st.column_config.NumberColumn("monthly_budget_usd", format="$%.2f"),
    "burn_pct": st.column_config.NumberColumn("burn_pct", format="%.1f%%"),
    "projected_pct": st.column_config.NumberColumn("projected_pct", format="%.1f%%"),
    "first_response_avg_s": st.column_config.NumberColumn("first_response_avg_s", format="%.0f"),
    "first_response_p50_s": st.column_config.NumberColumn("first_response_p50_s", format="%.0f"),
    "first_response_p90_s": st.column_config.NumberColumn("first_response_p90_s", format="%.0f"),
}


def table(frame: pl.DataFrame, key: str) -> None:
    """A frame as a table; formats change how numbers look, never which rows or columns."""
    config = {name: FORMATS[name] for name in frame.columns if name in FORMATS}
    st.dataframe(frame, hide_index=True, key=key, column_config=config)


def costs_notice(user: Principal) -> None:
    """Say plainly why cost pages are missing for this role."""
    st.info(f"You are signed in as **{user.role}**. Provider comparison, usage and cost pages "
            "are for managers, admins and owners; ask an admin if you need them.")


def require_costs(user: Principal) -> None:
    """Stop a cost page for members below manager, with a clear message."""
    if not data.can_see_costs(user):
        costs_notice(user)
        st.stop()


def download(user: Principal, frame: pl.DataFrame, name: str, start: dt.date,
             end: dt.date) -> None:
    """A CSV download of exactly the frame shown; the download is audited."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    st.download_button(
        f"Download {name} (CSV)", data=frame.write_csv(), mime="text/csv",
        file_name=f"{slug}_{start.isoformat()}_{end.isoformat()}.csv", key=f"csv-{slug}",
        on_click=record_export, args=(user, slug, frame.height),
    )


def no_data(what: str) -> None:
    """A friendly empty state, then stop the page."""
    st.info(f"No {what} between these dates. Exports are written daily; today's numbers come "
            "live from the database.")
    st.stop()


def total(frame: pl.DataFrame, column: str) -> float:
    """The sum of a column as a float (0 for an empty frame)."""
    value = frame.get_column(column).sum()
    return float(value) if value is not None else 0.0


def usd(value: float | None) -> str:
    """Money for a metric: $1,234.56 (sub-cent amounts keep 4 decimals)."""
    if value is None:
        return "—"
    return f"${value:,.4f}" if 0 < abs(value) < 0.01 else f"${value:,.2f}"


def pct(value: float | None) -> str:
    """A 0..1 share as a percentage."""
    return "—" if value is None else f"{100 * value:.1f}%"


def seconds(value: float | None) -> str:
    """A duration: 45 s, 12.5 min, 3.2 h."""
    if value is None:
        return "—"
    if value < 90:
        return f"{value:.0f} s"
    return f"{value / 60:.1f} min" if value < 5400 else f"{value / 3600:.1f} h"
