"""Time-driven triggers, driven by the engine's explicit `now` in real time zones (across
daylight-saving changes): `conversation.unanswered` once per unanswered stretch (wall-clock or
business minutes), `schedule` once per due minute even with engines racing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import BRUNO, Member, add_member, msg, register_owner
from tests.webapp.workflows.test_engine import executions, rows
from webapp.db import Database
from webapp.messaging.ingest import ingest
from webapp.workflows import engine, schedule

UTC = dt.UTC


@pytest.fixture()
def desk(app: Flask, db: Database) -> tuple[Member, Member, int]:
    client = app.test_client()
    owner = register_owner(client, "Time triggers")
    return owner, add_member(client, owner, "admin"), make.device(db, owner.tenant_id)


def zone(client: FlaskClient, owner: Member, name: str) -> None:
    r = client.patch("/api/v1/tenant/settings", headers=owner.headers, json={"timezone": name})
    assert r.status_code == 200, r.get_json()


def workflow(client: FlaskClient, admin: Member, trigger: dict[str, Any],
             actions: list[dict[str, Any]]) -> int:
    r = client.post("/api/v1/workflows", headers=admin.headers, json={
        "name": trigger["type"], "trigger": trigger, "actions": actions})
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def at(when: dt.datetime, wa_id: str, text: str, **kw: Any) -> dict[str, Any]:
    record = msg(wa_id, text, **kw)
    record["timestamp"] = when.isoformat()
    return record


def test_unanswered_fires_once_per_stretch_and_an_answer_starts_a_new_one(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = workflow(client, admin, {"type": "conversation.unanswered", "minutes": 30},
                   [{"type": "set_priority", "priority": "high"}])
    base = dt.datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
    ingest(db, owner.tenant_id, [at(base, "U1", "anyone there?"),
                                 at(base + dt.timedelta(minutes=5), "U2", "hello??"),
                                 at(base + dt.timedelta(minutes=20), "B1", "fine", chat=BRUNO,
                                    name="Bruno")], device_id=device)
    engine.run_pending(db, now=base + dt.timedelta(minutes=29))
    assert executions(client, admin, wid) == []
    engine.run_pending(db, now=base + dt.timedelta(minutes=31))
    engine.run_pending(db, now=base + dt.timedelta(minutes=45))  # same stretch: not again
    [first] = executions(client, admin, wid)
    assert first["trigger"] == "conversation.unanswered" and first["matched"]
    [u1] = rows(db, owner.tenant_id, "select id, conversation_id from messages"
                " where wa_message_id = 'U1'")
    assert first["message_id"] == u1["id"]
    assert first["event_key"] == f"unanswered:{u1['conversation_id']}:{u1['id']}"
    engine.run_pending(db, now=base + dt.timedelta(minutes=51))  # Bruno's chat is due now
    assert len(executions(client, admin, wid)) == 2
    # Ana is answered, then writes again: a new stretch, fired 30 minutes after it began.
    ingest(db, owner.tenant_id, [
        at(base + dt.timedelta(minutes=60), "A1", "on it", from_me=True,
           sender="5511900000000@s.whatsapp.net"),
        at(base + dt.timedelta(minutes=70), "U3", "still broken")], device_id=device)
    engine.run_pending(db, now=base + dt.timedelta(minutes=99))
    assert len(executions(client, admin, wid)) == 2
    engine.run_pending(db, now=base + dt.timedelta(minutes=101))
    runs = executions(client, admin, wid)
    assert len(runs) == 3
    [u3] = rows(db, owner.tenant_id, "select id from messages where wa_message_id = 'U3'")
    assert runs[0]["message_id"] == u3["id"]


def test_unanswered_in_business_minutes_across_a_weekend_and_a_dst_change(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    zone(client, owner, "Europe/Berlin")  # default hours: Mon-Fri 09:00-17:00
    wid = workflow(client, admin, {"type": "conversation.unanswered", "minutes": 30,
                                   "business_hours_only": True},
                   [{"type": "set_status", "status": "pending"}])
    # Friday 26 March 2027, 16:50 CET; Berlin moves to CEST on Sunday the 28th.
    sent = dt.datetime(2027, 3, 26, 15, 50, tzinfo=UTC)
    ingest(db, owner.tenant_id, [at(sent, "W1", "invoice please")], device_id=device)
    engine.run_pending(db, now=dt.datetime(2027, 3, 26, 16, 40, tzinfo=UTC))  # 17:40, 10 min
    engine.run_pending(db, now=dt.datetime(2027, 3, 29, 7, 19, tzinfo=UTC))  # Mon 09:19 CEST
    assert executions(client, admin, wid) == []
    engine.run_pending(db, now=dt.datetime(2027, 3, 29, 7, 21, tzinfo=UTC))  # 09:21: 31 min
    [run] = executions(client, admin, wid)
    assert run["matched"] and run["results"][0]["ok"]


def test_business_minutes_follow_the_zone() -> None:
    hours = {"mon": {"start": "09:00", "end": "17:00"}, "fri": {"start": "09:00",
                                                                "end": "17:00"}}
    start = dt.datetime(2027, 3, 26, 15, 50, tzinfo=UTC)  # Fri 16:50 Berlin
    end = dt.datetime(2027, 3, 29, 7, 21, tzinfo=UTC)  # Mon 09:21 Berlin (CEST)
    assert schedule.business_minutes(start, end, "Europe/Berlin", hours) == 31
    assert schedule.business_minutes(start, end, "UTC", hours) == 70 + 0  # Fri 15:50-17:00 UTC
    assert schedule.business_minutes(end, start, "UTC", hours) == 0


def test_schedule_fires_once_per_due_minute_in_the_tenant_zone(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, _device = desk
    zone(client, owner, "America/New_York")  # EST to EDT on Sunday 14 March 2027
    wid = workflow(client, admin, {"type": "schedule", "cron": "30 9 * * mon-fri"},
                   [{"type": "create_action_item", "title": "Morning check {{schedule.due}}"},
                    {"type": "notify", "role": "owner", "title": "{{workflow.name}} ran"}])
    friday = dt.datetime(2027, 3, 12, 14, 30, 20, tzinfo=UTC)  # 09:30 EST
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        engine.run_pending(db, now=friday)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.run_pending(db, now=friday + dt.timedelta(minutes=3))  # same due minute
    engine.run_pending(db, now=dt.datetime(2027, 3, 13, 14, 30, 5, tzinfo=UTC))  # Saturday
    engine.run_pending(db, now=dt.datetime(2027, 3, 15, 14, 30, 5, tzinfo=UTC))  # 10:30 EDT
    monday = dt.datetime(2027, 3, 15, 13, 30, 5, tzinfo=UTC)  # 09:30 EDT
    engine.run_pending(db, now=monday)
    runs = executions(client, admin, wid)
    assert sorted(r["event_key"] for r in runs) == [
        "schedule:2027-03-12T14:30Z", "schedule:2027-03-15T13:30Z"]
    assert all(r["matched"] and r["trigger"] == "schedule" and r["error"] is None
               for r in runs), runs
    items = rows(db, owner.tenant_id, "select title, conversation_id from action_items"
                 " order by id")
    assert [i["conversation_id"] for i in items] == [None, None]
    assert items[0]["title"].startswith("Morning check 2027-03-12T14:30")
    notes = rows(db, owner.tenant_id, "select count(*) as n from notifications"
                 " where kind = 'workflow'")
    assert notes[0]["n"] == 2


def test_a_schedule_does_not_fire_before_it_was_turned_on(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    admin = desk[1]
    wid = workflow(client, admin, {"type": "schedule", "cron": "* * * * *"},
                   [{"type": "notify", "role": "owner", "title": "tick"}])
    engine.run_pending(db, now=dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC))  # long before
    assert executions(client, admin, wid) == []


def test_dry_run_of_a_schedule_lists_its_next_due_minutes(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, _device = desk
    zone(client, owner, "Asia/Kolkata")  # +05:30, no daylight saving
    wid = workflow(client, admin, {"type": "schedule", "cron": "0 9 * * *"},
                   [{"type": "create_action_item", "title": "Standup {{schedule.due}}"}])
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers, json={"last": 3})
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert len(data) == 3
    dues = [dt.datetime.fromisoformat(d["due_at"]) for d in data]
    assert all(d.astimezone(UTC).strftime("%H:%M") == "03:30" for d in dues), dues
    assert [(b - a).days for a, b in zip(dues, dues[1:], strict=False)] == [1, 1]
    assert data[0]["matched"] and data[0]["actions"][0]["would"].startswith(
        "create action item 'Standup ")
    assert rows(db, owner.tenant_id, "select id from action_items") == []


SCHEDULE_ENGINE = """
import datetime as dt, sys
from webapp.db import Database
from webapp.workflows import engine
db = Database(sys.argv[1], min_size=1, max_size=4)
db.open()
now = dt.datetime.fromisoformat(sys.argv[2])
ran = sum(engine.run_pending(db, now=now + dt.timedelta(seconds=i)) for i in range(15))
db.close()
print(ran)
"""


def test_schedule_with_two_engine_processes_fires_each_due_minute_once(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int],
        database_url: str) -> None:
    owner, admin, _device = desk
    zone(client, owner, "Australia/Adelaide")  # +10:30 in summer
    wid = workflow(client, admin, {"type": "schedule", "cron": "*/2 * * * *"},
                   [{"type": "create_action_item", "title": "Tick {{schedule.due}}"}])
    now = dt.datetime(2027, 1, 4, 2, 0, 30, tzinfo=UTC)  # the last 10 minutes hold 5 due ones
    root = Path(__file__).resolve().parents[3]
    before = all_executions(database_url)  # other tests' workflows run in these passes too
    procs = [subprocess.Popen([sys.executable, "-c", SCHEDULE_ENGINE, database_url,
                               now.isoformat()], cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    ran = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    runs = executions(client, admin, wid)
    assert sorted(r["event_key"] for r in runs) == [
        f"schedule:2027-01-04T01:{m:02d}Z" for m in (52, 54, 56, 58)] + [
        "schedule:2027-01-04T02:00Z"]
    assert sum(ran) == all_executions(database_url) - before, ran  # none ran twice
    items = rows(db, owner.tenant_id, "select title from action_items")
    assert len(items) == 5


def all_executions(database_url: str) -> int:
    """Executions of every tenant (the superuser's view)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("select count(*) from workflow_executions").fetchone()
    return int(row[0]) if row else 0
