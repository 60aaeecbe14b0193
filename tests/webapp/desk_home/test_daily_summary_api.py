"""The day digest: default day, generation on demand (202 + job id), the error state of a failed
generation, the list of days, the live frame, and bad dates."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, register_owner
from tests.webapp.desk_home.conftest import (
    ANA,
    URGENT,
    error_of,
    frames,
)
from webapp.analysis import daily_summaries
from webapp.db import Database

API = "/api/v1/daily-summary"


def wait_ready(client: FlaskClient, who: Member, day: str, timeout: float = 30) -> Any:
    """GET the day until its generation ended; the last response."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"{API}?date={day}", headers=who.headers)
        if r.status_code != 202 or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def seed_day(db: Database, owner: Member, day: dt.date) -> None:
    """Traffic of Ana on the day (UTC tenant)."""
    start = dt.datetime.combine(day, dt.time(9), dt.UTC)
    device = make.device(db, owner.tenant_id, name=f"Desk {day}")
    make.messages(db, owner.tenant_id, make.chat(
        [URGENT, "Also the invoice INV-22 is wrong", "Please call me back"],
        chat=ANA, start=start), device_id=device)


@pytest.fixture
def team(client: FlaskClient) -> Member:
    """A fresh tenant (UTC) and its owner."""
    return register_owner(client, "Digest team")


def test_missing_day_is_generated_on_demand_and_pushed(client: FlaskClient, db: Database,
                                                       team: Member) -> None:
    day = dt.date(2026, 11, 20)
    seed_day(db, team, day)
    r = client.get(f"{API}?date={day}", headers=team.headers)
    assert r.status_code == 202, r.get_json()
    pending = r.get_json()
    assert pending["status"] == "pending" and pending["day"] == "2026-11-20"
    assert isinstance(pending["job_id"], int)
    r = wait_ready(client, team, "2026-11-20")
    assert r.status_code == 200, r.get_json()
    digest = r.get_json()
    assert digest["status"] == "ready" and digest["day"] == "2026-11-20"
    assert digest["summary"]
    assert digest["counts"]["messages"] == 3 and digest["counts"]["inbound"] == 3
    assert digest["generated_by"]["kind"] == "local"
    assert digest["generated_by"]["model"] == "messageflow-heuristic-v1"
    assert [c["title"] for c in digest["conversations"]] == ["Ana"]
    assert isinstance(digest["conversations"][0]["key_points"], list)
    assert set(digest["action_items"]) >= {"new", "done", "overdue", "new_items"}
    pushed = frames(db, team.tenant_id, "daily_summary.created")
    assert [f["data"] for f in pushed] == [digest]  # the frame is the REST body
    days = client.get("/api/v1/daily-summaries", headers=team.headers).get_json()
    assert [(d["day"], d["status"], d["summary_id"]) for d in days["data"]] == [
        ("2026-11-20", "ready", digest["id"])]


def test_default_day_is_yesterday_in_the_team_time_zone(client: FlaskClient, db: Database,
                                                        team: Member) -> None:
    # Kiritimati is UTC+14: its "yesterday" is often not UTC's yesterday.
    with db.tenant(team.tenant_id) as conn:
        conn.execute("update tenants set timezone = 'Pacific/Kiritimati' where id = %s",
                     (team.tenant_id,))
        row = conn.execute("select ((now() at time zone 'Pacific/Kiritimati')::date - 1)::text"
                           " as day").fetchone()
    assert row is not None
    r = client.get(API, headers=team.headers)
    assert r.status_code in (200, 202), r.get_json()
    assert r.get_json()["day"] == row["day"]
    r = wait_ready(client, team, row["day"])
    assert r.get_json()["status"] == "empty"  # no traffic that day: no made-up digest


def test_a_failed_generation_is_an_error_state_with_its_reason(
        client: FlaskClient, db: Database, team: Member, monkeypatch: pytest.MonkeyPatch) -> None:
    day = dt.date(2026, 11, 21)
    seed_day(db, team, day)

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise RuntimeError("provider said: secret internals")

    monkeypatch.setattr(daily_summaries, "summarize_tenant_day", broken)
    assert client.get(f"{API}?date={day}", headers=team.headers).status_code == 202
    r = wait_ready(client, team, str(day))
    assert r.status_code == 200, r.get_json()
    failed = r.get_json()
    assert failed["status"] == "failed"
    assert failed["error"] == "The generation failed (RuntimeError)."
    assert "summary" not in failed and "secret" not in str(failed)
    # Asking again shows the failure; it does not start over by itself.
    again = client.get(f"{API}?date={day}", headers=team.headers)
    assert again.get_json() == failed
    listed = client.get("/api/v1/daily-summaries", headers=team.headers).get_json()["data"]
    assert [(d["day"], d["status"], d["error"]) for d in listed] == [
        (str(day), "failed", failed["error"])]
    monkeypatch.undo()
    r = client.get(f"{API}?date={day}&retry=true", headers=team.headers)
    assert r.status_code == 202 and r.get_json()["job_id"] != failed["job_id"]
    assert wait_ready(client, team, str(day)).get_json()["status"] == "ready"


def test_a_viewer_reads_but_does_not_start_a_generation(client: FlaskClient, db: Database,
                                                        team: Member) -> None:
    viewer = make_viewer(client, team)
    day = dt.date(2026, 11, 22)
    seed_day(db, team, day)
    r = client.get(f"{API}?date={day}", headers=viewer.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"status": "missing", "day": str(day)}
    with db.tenant(team.tenant_id) as conn:
        row = conn.execute("select count(*) as n from daily_summary_jobs").fetchone()
    assert row is not None and row["n"] == 0


def make_viewer(client: FlaskClient, owner: Member) -> Member:
    """A viewer of the owner's tenant."""
    return make.add_member(client, owner, "viewer")


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-02-30", "20261120", "",
                                   "1969-12-31", "2026-11-20T00:00:00"])
def test_malformed_dates_are_400_naming_date(client: FlaskClient, team: Member,
                                             value: str) -> None:
    r = client.get(f"{API}?date={value}", headers=team.headers)
    assert r.status_code == 400, r.get_json()
    assert "date" in error_of(r)["details"]["fields"]


@pytest.mark.parametrize("days_ahead", [0, 1, 400])
def test_today_and_future_days_are_400(client: FlaskClient, team: Member,
                                       days_ahead: int) -> None:
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days_ahead)
    r = client.get(f"{API}?date={day}", headers=team.headers)
    assert r.status_code == 400, r.get_json()
    assert "date" in error_of(r)["details"]["fields"]


def test_another_tenant_sees_none_of_it(client: FlaskClient, db: Database,
                                        team: Member) -> None:
    day = dt.date(2026, 11, 19)
    seed_day(db, team, day)
    client.get(f"{API}?date={day}", headers=team.headers)
    assert wait_ready(client, team, str(day)).get_json()["status"] == "ready"
    stranger = register_owner(client, "Stranger")
    assert client.get("/api/v1/daily-summaries", headers=stranger.headers).get_json()[
        "data"] == []
    r = client.get(f"{API}?date={day}", headers=stranger.headers)
    assert r.status_code == 202  # its own (empty) day, generated for its own tenant
    assert wait_ready(client, stranger, str(day)).get_json()["status"] == "empty"


def test_bad_list_cursor_is_400(client: FlaskClient, team: Member) -> None:
    r = client.get("/api/v1/daily-summaries?cursor=bm9wZQ", headers=team.headers)
    assert r.status_code == 400
    assert "cursor" in error_of(r)["details"]["fields"]
