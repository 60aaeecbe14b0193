"""Action item triggers on the desk's real items: `action_item.created` and
`action_item.status_changed` (from/to options), item conditions, exactly once per (workflow,
event) with two engines racing, and the loop guard for items made by a workflow. The
vocabulary's refusals of the new names and options are 400s naming the path."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.workflows.test_engine import executions, rows
from webapp.db import Database
from webapp.messaging.ingest import ingest
from webapp.workflows import engine


@pytest.fixture()
def desk(app: Flask, db: Database) -> tuple[Member, Member, Member]:
    client = app.test_client()
    owner = register_owner(client, "Item triggers")
    return owner, add_member(client, owner, "admin"), add_member(client, owner, "member")


def workflow(client: FlaskClient, admin: Member, trigger: dict[str, Any],
             conditions: dict[str, Any], actions: list[dict[str, Any]]) -> int:
    r = client.post("/api/v1/workflows", headers=admin.headers, json={
        "name": f"on {trigger['type']}", "trigger": trigger, "conditions": conditions,
        "actions": actions})
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def item(client: FlaskClient, who: Member, **fields: Any) -> int:
    r = client.post("/api/v1/action-items", headers=who.headers, json=fields)
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def move(client: FlaskClient, who: Member, item_id: int, status: str) -> None:
    r = client.patch(f"/api/v1/action-items/{item_id}", headers=who.headers,
                     json={"status": status})
    assert r.status_code == 200, r.get_json()


def race(db: Database) -> int:
    """Two engines run the pending events at the same time; what they ran together."""
    barrier = threading.Barrier(2)
    ran: list[int] = []

    def run() -> None:
        barrier.wait()
        ran.append(engine.run_pending(db))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ran) == 2
    return sum(ran)


def test_created_trigger_with_item_conditions_fires_once_per_item(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, Member]) -> None:
    owner, admin, member = desk
    wid = workflow(client, admin, {"type": "action_item.created"},
                   {"all": [{"type": "item_priority_at_least", "value": "high"},
                            {"type": "item_is_assigned", "value": True}]},
                   [{"type": "notify", "user_ids": [owner.user_id],
                     "title": "Hot item: {{item.title}} ({{item.priority}})"}])
    item(client, member, title="Low one", priority="low", assignee_id=member.user_id)
    urgent = item(client, member, title="Boiler", priority="urgent",
                  assignee_id=member.user_id)
    item(client, member, title="Nobody's", priority="urgent")
    assert race(db) == 3
    assert engine.run_pending(db) == 0
    runs = executions(client, admin, wid)
    assert len(runs) == 3 and {r["trigger"] for r in runs} == {"action_item.created"}
    [hit] = [r for r in runs if r["matched"]]
    assert hit["results"][0]["ok"], hit
    notes = rows(db, owner.tenant_id, "select title, link from notifications where user_id = %s"
                 " and kind = 'workflow'", owner.user_id)
    assert notes == [{"title": "Hot item: Boiler (urgent)",
                      "link": f"/app/action-items/{urgent}"}]


def test_status_changed_from_to_options_and_the_items_own_conversation(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, Member]) -> None:
    owner, admin, member = desk
    device = make.device(db, owner.tenant_id)
    [mid] = make.messages(db, owner.tenant_id, [msg("S1", "the pump leaks", 1)],
                          device_id=device)
    wid = workflow(client, admin, {"type": "action_item.status_changed", "to": "done"},
                   {"any": [{"type": "text_contains", "value": "pump"}]},
                   [{"type": "set_priority", "priority": "low"}])
    any_move = workflow(client, admin, {"type": "action_item.status_changed",
                                        "from": "todo"}, {},
                        [{"type": "notify", "role": "admin", "title": "{{item.title}} moved"}])
    linked = item(client, member, title="Fix pump", source_message_id=mid)
    loose = item(client, member, title="Order parts")
    move(client, member, linked, "in_progress")  # from todo: any_move only
    move(client, member, linked, "done")  # to done: wid
    move(client, member, loose, "done")  # from todo and to done: both (wid does not match)
    r = client.patch(f"/api/v1/action-items/{loose}", headers=member.headers,
                     json={"title": "Order more parts"})  # no status change: nothing
    assert r.status_code == 200
    assert race(db) == 4
    done = executions(client, admin, wid)
    assert sorted((r["matched"], r["trigger"]) for r in done) == [
        (False, "action_item.status_changed"), (True, "action_item.status_changed")]
    [hit] = [r for r in done if r["matched"]]
    assert hit["results"][0]["ok"] and "priority = low" in hit["results"][0]["result"]
    [conv] = rows(db, owner.tenant_id, "select priority from conversations")
    assert conv["priority"] == "low"
    assert len(executions(client, admin, any_move)) == 2


def test_items_made_by_a_workflow_do_not_trigger_workflows(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, Member]) -> None:
    owner, admin, member = desk
    device = make.device(db, owner.tenant_id)
    wid = workflow(client, admin, {"type": "action_item.created"}, {},
                   [{"type": "create_action_item", "title": "Follow-up of {{item.title}}"}])
    item(client, member, title="First")
    for _ in range(3):
        engine.run_pending(db)
    titles = sorted(r["title"] for r in rows(db, owner.tenant_id,
                                             "select title from action_items"))
    assert titles == ["First", "Follow-up of First"]
    runs = executions(client, admin, wid)
    assert len(runs) == 2
    [guarded] = [r for r in runs if r["skipped"]]
    assert guarded["skipped"].startswith("loop_guard") and not guarded["matched"]
    ingest(db, owner.tenant_id, [msg("X1", "hello", 1)], device_id=device)
    engine.run_pending(db)
    assert len(executions(client, admin, wid)) == 2  # messages are not this trigger


@pytest.mark.parametrize(("body", "path"), [
    ({"trigger": {"type": "action_item.status_changed", "to": "finished"}}, "trigger.to"),
    ({"trigger": {"type": "action_item.created", "minutes": 3}}, "trigger.minutes"),
    ({"trigger": {"type": "message.received"},
      "conditions": {"all": [{"type": "item_status", "value": "done"}]}},
     "conditions.all[0].type"),
    ({"trigger": {"type": "action_item.created"},
      "conditions": {"any": [{"type": "item_colour", "value": "red"}]}},
     "conditions.any[0].type"),
    ({"trigger": {"type": "conversation.unanswered"}}, "trigger.minutes"),
    ({"trigger": {"type": "conversation.unanswered", "minutes": 99999}}, "trigger.minutes"),
    ({"trigger": {"type": "schedule", "cron": "61 * * * *"}}, "trigger.cron"),
    ({"trigger": {"type": "schedule", "cron": "@daily"}}, "trigger.cron"),
    ({"trigger": {"type": "schedule", "cron": "0 9 * * *"},
      "actions": [{"type": "reply", "text": "x"}]}, "actions[0].type"),
    ({"actions": [{"type": "assign_conversation"}]}, "actions[0]"),
    ({"actions": [{"type": "assign_conversation", "role": "viewer"}]}, "actions[0].role"),
])
def test_new_names_and_options_are_validated(
        client: FlaskClient, desk: tuple[Member, Member, Member], body: dict[str, Any],
        path: str) -> None:
    admin = desk[1]
    full = {"name": "bad", "trigger": {"type": "message.received"},
            "actions": [{"type": "set_priority", "priority": "high"}], **body}
    r = client.post("/api/v1/workflows", headers=admin.headers, json=full)
    assert r.status_code == 400, r.get_json()
    assert path in r.get_json()["error"]["details"]["fields"], r.get_json()


def test_vocabulary_describes_the_new_triggers_conditions_and_options(
        client: FlaskClient, desk: tuple[Member, Member, Member]) -> None:
    r = client.get("/api/v1/workflows/vocabulary", headers=desk[1].headers)
    assert r.status_code == 200
    vocab = r.get_json()
    triggers = {t["type"]: t for t in vocab["triggers"]}
    assert {"message.received", "message.analyzed", "action_item.created",
            "action_item.status_changed", "conversation.unanswered", "schedule"} <= set(triggers)
    assert triggers["action_item.status_changed"]["params"]["to"]["choices"][0] == "proposed"
    assert triggers["conversation.unanswered"]["params"]["minutes"]["maximum"] == 10080
    assert triggers["schedule"]["params"]["cron"]["required"] is True
    conditions = {c["type"]: c for c in vocab["conditions"]}
    assert conditions["item_status"]["triggers"] == ["action_item.created",
                                                     "action_item.status_changed"]
    assert "schedule" in conditions["within_business_hours"]["triggers"]
    actions = {a["type"]: a for a in vocab["actions"]}
    assert actions["assign_conversation"]["params"]["role"]["choices"]
    assert "schedule" not in actions["reply"]["triggers"]
    assert "schedule" in actions["send_slack"]["triggers"]
    for entry in vocab["triggers"] + vocab["conditions"] + vocab["actions"]:
        assert set(entry) >= {"type", "description", "params"}


def test_dry_run_of_an_item_trigger_reads_the_last_items(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, Member]) -> None:
    owner, admin, member = desk
    wid = workflow(client, admin, {"type": "action_item.created"},
                   {"all": [{"type": "item_priority_at_least", "value": "high"}]},
                   [{"type": "notify", "role": "admin", "title": "{{item.title}}"}])
    calm = item(client, member, title="Calm", priority="low")
    hot = item(client, member, title="Hot", priority="high")
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers, json={"last": 5})
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert [(d["action_item_id"], d["text"], d["matched"]) for d in data] == [
        (hot, "Hot", True), (calm, "Calm", False)]
    assert data[0]["actions"][0]["would"] == "notify role admin and up: 'Hot'"
    assert rows(db, owner.tenant_id, "select id from notifications where kind = 'workflow'") \
        == []
