"""Widgets the pages share: the date range, the provider filter, CSV downloads, notices."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

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


# Table headers as people read them (the frames keep their column names: CSV downloads and
# tests use those); a column missing here gets its name with spaces.
HEADERS = {
    "date": "Day", "provider_id": "Provider id", "provider_name": "Provider",
    "provider_kind": "Kind", "model": "Model", "feature": "Feature", "calls": "Calls",
    "failures": "Failed", "invalid_outputs": "Invalid output", "input_tokens": "Input tokens",
    "output_tokens": "Output tokens", "cost_usd": "Cost", "unpriced_calls": "Unpriced calls",
    "latency_p50_ms": "p50 ms", "latency_p95_ms": "p95 ms", "spend_usd": "Spent",
    "projected_usd": "Projected", "monthly_budget_usd": "Monthly budget",
    "burn_pct": "Budget used", "projected_pct": "Projected use", "status": "Status",
    "conversation_id": "Conversation", "messages": "Messages", "requests": "Requests",
    "inbound": "Inbound", "outbound": "Outbound", "conversations": "Conversations",
    "responses": "Responses", "first_response_avg_s": "First response, average",
    "first_response_p50_s": "First response, p50", "first_response_p90_s": "First response, p90",
    "success_rate": "Success", "invalid_output_rate": "Invalid output",
    "human_override_rate": "Human override", "cost_per_1k_messages": "Per 1,000 messages",
    "first_call_at": "First call", "last_call_at": "Last call",
}
MONEY = ("cost_usd", "spend_usd", "projected_usd", "monthly_budget_usd", "cost_per_1k_messages")
PERCENT_0_100 = ("burn_pct", "projected_pct")
SHARES = ("success_rate", "invalid_output_rate", "human_override_rate")  # 0..1
SECONDS = ("first_response_avg_s", "first_response_p50_s", "first_response_p90_s")
IDS = ("provider_id", "conversation_id")


# Features as the web app names them (its routing screen, webapp/static/js/llm/routing.js);
# the ledger's ids (importance_detection) are for machines.
FEATURE_NAMES = {
    "importance_detection": "Importance detection", "action_extraction": "Action extraction",
    "summarization": "Conversation summaries", "daily_summary": "Daily summary",
    "conversation_scoring": "Conversation scoring", "health_check": "Health checks",
}


def feature_name(feature: str) -> str:
    """A feature's name in words (an id missing from FEATURE_NAMES gets spaces)."""
    return FEATURE_NAMES.get(feature, feature.replace("_", " ").capitalize())


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with feature ids in words: the `feature` column and the `features` lists
    ("importance_detection, summarization"), for charts, metrics, tables and downloads."""
    named = []
    if "feature" in frame.columns:
        named.append(pl.col("feature").map_elements(feature_name, return_dtype=pl.String))
    if "features" in frame.columns:
        named.append(pl.col("features").map_elements(
            lambda ids: ", ".join(feature_name(f) for f in ids.split(", ")),
            return_dtype=pl.String))
    return frame.with_columns(named) if named else frame


def header(name: str) -> str:
    """A column's human header."""
    return HEADERS.get(name, name.replace("_", " ").capitalize())


def money_column_format(values: pl.Series) -> str:
    """$1,234.56, or four decimals when every amount is under a dollar (cents would read $0.00);
    a column of nothing but zeros reads $0.00, not $0.0000."""
    top = values.drop_nulls().abs().max()
    small = top is not None and 0 < float(top) < 1  # type: ignore[arg-type]
    return "$%.4f" if small else "dollar"


