"""Month to date: the API's (/llm/costs: the ledger since the 1st of the UTC month, now) and
Streamlit's (data.month_to_date: the month's exported days plus the live rows of today and of
recent days not exported yet, read through analytics.live) agree for a UTC tenant. The
projections to month end differ by definition (analytics/README.md, "The API and Streamlit")."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pipelines.daily import START_DATE
from streamlit_app import data
from tests import factories as make
from tests.analytics.agreement import (
    Call,
    add_calls,
    api,
    export,
    priced_sum,
    sign_in,
    streamlit_env,
    usd,
)
from webapp.db import Database
from webapp.security.principal import Principal

MARGIN_S = 90  # the test's days must not change under it


def clear_of_midnight() -> dt.datetime:
    """Now, at least MARGIN_S from a UTC midnight (waiting for it if needed)."""
    now = dt.datetime.now(dt.UTC)
    since = (now - now.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
    if since < MARGIN_S:
        time.sleep(MARGIN_S - since)
    elif since > 86400 - MARGIN_S:
        time.sleep(86400 - since + MARGIN_S)
    return dt.datetime.now(dt.UTC)


@dataclass
class Month:
    """The tenant, both sides' credentials, today and the calls of this month."""

    client: FlaskClient
    headers: dict[str, str]
    user: Principal
    today: dt.date
    this_month: list[Call]


def _calls(now: dt.datetime) -> tuple[list[Call], list[Call]]:
    """(calls of earlier months, calls of this month so far), in UTC."""
    today = now.date()
    first = today.replace(day=1)
    noon = dt.time(12, tzinfo=dt.UTC)
    earlier = [Call(dt.datetime.combine(first - dt.timedelta(days=1), noon), "gpt",
                    "importance_detection", "gpt-4o", 9000, 900, "5", "ok", 5)]
    # Halfway through today so far: today, and not in the future.
    midnight = dt.datetime.combine(today, dt.time(tzinfo=dt.UTC))
    at_today = midnight + (now - midnight) / 2
    month = [Call(at_today, "gpt", "importance_detection", "gpt-4o", 500, 50, "0.0625", "ok", 5),
             Call(at_today, "cohere", "summarization", "command-x", 700, 70, None, "ok", 3)]
    if today.day > 1:
        month += [
            Call(dt.datetime.combine(first, noon), "gpt", "importance_detection", "gpt-4o",
                 1000, 100, "0.25", "ok", 5),
            Call(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(13, tzinfo=dt.UTC)),
                 "claude", "summarization", "claude-3-5", 800, 80, "0.125", "error", 4),
        ]
    return earlier, month


@pytest.fixture(scope="module")
def month(db: Database, database_url: str, app: Flask,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    """A UTC tenant with calls last month, on the 1st, yesterday and today; the days before
    yesterday exported by the Dagster asset, the rest left to Streamlit's live rows."""
    now = clear_of_midnight()
    client = app.test_client()
    tenant = make.tenant(db, "Agree month")
    email = make.unique_email("owner")
    make.user(db, tenant, "owner", email=email)
    providers = {"gpt": make.provider(db, tenant, "GPT", model="gpt-4o"),
                 "claude": make.provider(db, tenant, "Claude", kind="anthropic",
                                         model="claude-3-5"),
                 "cohere": make.provider(db, tenant, "Cohere", kind="cohere", model="command-x")}
    earlier, this_month = _calls(now)
    add_calls(db, tenant, providers, earlier + this_month)
    root = tmp_path_factory.mktemp("analytics")
    yesterday = now.date() - dt.timedelta(days=1)
    export(database_url, root, [tenant],
           [c.at.date() for c in earlier + this_month
            if dt.date.fromisoformat(START_DATE) <= c.at.date() < yesterday])
    with streamlit_env(database_url, root, tmp_path_factory.mktemp("home")):
        yield Month(client, sign_in(client, email), make.principal(db, tenant_id=tenant),
                    now.date(), this_month)


def test_month_to_date_agrees(month: Month) -> None:
    body = api(month.client, month.headers, "/llm/costs", month.today, month.today)
    mine = data.month_to_date(month.user, month.today)
    assert body["month_to_date_usd"] == usd(mine["spend_usd"].sum()) == priced_sum(
        c.cost for c in month.this_month)
    assert body["month_to_date_requests"] == mine["calls"].sum() == len(month.this_month)
    assert body["month_to_date_unpriced_requests"] == mine["unpriced_calls"].sum() == 1
    # Today (and yesterday, not exported yet) came from PostgreSQL, the rest from the files.
    live, exported = data.day_sources(month.user, month.today.replace(day=1), month.today)
    assert month.today in live
    assert exported == sorted({c.at.date() for c in month.this_month} - set(live))
