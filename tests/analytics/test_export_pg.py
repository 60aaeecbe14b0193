"""Reading a tenant's day from PostgreSQL under RLS and exporting it, end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pytest import approx

from analytics import queries as q
from analytics.export import export_day
from analytics.live import (
    read_budgets_from_pg,
    read_message_stats_from_pg,
    read_tenant_timezone,
    read_usage_from_pg,
)
from analytics.views import LiveRows, connect
from tests import factories as make
from webapp.db import Database
from webapp.messaging.service import ingest
from webapp.tenants.service import create_tenant

DAY = dt.date(2026, 11, 2)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    """A UTC time on DAY (or another day)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def message(wa_id: str, chat: int, when: dt.datetime, from_me: bool) -> dict[str, Any]:
    """A traffic record (chat n is customer n's direct chat)."""
    jid = f"55119000000{chat:02d}@s.whatsapp.net"
    return {"kind": "message", "id": wa_id, "chat": jid, "sender": jid, "from_me": from_me,
            "sender_name": "Ana", "timestamp": when.isoformat(), "text": "secret words"}


def add_usage(db: Database, tenant: int, provider: int | None, when: dt.datetime,
              cost: float | None, status: str = "ok") -> None:
    """One ledger row."""
    with db.tenant(tenant) as conn:
        conn.execute(
            "insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, feature,"
            " message_count, input_tokens, output_tokens, cost_usd, unpriced, latency_ms,"
            " status, error_message, valid_output, created_at) values (mf_current_tenant(),"
            " %s, %s, 'gpt-4-turbo', 'importance_detection', 1, 100, 10, %s, %s, 120.5, %s,"
            " 'secret words', %s, %s)",
            (provider, "openai" if provider else "local", cost, cost is None, status,
             status == "ok", when))


@pytest.fixture(scope="module")
def tenants(db: Database) -> tuple[int, int]:
    """Two tenants with providers, ledger rows and traffic on DAY."""
    one, two = create_tenant(db, "Analytics One"), create_tenant(db, "Analytics Two", "UTC")
    p1 = make.provider(db, one, "Primary", budget=10.0)
    p2 = make.provider(db, two, "Theirs", budget=1.0)
    add_usage(db, one, p1, at(9), 0.5)
    add_usage(db, one, p1, at(10), None)
    add_usage(db, one, None, at(11), 0.0, status="ok")
    add_usage(db, one, p1, at(23, 59), 0.25, status="timeout")
    add_usage(db, one, p1, at(0, 30, DAY + dt.timedelta(days=1)), 7.0)  # next UTC day
    add_usage(db, two, p2, at(9), 999.0)
    ingest(db, one, [
        message("A1", 1, at(9, 0), False), message("A2", 1, at(9, 1), False),
        message("A3", 1, at(9, 5), True),    # answers the wait that began at 09:00: 300 s
        message("A4", 1, at(10, 0), False),  # answered tomorrow at 01:00: 15 h
        message("A5", 1, at(1, 0, DAY + dt.timedelta(days=1)), True),
        message("B1", 2, at(9, 30), False),  # never answered
        message("C1", 3, at(11, 0), True),
    ])
    ingest(db, two, [message("Z1", 1, at(9, 0), False), message("Z2", 1, at(9, 2), True)])
    return one, two


def test_usage_rows_of_one_day(db: Database, tenants: tuple[int, int]) -> None:
    one, _ = tenants
    with db.tenant(one) as conn:
        usage = read_usage_from_pg(conn, one, DAY)
    assert usage.height == 4 and set(usage["tenant_id"]) == {one}
    assert set(usage["date"]) == {DAY} and "error_message" not in usage.columns
    assert usage["cost_usd"].to_list() == [0.5, None, 0.0, 0.25]
    assert usage["unpriced"].to_list() == [False, True, False, False]
    assert usage["provider_name"].to_list() == ["Primary", "Primary", "Local (heuristic)",
                                                "Primary"]
    assert usage["latency_ms"].to_list() == [120.5] * 4


def test_days_follow_the_time_zone(db: Database, tenants: tuple[int, int]) -> None:
    one, _ = tenants
    with db.tenant(one) as conn:
        # 23:59 UTC on DAY and 00:30 UTC the next day are both DAY+1 in Asia/Tokyo (UTC+9)
        tokyo = read_usage_from_pg(conn, one, DAY + dt.timedelta(days=1), tz="Asia/Tokyo")
        assert read_tenant_timezone(conn, one) == "UTC"
    assert tokyo["cost_usd"].to_list() == [0.25, 7.0]


def test_message_stats_by_hour(db: Database, tenants: tuple[int, int]) -> None:
    one, _ = tenants
    with db.tenant(one) as conn:
        stats = read_message_stats_from_pg(conn, one, DAY)
    hours = {row["hour"]: row for row in stats.to_dicts()}
    assert set(hours) == {9, 10, 11}
    assert (hours[9]["inbound"], hours[9]["outbound"], hours[9]["conversations"]) == (3, 1, 2)
    assert hours[9]["responses"] == 1 and hours[9]["first_response_p50_s"] == approx(300.0)
    assert hours[10]["first_response_s_sum"] == approx(15 * 3600.0)
    assert (hours[11]["inbound"], hours[11]["outbound"], hours[11]["responses"]) == (0, 1, 0)
    assert "text" not in stats.columns


def test_refuses_a_connection_outside_the_tenant(db: Database, tenants: tuple[int, int]) -> None:
    one, two = tenants
    with db.system() as conn, pytest.raises(PermissionError):
        read_usage_from_pg(conn, one, DAY)
    with db.tenant(two) as conn, pytest.raises(PermissionError):
        read_message_stats_from_pg(conn, one, DAY)


def test_export_day_then_query(db: Database, tenants: tuple[int, int], tmp_path: Path) -> None:
    one, two = tenants
    for _ in range(2):  # a re-run replaces the same partitions
        with db.tenant(one) as conn:
            written = export_day(conn, tmp_path, one, DAY)
        with db.tenant(two) as conn:
            export_day(conn, tmp_path, two, DAY)
    assert {w.dataset: w.rows for w in written} == {"llm_usage": 4, "llm_cost_daily": 2,
                                                    "message_stats": 3}
    assert len(list(tmp_path.rglob("*.parquet"))) == 6
    con = connect()
    spend = q.spend_by_day(con, tmp_path, one, DAY, DAY)
    assert spend["cost_usd"].sum() == approx(0.75)
    with db.tenant(one) as conn:
        budgets = read_budgets_from_pg(conn, one)
        live = LiveRows(frozenset({DAY}), read_usage_from_pg(conn, one, DAY),
                        read_message_stats_from_pg(conn, one, DAY))
    burn = q.budget_burn(con, tmp_path, one, DAY, budgets)
    primary = burn.filter(pl.col("provider_name") == "Primary").row(0, named=True)
    assert primary["spend_usd"] == approx(0.75) and primary["burn_pct"] == approx(7.5)
    traffic = q.traffic(con, tmp_path, one, DAY, DAY, live=live)
    assert traffic["inbound"].to_list() == [4] and traffic["outbound"].to_list() == [2]
    assert q.provider_comparison(con, tmp_path, one, DAY, DAY, live=live).equals(
        q.provider_comparison(con, tmp_path, one, DAY, DAY))
