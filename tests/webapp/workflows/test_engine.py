"""The workflow engine on real events: exactly once with two engines racing, failing actions
recorded, the loop guard, dry runs without side effects, the workflow.executed event."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import BRUNO, Member, add_member, msg, register_owner
from webapp.db import Database
from webapp.messaging.ingest import ingest
from webapp.messaging.records import Record, parse_lines
from webapp.workflows import engine

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "traffic" / "sample.jsonl"
ORDER = r"order #A\d+"


def sample_records() -> list[Record]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return [p.record for p in parse_lines(fh) if p.record is not None]


@pytest.fixture()
def desk(app: Flask, db: Database) -> tuple[Member, Member, int]:
    """A fresh tenant: owner, admin, a connected device."""
    client = app.test_client()
    owner = register_owner(client, "Engine desk")
    admin = add_member(client, owner, "admin")
    return owner, admin, make.device(db, owner.tenant_id)


def create(client: FlaskClient, admin: Member, conditions: dict[str, Any],
           actions: list[dict[str, Any]], trigger: str = "message.received") -> int:
    r = client.post("/api/v1/workflows", headers=admin.headers, json={
        "name": f"wf {len(actions)} {trigger}", "trigger": {"type": trigger},
        "conditions": conditions, "actions": actions})
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def rows(db: Database, tenant_id: int, query: str, *args: Any) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return conn.execute(query, args).fetchall()  # type: ignore[arg-type]


def executions(client: FlaskClient, admin: Member, wid: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/workflows/{wid}/executions?limit=200", headers=admin.headers)
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["data"])


def test_replayed_traffic_one_action_item_per_matching_message_with_two_engines(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {"all": [{"type": "text_matches", "pattern": ORDER}]},
                 [{"type": "create_action_item", "title": "Order: {{message.text}}"}])
    ingest(db, owner.tenant_id, sample_records(), device_id=device)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    ran: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            ran.append(engine.run_pending(db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert engine.run_pending(db) == 0  # a third pass finds nothing new
    inbound = rows(db, owner.tenant_id, "select id, text from messages where not from_me")
    matching = {r["id"] for r in inbound if re.search(ORDER, r["text"] or "", re.I)}
    assert len(matching) >= 2
    items = rows(db, owner.tenant_id, "select source_message_id, title from action_items")
    assert sorted(i["source_message_id"] for i in items) == sorted(matching)
    runs = executions(client, admin, wid)
    assert len(runs) == len(inbound)  # one execution per inbound message, matched or not
    assert sum(ran) == len(runs)  # the two engines split the claims, none ran twice
    assert {r["message_id"] for r in runs if r["matched"]} == matching
    assert all(r["results"][0]["ok"] for r in runs if r["matched"])
    events = rows(db, owner.tenant_id,
                  "select data from events where type = 'workflow.executed'")
    assert len(events) == len(runs)


def test_failing_action_recorded_while_the_others_run(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {"all": [{"type": "text_contains", "value": "broken"}]},
                 [{"type": "add_label", "label_id": 987654321},
                  {"type": "set_priority", "priority": "urgent"},
                  {"type": "send_slack", "integration_id": 987654321, "text": "x"}])
    ingest(db, owner.tenant_id, [msg("F1", "The pump is broken", 1)], device_id=device)
    engine.run_pending(db)
    [run] = executions(client, admin, wid)
    assert run["matched"] and run["error"] == "2 of 3 actions failed"
    assert [r["ok"] for r in run["results"]] == [False, True, False]
    assert run["results"][0]["error"] and run["results"][2]["error"]
    assert all(isinstance(r["duration_ms"], int) for r in run["results"])
    [conv] = rows(db, owner.tenant_id, "select priority from conversations")
    assert conv["priority"] == "urgent"


def test_loop_guard_stops_a_reply_from_triggering_again(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {}, [{"type": "reply", "text": "Got it: {{message.text}}"}])
    ingest(db, owner.tenant_id, [msg("L1", "ping", 1)], device_id=device)
    for _ in range(3):
        engine.run_pending(db)
    sent = rows(db, owner.tenant_id,
                "select text, sent_by, sent_by_user_id from messages where from_me")
    assert sent == [{"text": "Got it: ping", "sent_by": "automation", "sent_by_user_id": None}]
    runs = executions(client, admin, wid)
    assert len(runs) == 2
    guarded = [r for r in runs if r["skipped"]]
    assert len(guarded) == 1 and guarded[0]["skipped"].startswith("loop_guard")
    assert guarded[0]["matched"] is False and guarded[0]["results"] == []


def test_dry_run_has_no_side_effects(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    ingest(db, owner.tenant_id, [msg("D1", "urgent: the boiler", 1),
                                 msg("D2", "all fine", 2)], device_id=device)
    wid = create(client, admin, {"any": [{"type": "text_contains", "value": "URGENT"}]},
                 [{"type": "create_action_item", "title": "Boiler"},
                  {"type": "reply", "text": "On it"}])
    count_q = ("select (select count(*) from action_items) a, (select count(*) from messages) m,"
               " (select count(*) from events) e, (select count(*) from workflow_executions) x,"
               " (select count(*) from audit_logs) l")
    before = rows(db, owner.tenant_id, count_q)
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers, json={"last": 10})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()["data"]
    assert [(d["text"], d["matched"]) for d in body] == [("all fine", False),
                                                         ("urgent: the boiler", True)]
    assert [a["type"] for a in body[1]["actions"]] == ["create_action_item", "reply"]
    assert "On it" in body[1]["actions"][1]["would"]
    one = rows(db, owner.tenant_id, "select id from messages where wa_message_id = 'D2'")[0]
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers,
                    json={"message_id": one["id"]})
    assert r.get_json()["data"][0]["matched"] is False
    assert rows(db, owner.tenant_id, count_q) == before
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers,
                    json={"message_id": 2**62})
    assert r.status_code == 404


ANALYSIS = """
with a as (
    insert into message_analyses (tenant_id, message_id, conversation_id, provider_kind, model,
                                  prompt_version, is_important, priority, sentiment,
                                  sentiment_score, language, confidence)
    select mf_current_tenant(), m.id, m.conversation_id, 'heuristic', 'test', 'v1', %s, %s, %s,
           0, %s, 0.9
    from messages m where m.wa_message_id = %s
    returning message_id, conversation_id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'message.analyzed',
       jsonb_build_object('id', message_id, 'conversation_id', conversation_id) from a
"""


def test_message_analyzed_conditions_and_every_kind_of_action(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    manager = add_member(client, owner, "manager")
    r = client.post("/api/v1/canned-responses", headers=owner.headers, json={
        "shortcut": "hallo", "title": "Hallo",
        "body": "Hallo {{contact.first_name}}, wir sind dran."})
    assert r.status_code == 201, r.get_json()
    canned = r.get_json()["id"]
    [slack] = rows(db, owner.tenant_id,
                   "insert into integrations (tenant_id, type, name, config) values "
                   "(mf_current_tenant(), 'slack', 'Ops', '{}') returning id")
    wid = create(client, admin, {"all": [
        {"type": "is_important", "value": True}, {"type": "sentiment", "value": "negative"},
        {"type": "priority_at_least", "value": "high"}, {"type": "language", "value": "DE"},
        {"any": [{"type": "is_group", "value": False}, {"type": "label", "label_id": 1}]}]},
        [{"type": "notify", "role": "manager", "title": "Urgent from {{contact.name}}"},
         {"type": "send_slack", "integration_id": slack["id"], "text": "Urgent: {{message.text}}"},
         {"type": "reply", "canned_response_id": canned},
         {"type": "assign_conversation", "user_id": admin.user_id}],
        trigger="message.analyzed")
    received = create(client, admin, {}, [{"type": "set_status", "status": "pending"}])
    client.patch(f"/api/v1/workflows/{received}", headers=admin.headers, json={"enabled": False})
    ingest(db, owner.tenant_id, [msg("A1", "Die Heizung ist kaputt!", 1, name="Ana Souza"),
                                 msg("A2", "Danke!", 2)], device_id=device)
    rows(db, owner.tenant_id, ANALYSIS + " returning 1", True, "urgent", "negative", "de", "A1")
    rows(db, owner.tenant_id, ANALYSIS + " returning 1", False, "low", "positive", "de", "A2")
    engine.run_pending(db)
    runs = executions(client, admin, wid)
    assert len(runs) == 2 and all(r["trigger"] == "message.analyzed" for r in runs)
    [hit] = [r for r in runs if r["matched"]]
    assert [(a["type"], a["ok"]) for a in hit["results"]] == [
        ("notify", True), ("send_slack", True), ("reply", True),
        ("assign_conversation", True)], hit["results"]
    assert executions(client, admin, received) == []  # turned off: nothing ran
    notified = {r["user_id"] for r in rows(db, owner.tenant_id,
                                          "select user_id from notifications "
                                          "where kind = 'workflow'")}
    assert {manager.user_id, admin.user_id, owner.user_id} <= notified
    [delivery] = rows(db, owner.tenant_id, "select channel, source, payload from deliveries")
    assert (delivery["channel"], delivery["source"]) == ("slack", "workflow")
    assert delivery["payload"]["text"] == "Urgent: Die Heizung ist kaputt!"
    [reply] = rows(db, owner.tenant_id, "select text, sent_by from messages where from_me")
    assert reply == {"text": "Hallo Ana, wir sind dran.", "sent_by": "automation"}
    [conv] = rows(db, owner.tenant_id, "select assignee_id, status from conversations")
    assert conv == {"assignee_id": admin.user_id, "status": "open"}


def test_only_events_after_creation_or_reenabling_run_and_executions_page(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    ingest(db, owner.tenant_id, [msg("P0", "before the workflow", 0)], device_id=device)
    wid = create(client, admin, {}, [{"type": "set_status", "status": "pending"}])
    ingest(db, owner.tenant_id, [msg("P1", "one", 1), msg("P2", "two", 2)], device_id=device)
    engine.run_pending(db)
    assert len(executions(client, admin, wid)) == 2  # P0 came before the workflow
    for enabled in (False, True):
        r = client.patch(f"/api/v1/workflows/{wid}", headers=admin.headers,
                         json={"enabled": enabled})
        assert r.status_code == 200
        if not enabled:  # arrives while the workflow is off: never run, even once back on
            ingest(db, owner.tenant_id, [msg("P3", "while off", 3)], device_id=device)
    ingest(db, owner.tenant_id, [msg("P4", "back on", 4)], device_id=device)
    engine.run_pending(db)
    runs = executions(client, admin, wid)
    texts = rows(db, owner.tenant_id, "select id, text from messages")
    by_id = {r["id"]: r["text"] for r in texts}
    assert sorted(by_id[r["message_id"]] for r in runs) == ["back on", "one", "two"]
    first = client.get(f"/api/v1/workflows/{wid}/executions?limit=2", headers=admin.headers)
    page1 = first.get_json()
    assert len(page1["data"]) == 2 and page1["next_cursor"]
    page2 = client.get(f"/api/v1/workflows/{wid}/executions?limit=2&cursor="
                       f"{page1['next_cursor']}", headers=admin.headers).get_json()
    assert [r["id"] for r in page1["data"] + page2["data"]] == [r["id"] for r in runs]
    assert page2["next_cursor"] is None


def test_within_business_hours_in_the_tenant_time_zone(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    wid = create(client, admin, {"all": [{"type": "within_business_hours", "value": False}]},
                 [{"type": "set_status", "status": "pending"}])
    # Wednesday 2026-11-25: 09:00 UTC is within 09:00-17:00, 19:00 UTC is not.
    ingest(db, owner.tenant_id, [msg("H1", "morning", 0), msg("H2", "evening", 10 * 3600,
                                                               chat=BRUNO)], device_id=device)
    engine.run_pending(db)
    texts = {r["id"]: r["text"] for r in rows(db, owner.tenant_id,
                                              "select id, text from messages")}
    runs = executions(client, admin, wid)
    assert sorted((texts[r["message_id"]], r["matched"]) for r in runs) == [
        ("evening", True), ("morning", False)]


def test_dry_run_of_an_unsaved_definition(
        client: FlaskClient, db: Database, desk: tuple[Member, Member, int]) -> None:
    owner, admin, device = desk
    ingest(db, owner.tenant_id, [msg("U1", "urgent: roof leak", 1),
                                 msg("U2", "thanks!", 2)], device_id=device)
    definition = {"trigger": {"type": "message.received"},
                  "conditions": {"all": [{"type": "text_contains", "value": "urgent"}]},
                  "actions": [{"type": "create_action_item", "title": "Fix: {{message.text}}"}]}
    count_q = ("select (select count(*) from workflows) w, (select count(*) from action_items) a,"
               " (select count(*) from workflow_executions) x, (select count(*) from audit_logs) l")
    before = rows(db, owner.tenant_id, count_q)
    r = client.post("/api/v1/workflows/test", headers=admin.headers,
                    json={**definition, "last": 5})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["workflow_id"] is None and body["dry_run"] is True
    assert [(d["text"], d["matched"]) for d in body["data"]] == [("thanks!", False),
                                                                 ("urgent: roof leak", True)]
    assert "Fix: urgent: roof leak" in body["data"][1]["actions"][0]["would"]
    one = rows(db, owner.tenant_id, "select id from messages where wa_message_id = 'U1'")[0]
    r = client.post("/api/v1/workflows/test", headers=admin.headers,
                    json={**definition, "message_id": one["id"]})
    assert [d["matched"] for d in r.get_json()["data"]] == [True]
    assert rows(db, owner.tenant_id, count_q) == before  # nothing saved, nothing done

    # Validated like a create: the 400 names the path of what is outside the vocabulary.
    r = client.post("/api/v1/workflows/test", headers=admin.headers, json={
        **definition, "actions": [{"type": "create_action_item"}, {"type": "explode"}]})
    assert r.status_code == 400
    assert set(r.get_json()["error"]["details"]["fields"]) == {"actions[0].title",
                                                                "actions[1].type"}
    # Managers read workflows but do not run them; another team's message is not found.
    manager = add_member(client, owner, "manager")
    assert client.post("/api/v1/workflows/test", headers=manager.headers,
                       json=definition).status_code == 403
    other = register_owner(client, "Other desk")
    r = client.post("/api/v1/workflows/test", headers=other.headers,
                    json={**definition, "message_id": one["id"]})
    assert r.status_code == 404
