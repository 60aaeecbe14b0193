"""One AppTest per page on the Parquet fixtures (tests/analytics/data.py): metrics, tables,
filters, downloads; a tenant sees only its own partitions."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_app import data
from streamlit_app.session import record_export
from tests.analytics.data import CLAUDE, GPT, MON, TUE
from tests.streamlit_app.conftest import World, app_as, principal


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> shown value."""
    return {m.label: m.value for m in at.metric}


def downloads(at: AppTest) -> list[str]:
    """Labels of the CSV download buttons on the page."""
    return [e.proto.label for e in at.main if e.type == "download_button"]  # type: ignore[attr-defined]


def charts(at: AppTest) -> int:
    """How many Altair charts the page drew."""
    return sum(1 for e in at.main if e.type == "vega_lite_chart")


def test_provider_comparison(world: World) -> None:
    at = app_as(world, "owner", "provider_comparison")
    assert not at.exception
    assert metrics(at) == {"Requests": "8", "Success rate": "75.0%", "Spend": "$0.22",
                           "Cheapest per 1k messages": "$21.50"}  # GPT: 0.043 / 2 messages
    table = at.dataframe[0].value
    assert list(table["provider_name"]) == ["GPT", "Claude", "Local (heuristic)"]
    assert list(table["requests"]) == [4, 3, 1]
    assert charts(at) == 2 and downloads(at) == ["Download provider comparison (CSV)"]
    at.multiselect(key="providers_comparison").set_value([world.providers[CLAUDE]]).run()
    assert not at.exception
    assert list(at.dataframe[0].value["provider_name"]) == ["Claude"]
    assert metrics(at)["Spend"] == "$0.18"


def test_usage_and_cost(world: World) -> None:
    at = app_as(world, "manager", "usage_cost")
    assert not at.exception
    shown = metrics(at)
    assert shown["Spend in range"] == "$0.22" and shown["Calls"] == "8"
    assert shown["Tokens"] == "10,000" and shown["Unpriced calls"] == "1"
    assert shown["Month to date (to Nov 3)"] == "$0.22"
    assert shown["Projected month end"] == "$2.23"  # 0.223 / 3 days x 30
    burn = at.dataframe[1].value.set_index("provider_name")
    assert burn.loc["Claude", "burn_pct"] == pytest.approx(90.0)
    assert burn.loc["Claude", "status"] == "80% used"
    assert burn.loc["GPT", "status"] == "on track"
    at.radio(key="usage_split").set_value("Feature").run()
    assert not at.exception
    assert "feature" in at.dataframe[0].value.columns
    assert charts(at) == 3 and len(downloads(at)) == 2


def test_feature_breakdown(world: World) -> None:
    at = app_as(world, "owner", "feature_breakdown")
    assert not at.exception
    assert metrics(at) == {"Features in use": "2", "Costliest: Conversation summaries": "$0.15",
                           "Failed calls": "2"}  # summarization: 0.035 + 0.12
    breakdown, top = at.dataframe[0].value, at.dataframe[1].value
    assert len(breakdown) == 7 and breakdown["calls"].sum() == 8
    assert list(top["conversation_id"][:2]) == [102, 100]
    assert downloads(at) == ["Download cost breakdown (CSV)", "Download top conversations (CSV)"]


def test_queue_health(world: World) -> None:
    at = app_as(world, "owner", "queue_health")
    assert not at.exception
    assert metrics(at) == {"Inbound messages": "7", "Outbound messages": "3",
                           "Average first response": "4.3 min",  # (180 + 600) / 3 s
                           "p90 first response": "5.0 min"}      # (150*2 + 600) / 3 s
    assert list(at.dataframe[0].value["inbound"]) == [5, 2]
    assert charts(at) == 3


def test_each_tenant_sees_only_its_own_partitions(world: World) -> None:
    theirs = app_as(world, "other", "provider_comparison")
    assert not theirs.exception
    assert metrics(theirs)["Spend"] == "$1,998.00"
    assert list(theirs.dataframe[0].value["provider_name"]) == ["Other"]
    mine = app_as(world, "owner", "provider_comparison")
    assert "Other" not in list(mine.dataframe[0].value["provider_name"])
    queue = app_as(world, "owner", "queue_health")
    assert metrics(queue)["Inbound messages"] == "7"  # tenant two's 15,554 never added


def test_empty_range_says_so(world: World) -> None:
    at = app_as(world, "owner", "usage_cost", days=(dt.date(2026, 10, 1), dt.date(2026, 10, 5)))
    assert not at.exception
    assert "No LLM calls between these dates" in at.info[0].value


def test_cost_helpers_refuse_viewers(world: World) -> None:
    viewer = principal(world, "viewer")
    with pytest.raises(data.CostsForbidden):
        data.provider_comparison(viewer, MON, TUE)
    with pytest.raises(data.CostsForbidden):
        data.budget_burn(viewer, TUE)
    assert data.traffic(viewer, MON, TUE)["inbound"].sum() == 7


def test_downloads_are_audited(world: World) -> None:
    owner = principal(world, "owner")
    record_export(owner, "provider-comparison", 3)
    with world.db.tenant(world.tenant_one) as conn:
        row = conn.execute("select action, actor_user_id, details from audit_logs "
                           "where action = 'client.export' order by id desc limit 1").fetchone()
    assert row is not None and row["actor_user_id"] == owner.user_id
    assert row["details"]["what"] == "provider-comparison" and row["details"]["rows"] == 3


def test_today_comes_live_from_the_database(world: World) -> None:
    with world.db.tenant(world.tenant_one) as conn:
        conn.execute(
            "insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, feature,"
            " input_tokens, output_tokens, cost_usd, latency_ms, status, valid_output)"
            " values (mf_current_tenant(), %s, 'openai', 'gpt-4-turbo', 'summarization',"
            " 10, 10, 2.5, 300, 'ok', true)", (world.providers[GPT],))
    at = app_as(world, "owner", "provider_comparison", days=(MON, dt.date.today()))
    assert not at.exception
    assert metrics(at)["Requests"] == "9" and metrics(at)["Spend"] == "$2.72"