def _column(frame: pl.DataFrame, name: str) -> object:
    label = header(name)
    if name == "date":
        return st.column_config.DateColumn(label, format="MMM D, YYYY")
    if name in MONEY:
        return st.column_config.NumberColumn(label, format=money_column_format(frame[name]))
    if name in PERCENT_0_100:
        return st.column_config.NumberColumn(label, format="%.1f%%")
    if name in SHARES:  # shown by `displayed` as 0..100
        return st.column_config.NumberColumn(label, format="%.1f%%")
    if name in SECONDS:
        return st.column_config.NumberColumn(f"{label} (s)", format="%.0f")
    if name in IDS:
        return st.column_config.NumberColumn(label, format="%d")
    if isinstance(frame.schema[name], pl.Datetime):  # Nov 3, 2026, 08:00 (UTC)
        zone = frame.schema[name].time_zone  # type: ignore[attr-defined]
        zone = "UTC" if zone in ("Etc/UTC", "Etc/UCT", "UCT") else zone  # DuckDB's Etc/UTC
        return st.column_config.DatetimeColumn(f"{label} ({zone})" if zone else label,
                                               format="MMM D, YYYY, HH:mm")
    if frame.schema[name].is_numeric():
        integer = frame.schema[name].is_integer()
        return st.column_config.NumberColumn(label, format="localized" if integer else "%.1f")
    return st.column_config.Column(label)


def displayed(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as tables show it: 0..1 shares as 0..100 (the formats add the % sign)."""
    shares = [name for name in SHARES if name in frame.columns]
    return frame.with_columns([pl.col(name) * 100 for name in shares]) if shares else frame


def column_config(frame: pl.DataFrame) -> dict[str, object]:
    """Human headers and number formats for every column of a table."""
    return {name: _column(frame, name) for name in frame.columns}


def table(frame: pl.DataFrame, key: str) -> None:
    """A frame as a table; formats change how values look, never which rows or columns."""
    st.dataframe(displayed(frame), hide_index=True, key=key,
                 column_config=column_config(frame))  # type: ignore[arg-type]


def freshness_caption(user: Principal, start: dt.date, end: dt.date) -> None:
    """Which days of the range come live from the database and which from the export."""
    live, exported = data.day_sources(user, start, end)
    parts = []
    if live:
        parts.append(f"Live from the database: {days_text(live)}.")
    if exported:
        parts.append(f"From the nightly export: {days_text(exported)}; traffic added later to "
                     "an exported day (back-dated) is re-exported at the next nightly run.")
    if parts:
        st.caption(" ".join(parts))


def days_text(days: list[dt.date]) -> str:
    """Nov 2 - Nov 5, Nov 8 (runs of consecutive days joined)."""
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    fmt = "%b %-d" if days[0].year == days[-1].year else "%b %-d, %Y"
    return ", ".join(r[0].strftime(fmt) if len(r) == 1
                     else f"{r[0].strftime(fmt)} – {r[-1].strftime(fmt)}" for r in runs)


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


NO_SPEND = ("No spend yet in this range: the calls so far were free (the built-in local "
            "analyser) or have no known price.")


def no_spend(frame: pl.DataFrame, column: str = "cost_usd", message: str = NO_SPEND) -> bool:
    """True (after saying so) when the column adds up to nothing (zero or unknown): a chart of
    $0 bars says nothing."""
    if total(frame, column) > 0:
        return False
    st.info(message)
    return True


def total(frame: pl.DataFrame, column: str) -> float:
    """The sum of a column as a float (0 for an empty frame)."""
    value = frame.get_column(column).sum()
    return float(value) if value is not None else 0.0


def usd(value: float | None) -> str:
    """Money for a metric: $1,234.56 (sub-cent amounts keep 4 decimals)."""
    if value is None:
        return "—"
    return f"${value:,.4f}" if 0 < abs(value) < 0.01 else f"${value:,.2f}"


COMPACT_FROM = 100_000  # a quarter-width metric holds $99,999.99 whole at 1280 px


def usd_short(value: float | None) -> str:
    """Money for a metric: usd() below $100,000, else $123.5K, $2.00M, $1.50B (the metric's
    large digits would be cut off with an ellipsis)."""
    if value is None or abs(value) < COMPACT_FROM:
        return usd(value)
    for size, unit in ((1e9, "B"), (1e6, "M")):
        if abs(value) >= size:
            return f"${value / size:,.2f}{unit}"
    return f"${value / 1e3:,.1f}K"


def money_metric(where: DeltaGenerator, label: str, value: float | None,
                 help: str | None = None) -> None:
    """A metric of money: usd_short, with the exact amount in its help when shortened."""
    shown, exact = usd_short(value), usd(value)
    notes = [note for note in (exact if shown != exact else None, help) if note]
    where.metric(label, shown, help=". ".join(notes) or None)


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
