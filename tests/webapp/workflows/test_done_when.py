"""Issue 15's done-when at the API level: in a tenant, "urgent message from a group -> action
item + Slack message" built through the API, dry-run on stored messages, turned on; then
traffic through the one ingest path (`messageflow replay`'s replay_file), analysed by the local
analyser through the analysis queue (POST /messages/batch-analyze), and the web process's own
workflow engine and delivery worker (DELIVERY_WORKER on) do the rest: exactly one action item
per urgent group message and each one's Slack message received by a Slack-compatible receiver
on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests import factories as make
from tests.factories import make_settings, register_owner
from tests.webapp.integrations.receivers import HttpReceiver, http_receiver
from tests.webapp.workflows.test_engine import rows
from webapp.app import close_app, create_app
from webapp.commands.traffic import replay_file
from webapp.db import Database

GROUP, OTHER_GROUP = "120363000000000001@g.us", "120363000000000002@g.us"
ANA, BRUNO = "5511999990001@s.whatsapp.net", "5511999990002@s.whatsapp.net"
URGENT = ("URGENT: the payment terminal is down, we cannot sell anything. Call me asap!",
          "Emergency!! The freezer in store 12 stopped working, food is thawing, help now!")
CALM = ("thanks, all good", "good morning team!", "see you at the meeting tomorrow")


@pytest.fixture()
def web(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A web process as deployed: its workflow engine and delivery worker threads running."""
    application = create_app(make_settings(database_url, tmp_path / "home",
                                           delivery_worker=True))
    yield application
    close_app(application)


@pytest.fixture()
def slack() -> Iterator[HttpReceiver]:
    with http_receiver() as server:
        yield server


def line(n: int, chat: str, sender: str, text: str) -> str:
    return json.dumps({"kind": "message", "id": f"DONE{n:04d}", "chat": chat, "sender": sender,
                       "sender_name": f"Sender {n}", "from_me": False,
                       "timestamp": f"2026-11-25T10:{n:02d}:00Z", "text": text,
                       "chat_name": "Store managers" if chat.endswith("@g.us") else None})


def wait(until: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = until()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_urgent_group_message_to_action_item_and_slack(
        web: Flask, db: Database, slack: HttpReceiver, tmp_path: Path) -> None:
    client = web.test_client()
    admin = register_owner(client, "Done when")
    device = make.device(db, admin.tenant_id)
    r = client.post("/api/v1/integrations/slack", headers=admin.headers,
                    json={"name": "Ops channel", "webhook_url": f"{slack.url}/services/T/B/X"})
    assert r.status_code == 201, r.get_json()
    slack_id = r.get_json()["id"]
    r = client.get("/api/v1/workflows/vocabulary", headers=admin.headers)
    assert {"is_group", "priority_at_least"} <= {c["type"] for c in r.get_json()["conditions"]}
    r = client.post("/api/v1/workflows", headers=admin.headers, json={
        "name": "Urgent from a group", "enabled": False,
        "trigger": {"type": "message.analyzed"},
        "conditions": {"all": [{"type": "is_group", "value": True},
                               {"type": "priority_at_least", "value": "urgent"}]},
        "actions": [{"type": "create_action_item", "title": "Urgent: {{message.text}}",
                     "priority": "urgent"},
                    {"type": "send_slack", "integration_id": slack_id,
                     "text": "Urgent in {{conversation.title}}: {{message.text}}"}]})
    assert r.status_code == 201, r.get_json()
    wid = r.get_json()["id"]

    # Yesterday's traffic, analysed: the dry run says what would happen, and changes nothing.
    first = tmp_path / "yesterday.jsonl"
    first.write_text("\n".join([line(1, GROUP, ANA, URGENT[0]), line(2, BRUNO, BRUNO, URGENT[1]),
                                line(3, GROUP, BRUNO, CALM[0])]) + "\n", encoding="utf-8")
    result, rejected = replay_file(db, admin.tenant_id, first, device)
    assert result.ingested == 3 and not rejected
    analyse_all(client, admin.headers, db, admin.tenant_id, 3)
    r = client.post(f"/api/v1/workflows/{wid}/test", headers=admin.headers, json={"last": 10})
    assert r.status_code == 200, r.get_json()
    would = {d["text"]: d["matched"] for d in r.get_json()["data"]}
    assert would == {URGENT[0]: True, URGENT[1]: False, CALM[0]: False}, would
    assert rows(db, admin.tenant_id, "select id from action_items where origin = 'manual'") == []

    r = client.patch(f"/api/v1/workflows/{wid}", headers=admin.headers, json={"enabled": True})
    assert r.status_code == 200, r.get_json()
    second = tmp_path / "today.jsonl"
    second.write_text("\n".join([
        line(11, GROUP, ANA, URGENT[1]), line(12, OTHER_GROUP, BRUNO, URGENT[0]),
        line(13, GROUP, BRUNO, CALM[1]), line(14, ANA, ANA, URGENT[0]),
        line(15, OTHER_GROUP, ANA, CALM[2])]) + "\n", encoding="utf-8")
    result, rejected = replay_file(db, admin.tenant_id, second, device)
    assert result.ingested == 5 and not rejected
    analyse_all(client, admin.headers, db, admin.tenant_id, 8)

    urgent_in_groups = {r["id"] for r in rows(
        db, admin.tenant_id, "select m.id from messages m join conversations c on"
        " c.id = m.conversation_id where c.is_group and m.wa_message_id in"
        " ('DONE0011', 'DONE0012')")}
    wait(lambda: len(slack.requests) >= 2, "two Slack messages")
    time.sleep(2.5)  # two more engine and delivery passes: nothing else may arrive
    items = rows(db, admin.tenant_id, "select source_message_id, title, priority"
                 " from action_items where origin = 'manual'")
    assert sorted(i["source_message_id"] for i in items) == sorted(urgent_in_groups)
    assert {i["priority"] for i in items} == {"urgent"}
    texts = sorted(req.json()["text"] for req in slack.requests)
    assert len(texts) == 2, texts
    assert all(t.startswith("Urgent in ") for t in texts)
    assert sorted(t.split(": ", 1)[1] for t in texts) == sorted(URGENT)
    assert {req.path for req in slack.requests} == {"/services/T/B/X"}
    runs = client.get(f"/api/v1/workflows/{wid}/executions?limit=50",
                      headers=admin.headers).get_json()["data"]
    assert len(runs) == 5  # one per analysed message of today, none for yesterday's
    assert sorted(r["message_id"] for r in runs if r["matched"]) == sorted(urgent_in_groups)
    assert all(a["ok"] for r in runs for a in r["results"])
    deliveries = client.get(f"/api/v1/integrations/{slack_id}/deliveries",
                            headers=admin.headers).get_json()["data"]
    assert sorted(d["status"] for d in deliveries) == ["delivered", "delivered"]


def analyse_all(client: Any, headers: dict[str, str], db: Database, tenant_id: int,
                expected: int) -> None:
    """Queue every stored inbound message for analysis and wait for the in-process worker."""
    r = client.post("/api/v1/messages/batch-analyze", headers=headers,
                    json={"since": "2026-11-25T00:00:00Z"})
    assert r.status_code == 202, r.get_json()
    wait(lambda: rows(db, tenant_id, "select count(*) as n from message_analyses"
                      )[0]["n"] >= expected, "the analyses")
