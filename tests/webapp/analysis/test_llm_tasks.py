"""conversation_scoring and action_extraction as product features: routed, stored, reachable."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.fakes.responders import canned_reply, request_feature_and_data
from tests.webapp.llm.test_support import URGENT, conversation_of, seed_messages
from tests.webapp.llm.test_support import app_db as _db
from tests.webapp.llm.test_support import ok as _ok


def _ledger(app: Flask, tenant_id: int) -> list[dict[str, Any]]:
    with _db(app).tenant(tenant_id) as conn:
        return conn.execute("select * from llm_usage_logs order by id").fetchall()


def _provider(client: FlaskClient, who: Member, fake: FakeLLMServer, feature: str,
              name: str = "Fake", **over: Any) -> dict[str, Any]:
    prov = _ok(client.post("/api/v1/llm/providers", headers=who.headers, json={
        "name": name, "kind": "openai_compatible", "model": f"model-{name.lower()}",
        "api_base": fake.openai_base, "api_key": "sk-tasks-0123456789abcdef",
        "price_input_per_mtok": "1", "price_output_per_mtok": "2", **over}), 201)
    _ok(client.post(f"/api/v1/llm/features/{feature}/assign-provider", headers=who.headers,
                    json={"provider_id": prov["id"], "priority": 1}), 201)
    return dict(prov)


TEXTS = ["Hi, my order 4411 has not arrived",
         URGENT,
         "Please send me the invoice by Friday."]


def test_scoring_with_no_provider_uses_local_and_is_stored(app: Flask,
                                                         client: FlaskClient) -> None:
    owner = register_owner(client, "Scores Local")
    ids = seed_messages(_db(app), owner.tenant_id, TEXTS)
    conv = conversation_of(_db(app), owner.tenant_id, ids[0])
    r = client.get(f"/api/v1/conversations/{conv}/score", headers=owner.headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "score_not_found"

    scored = _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=owner.headers), 201)
    assert scored["heuristic"] and scored["provider_kind"] == "local"
    assert scored["prompt_version"] == "scoring/v1" and scored["message_count"] == 3
    assert scored["urgency"] == "urgent" and scored["score"] >= 70  # the outage message
    assert [a["status"] for a in scored["attempts"]] == ["ok"]
    stored = _ok(client.get(f"/api/v1/conversations/{conv}/score", headers=owner.headers))
    assert stored == {k: v for k, v in scored.items() if k != "attempts"}
    row = _ledger(app, owner.tenant_id)[-1]
    assert (row["feature"], row["id"], row["conversation_id"]) == (
        "conversation_scoring", scored["usage_log_id"], conv)
    with _db(app).tenant(owner.tenant_id) as conn:
        event = conn.execute("select data from events where type = 'conversation.scored'"
                             " order by id desc limit 1").fetchone()
    assert event is not None and event["data"]["id"] == scored["id"]


def test_scoring_goes_through_the_route_and_falls_through(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Scores Routed")
    prov = _provider(client, owner, fake, "conversation_scoring")
    ids = seed_messages(_db(app), owner.tenant_id, TEXTS)
    conv = conversation_of(_db(app), owner.tenant_id, ids[0])

    scored = _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=owner.headers), 201)
    assert (scored["provider_id"], scored["model"], scored["heuristic"]) == (
        prov["id"], "model-fake", False)
    assert (scored["score"], scored["reason"]) == (10, "fake")  # the fake's canned reply
    assert "Task: conversation_scoring" in json.dumps(fake.requests[-1].body)

    fake.faults = FaultPlan(["http_500"])  # the next call fails
    again = _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=owner.headers), 201)
    assert [a["status"] for a in again["attempts"]] == ["error", "ok"]
    assert again["provider_kind"] == "local"
    rows = [r for r in _ledger(app, owner.tenant_id) if r["feature"] == "conversation_scoring"]
    assert [(r["provider_id"], r["status"]) for r in rows] == [
        (prov["id"], "ok"), (prov["id"], "error"), (None, "ok")]
    latest = _ok(client.get(f"/api/v1/conversations/{conv}/score", headers=owner.headers))
    assert latest["id"] == again["id"]


def test_scoring_respects_the_limits(app: Flask, client: FlaskClient,
                                     fake: FakeLLMServer) -> None:
    owner = register_owner(client, "Scores Limited")
    _provider(client, owner, fake, "conversation_scoring", requests_per_day=1)
    ids = seed_messages(_db(app), owner.tenant_id, TEXTS)
    conv = conversation_of(_db(app), owner.tenant_id, ids[0])
    _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=owner.headers), 201)
    second = _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=owner.headers), 201)
    skipped = second["attempts"][0]
    assert (skipped["status"], skipped["reason"]) == ("skipped", "rpd_exceeded")
    assert "per day" in skipped["error_message"] and second["provider_kind"] == "local"
    assert len(fake.requests) == 1


def _extraction_responder(invented_id: int) -> Any:
    def respond(body: dict[str, Any]) -> str:
        feature, data = request_feature_and_data(body)
        if feature != "action_extraction":
            return json.dumps(canned_reply(feature, data))
        first = data["messages"][0]["id"]
        return json.dumps({"action_items": [
            {"description": "Send the invoice", "due_date": "2026-11-27",
             "source_message_id": first},
            {"description": "Send the invoice", "source_message_id": first},  # a duplicate
            {"description": "Call the customer back", "source_message_id": invented_id},
        ]})
    return respond


def test_extraction_through_a_provider_stores_items_with_their_source(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Extraction Routed")
    prov = _provider(client, owner, fake, "action_extraction")
    ids = seed_messages(_db(app), owner.tenant_id, TEXTS)
    conv = conversation_of(_db(app), owner.tenant_id, ids[0])
    fake.responder = _extraction_responder(invented_id=999_999)

    out = _ok(client.post("/api/v1/messages/extract-actions", headers=owner.headers,
                          json={"conversation_id": conv}))
    (run,) = out["data"]
    assert (run["provider_id"], run["prompt_version"], run["created"]) == (
        prov["id"], "actions/v1", 2)
    items = {i["description"]: i for i in run["action_items"]}
    assert set(items) == {"Send the invoice", "Call the customer back"}
    assert items["Send the invoice"]["source_message_id"] == ids[0]
    assert items["Send the invoice"]["due_date"] == "2026-11-27"
    assert items["Call the customer back"]["source_message_id"] is None  # invented id dropped
    assert all(i["origin"] == "extraction" and i["status"] == "proposed" and i["new"]
               for i in run["action_items"])
    with _db(app).tenant(owner.tenant_id) as conn:
        stored = conn.execute("select usage_log_id, created_by, conversation_id"
                              " from action_items order by id").fetchall()
    assert {(s["usage_log_id"], s["created_by"], s["conversation_id"]) for s in stored} == {
        (run["usage_log_id"], owner.user_id, conv)}

    again = _ok(client.post("/api/v1/messages/extract-actions", headers=owner.headers,
                            json={"message_ids": [ids[0], ids[2]]}))
    assert again["created"] == 0 and len(again["data"]) == 1
    assert {i["id"] for i in again["data"][0]["action_items"]} == {
        i["id"] for i in run["action_items"]}
    assert not any(i["new"] for i in again["data"][0]["action_items"])
    calls = [r for r in _ledger(app, owner.tenant_id) if r["feature"] == "action_extraction"]
    assert [(r["provider_id"], r["message_count"]) for r in calls] == [
        (prov["id"], 3), (prov["id"], 2)]


def test_extraction_item_shows_in_the_message_analysis(app: Flask,
                                                      client: FlaskClient) -> None:
    owner = register_owner(client, "Extraction Local")
    ids = seed_messages(_db(app), owner.tenant_id, ["Please send me the invoice by Friday."])
    out = _ok(client.post("/api/v1/messages/extract-actions", headers=owner.headers,
                          json={"message_ids": ids}))
    (run,) = out["data"]
    assert run["heuristic"] and run["created"] >= 1
    assert all(i["source_message_id"] == ids[0] for i in run["action_items"])
    # The analysis that runs later proposes the same item: it must show it, not hide it.
    analysed = _ok(client.post("/api/v1/messages/analyze", headers=owner.headers,
                               json={"message_id": ids[0]}))["analysis"]
    shown = {(i["id"], i["origin"]) for i in analysed["action_items"]}
    assert {(i["id"], "extraction") for i in run["action_items"]} <= shown


def test_extraction_and_scoring_input_errors(app: Flask, client: FlaskClient) -> None:
    a = register_owner(client, "Tenant A tasks")
    b = register_owner(client, "Tenant B tasks")
    ids = seed_messages(_db(app), a.tenant_id, ["hello", "please call me"])
    conv = conversation_of(_db(app), a.tenant_id, ids[0])
    for method, path, body in [
        ("post", f"/api/v1/conversations/{conv}/score", None),
        ("get", f"/api/v1/conversations/{conv}/score", None),
        ("post", "/api/v1/messages/extract-actions", {"conversation_id": conv}),
        ("post", "/api/v1/messages/extract-actions", {"message_ids": [ids[0]]}),
    ]:
        r = getattr(client, method)(path, headers=b.headers, json=body)
        assert r.status_code == 404, (path, r.get_json())
    bad: list[dict[str, Any]] = [
        {}, {"message_ids": ids, "conversation_id": conv},
        {"message_ids": ids, "since": "2026-01-01T00:00:00Z"},
        {"conversation_id": conv, "since": "2026-01-01T00:00:00"}]
    for wrong in bad:
        r = client.post("/api/v1/messages/extract-actions", headers=a.headers, json=wrong)
        assert r.status_code == 400, (wrong, r.get_json())
    viewer = add_member(client, a, "viewer")
    denied = client.post(f"/api/v1/conversations/{conv}/score", headers=viewer.headers)
    assert denied.status_code == 403  # scoring is analysis.run (member and up)
    _ok(client.post(f"/api/v1/conversations/{conv}/score", headers=a.headers), 201)
    _ok(client.get(f"/api/v1/conversations/{conv}/score", headers=viewer.headers))
    later = client.post("/api/v1/messages/extract-actions", headers=a.headers,
                        json={"conversation_id": conv, "since": "2100-01-01T00:00:00Z"})
    assert later.status_code == 422 and later.get_json()["error"]["code"] == "nothing_to_extract"
