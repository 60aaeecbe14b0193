"""Round-robin assignment over the members of a role who are online (presence from real
realtime hubs, one announcing to the other over PostgreSQL) with its fair rotation persisted
per workflow; a run left `running` by a killed engine process taken over after the timeout
(the actions already recorded are not run again); history sync fires no workflow."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.whatsapp.neonize_events import Harness
from tests.webapp.whatsapp.test_convert_history_status import history_event
from tests.webapp.workflows.test_engine import create, executions, rows
from webapp.db import Database
from webapp.messaging.ingest import ingest
from webapp.messaging.records import validate_record
from webapp.realtime.hub import Hub
from webapp.whatsapp.intake import Intake
from webapp.whatsapp.results import HistoryBatch
from webapp.workflows import engine


@pytest.fixture()
def desk(app: Flask, db: Database) -> tuple[Member, Member, int]:
    client = app.test_client()
    owner = register_owner(client, "Rotation desk")
    return owner, add_member(client, owner, "admin"), make.device(db, owner.tenant_id)


@pytest.fixture()
def hubs(db: Database, database_url: str) -> Iterator[tuple[Hub, Hub]]:
    pair = (Hub(db, database_url, application_name="mf-test-rr-a"),
            Hub(db, database_url, application_name="mf-test-rr-b"))
    for hub in pair:
        hub.start()
    yield pair
    for hub in pair:
        hub.stop()


def chats(n: int, start: int) -> list[dict[str, object]]:
    return [msg(f"RR{start + i}", f"help {i}", i, chat=f"55119000{start + i:05d}@s.whatsapp.net")
            for i in range(n)]


def assignees(db: Database, tenant_id: int) -> list[int | None]:
    return [r["assignee_id"] for r in rows(db, tenant_id, "select c.assignee_id from messages m"
                                                          " join conversations c on c.id ="
                                                          " m.conversation_id order by m.id")]


def test_round_robin_over_online_members_then_all_of_them(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int],
        hubs: tuple[Hub, Hub]) -> None:
    owner, admin, device = desk
    members = sorted([add_member(client, owner, "member") for _ in range(3)],
                     key=lambda m: m.user_id)
    a, b = hubs
    # Two members have the dashboard open in "another process" (hub a); the engine reads
    # presence from hub b, which hears of them through PostgreSQL.
    subs = [a.subscribe(owner.tenant_id, m.user_id, 0) for m in members[1:]]
    deadline = time.monotonic() + 10
    while b.online_users(owner.tenant_id) != [m.user_id for m in members[1:]]:
        assert time.monotonic() < deadline, b.online_users(owner.tenant_id)
        time.sleep(0.05)
    wid = create(client, admin, {}, [{"type": "assign_conversation", "role": "member"}])
    ingest(db, owner.tenant_id, chats(3, 0), device_id=device)
    engine.run_pending(db, online=b.online_users)
    online = [m.user_id for m in members[1:]]
    assert assignees(db, owner.tenant_id) == [online[0], online[1], online[0]]
    # Nobody online: every member of the role, continuing after the last one chosen.
    for sub in subs:
        a.unsubscribe(sub)
    deadline = time.monotonic() + 10
    while b.online_users(owner.tenant_id):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ingest(db, owner.tenant_id, chats(3, 10), device_id=device)
    engine.run_pending(db, online=b.online_users)
    everyone = [m.user_id for m in members]
    assert assignees(db, owner.tenant_id)[3:] == [everyone[2], everyone[0], everyone[1]]
    runs = executions(client, admin, wid)
    assert "nobody with the role member is online" in runs[0]["results"][0]["result"]
    assert "round-robin over 2 online member(s)" in runs[-1]["results"][0]["result"]
    [rotation] = rows(db, owner.tenant_id, "select last_user_id, turns from workflow_rotations")
    assert rotation == {"last_user_id": everyone[1], "turns": 6}


DYING_ENGINE = """
import os, sys
from webapp.db import Database
from webapp.workflows import actions, engine
real = actions.run
def run(db, p, action, ctx, *, index=0, online=None):
    if index == 1:
        os._exit(9)  # the process dies after the first action was done and recorded
    return real(db, p, action, ctx, index=index, online=online)
