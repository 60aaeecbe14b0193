"""The dashboard: the window's counters, first response of agents (simulated traffic excluded),
action items by status and overdue, spend vs budget for those who may read costs, devices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, register_owner
from tests.webapp.desk_home.conftest import ANA, BRUNO, error_of
from webapp.db import Database

API = "/api/v1/dashboard"
ZONE_AFTER_MIDNIGHT = "Etc/GMT-2"  # UTC+2 (POSIX signs are inverted)


def action_item(db: Database, tenant_id: int, status: str, *, due: dt.date | None = None,
                assignee: int | None = None) -> None:
    """An action item row (the desk API owns the endpoints)."""
    with db.tenant(tenant_id) as conn:
        conn.execute("insert into action_items (tenant_id, description, status, due_date,"
                     " origin, assignee_id) values (mf_current_tenant(), 'Call back', %s, %s,"
                     " 'manual', %s)", (status, due, assignee))


@pytest.fixture(scope="module")
def team(client_module: FlaskClient, db: Database) -> tuple[Member, Member]:
    """A tenant with traffic now, an agent's reply, items, a budgeted provider: (owner, viewer)."""
    client = client_module
    owner = register_owner(client, "Dashboard team")
    viewer = add_member(client, owner, "viewer")
    tid = owner.tenant_id
    device = make.device(db, tid, name="Front desk")
    make.device(db, tid, name="Spare phone", status="disconnected")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if now.hour == 0:  # in UTC, ten minutes ago may be yesterday: the team lives at UTC+2
        with db.tenant(tid) as conn:
            conn.execute("update tenants set timezone = %s where id = mf_current_tenant()",
                         (ZONE_AFTER_MIDNIGHT,))
    ids = make.messages(db, tid, [
        *make.chat(["Where is my order?"], chat=ANA, start=now - dt.timedelta(minutes=10)),
        *make.chat(["Hello?"], chat=BRUNO, start=now - dt.timedelta(minutes=5)),
        {"kind": "message", "id": "SIMREPLY1", "chat": ANA, "sender": ANA, "from_me": True,
         "sender_name": "Ops", "text": "Automatic: we got your message",
         "timestamp": (now - dt.timedelta(minutes=9)).isoformat()},
        *make.chat(["Old question"], chat=ANA, start=now - dt.timedelta(days=20))],
        device_id=device)
    ana = make.conversation_of(db, tid, ids[0])
    r = client.post("/api/v1/messages/reply", headers=owner.headers,
                    json={"conversation_id": ana, "text": "On its way!"})
    assert r.status_code == 202, r.get_json()
    today = now.date()
    action_item(db, tid, "proposed")
    action_item(db, tid, "in_progress", due=today - dt.timedelta(days=1), assignee=owner.user_id)
    action_item(db, tid, "in_progress", assignee=owner.user_id)
    action_item(db, tid, "done", due=today - dt.timedelta(days=3), assignee=owner.user_id)
    provider = make.provider(db, tid, "Primary", budget=Decimal("10"))
    with db.tenant(tid) as conn:
        conn.execute("insert into llm_rate_counters (tenant_id, provider_id, period, period_start,"
                     " spent_usd) values (mf_current_tenant(), %s, 'month',"
                     " date_trunc('month', now() at time zone 'UTC')::date, 2.5),"
                     " (mf_current_tenant(), %s, 'day', (now() at time zone 'UTC')::date, 0.5)",
                     (provider, provider))
    return owner, viewer


@pytest.fixture(scope="module")
def client_module(app: Flask) -> FlaskClient:
    """A client shared by the module's fixture."""
    return app.test_client()


def test_today(client: FlaskClient, team: tuple[Member, Member]) -> None:
    owner, _ = team
    r = client.get(API, headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    zone = ZONE_AFTER_MIDNIGHT if dt.datetime.fromisoformat(
        d["window_end"]).hour == 0 else "UTC"  # see the fixture
    assert d["window"] == "today" and d["timezone"] == zone
    assert d["messages"] == {"inbound": 2, "outbound": 2}  # the reply and the automatic one
    assert d["conversations"]["open"] == 2 and d["conversations"]["unassigned"] == 2
    assert d["action_items"]["by_status"] == {"proposed": 1, "in_progress": 2, "done": 1}
    assert d["action_items"]["overdue"] == 1 and d["action_items"]["mine"] == 2
    frt = d["first_response"]
    # Ana asked 10 min ago and a person answered (the automatic reply does not count); Bruno
    # waits. The reply was just sent, so the response took about 10 minutes.
    assert (frt["conversations_asked"], frt["conversations_replied"]) == (2, 1)
    assert 540 <= frt["median_seconds"] <= 720 and frt["p90_seconds"] == frt["median_seconds"]
    assert d["llm"] == {"today_usd": "0.500000", "month_to_date_usd": "2.500000",
                        "monthly_budget_usd": "10.000000", "budget_used_pct": 25.0}
    assert [(x["display_name"], x["status"]) for x in d["devices"]] == [
        ("Front desk", "connected"), ("Spare phone", "disconnected")]


def test_windows_widen(client: FlaskClient, team: tuple[Member, Member]) -> None:
    owner, _ = team
    week = client.get(f"{API}?window=7d", headers=owner.headers).get_json()
    month = client.get(f"{API}?window=30d", headers=owner.headers).get_json()
    assert week["messages"]["inbound"] == 2 and month["messages"]["inbound"] == 3
    assert month["window_start"] < week["window_start"]


def test_viewer_sees_counters_but_not_spend(client: FlaskClient,
                                            team: tuple[Member, Member]) -> None:
    _, viewer = team
    d = client.get(API, headers=viewer.headers).get_json()
    assert d["llm"] is None and d["messages"]["inbound"] == 2
    assert d["action_items"]["mine"] == 0


def test_another_tenant_counts_only_its_own(client: FlaskClient,
                                            team: tuple[Member, Member]) -> None:
    stranger = register_owner(client, "Stranger desk")
    d = client.get(f"{API}?window=30d", headers=stranger.headers).get_json()
    assert d["messages"] == {"inbound": 0, "outbound": 0} and d["devices"] == []
    assert d["action_items"] == {"by_status": {}, "overdue": 0, "mine": 0}
    assert d["first_response"]["median_seconds"] is None


@pytest.mark.parametrize("query", ["window=1y", "window=", "window=TODAY", "days=3"])
def test_bad_window_is_400(client: FlaskClient, team: tuple[Member, Member], query: str) -> None:
    r = client.get(f"{API}?{query}", headers=team[0].headers)
    assert r.status_code == 400
    assert query.split("=")[0] in error_of(r)["details"]["fields"]