actions.run = run
db = Database(sys.argv[1], min_size=1, max_size=2)
db.open()
engine.run_pending(db)
"""


def test_a_run_left_by_a_killed_engine_is_taken_over_after_the_timeout(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int],
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {}, [
        {"type": "create_action_item", "title": "first {{message.text}}"},
        {"type": "notify", "user_ids": [owner.user_id], "title": "second {{message.text}}"},
        {"type": "set_priority", "priority": "urgent"}])
    ingest(db, owner.tenant_id, [msg("K1", "crash", 1)], device_id=device)
    script = tmp_path / "dying.py"
    script.write_text(DYING_ENGINE, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), database_url], timeout=60,
                          cwd=Path(__file__).resolve().parents[3], check=False)
    assert done.returncode == 9
    [left] = executions(client, admin, wid)
    assert left["status"] == "running" and [r["index"] for r in left["results"]] == [0]
    assert engine.run_pending(db) == 0  # its claim is fresh: not taken over yet
    monkeypatch.setattr(engine, "STALE_AFTER", dt.timedelta(seconds=0))
    assert engine.run_pending(db) == 1
    [run] = executions(client, admin, wid)
    assert run["status"] == "done" and run["error"] is None, run["results"]
    assert [(r["index"], r["ok"]) for r in run["results"]] == [(0, True), (1, True), (2, True)]
    titles = [r["title"] for r in rows(db, owner.tenant_id, "select title from action_items"
                                                            " union all select title from"
                                                            " notifications where kind ="
                                                            " 'workflow'")]
    assert titles == ["first crash", "second crash"]
    assert run["attempts"] == 2
    assert engine.run_pending(db) == 0


def test_history_sync_messages_fire_no_workflow(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int],
        tmp_path: Path) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {}, [{"type": "set_priority", "priority": "high"}])
    wa = Harness(tmp_path / "wa.db", device=None)
    wa.pair()
    batch = wa.one(history_event())  # a real HistorySyncEv through neonize's dispatch
    assert isinstance(batch, HistoryBatch)
    intake = Intake(db, lambda _d: owner.tenant_id, lambda *a: None)
    intake.start()
    try:
        intake.submit(device, batch)
        intake.submit(device, validate_record(msg("LIVE1", "a live message", 1)))
    finally:
        intake.close(5)
    stored = rows(db, owner.tenant_id, "select wa_message_id from messages where not from_me"
                  " order by id")
    assert {r["wa_message_id"] for r in stored} == {"H1", "H3", "LIVE1"}
    engine.run_pending(db)
    runs = executions(client, admin, wid)
    [live] = rows(db, owner.tenant_id, "select id from messages where wa_message_id = 'LIVE1'")
    assert [r["message_id"] for r in runs] == [live["id"]]


def test_history_messages_analysed_later_fire_no_analysed_workflow(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {}, [{"type": "set_priority", "priority": "high"}],
                 trigger="message.analyzed")
    ingest(db, owner.tenant_id, [msg("OLD1", "URGENT from last month", 1)], device_id=device,
           history=True)
    ingest(db, owner.tenant_id, [msg("NEW1", "URGENT now", 2)], device_id=device)
    with db.tenant(owner.tenant_id, events=True) as conn:  # both analysed after the pairing
        conn.execute("insert into events (tenant_id, type, data) select m.tenant_id,"
                     " 'message.analyzed', jsonb_build_object('id', m.id) from messages m"
                     " order by m.id")
    engine.run_pending(db)
    [new] = rows(db, owner.tenant_id, "select id from messages where wa_message_id = 'NEW1'")
    assert [r["message_id"] for r in executions(client, admin, wid)] == [new["id"]]


def test_a_dry_run_says_history_messages_never_run_workflows(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {}, [{"type": "set_priority", "priority": "high"}])
    ingest(db, owner.tenant_id, [msg("OLD2", "URGENT from last month", 1)], device_id=device,
           history=True)
    ingest(db, owner.tenant_id, [msg("NEW2", "URGENT now", 2)], device_id=device)
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers, json={"last": 5})
    assert r.status_code == 200, r.get_json()
    got = {row["text"]: (row["matched"], row["skipped"]) for row in r.get_json()["data"]}
    assert got["URGENT now"] == (True, None)
    assert got["URGENT from last month"][0] is False
    assert "history sync" in got["URGENT from last month"][1]
