"""The issue's "done when" through the HTTP API, and the analysis endpoints' contracts."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import URGENT, conversation_of, mixed_texts, seed_messages
from tests.webapp.llm.test_support import app_db as _db
from tests.webapp.llm.test_support import ok as _ok

MONEY = re.compile(r"^\d+\.\d{6}$")


def _wait_for_job(client: FlaskClient, who: Member, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = _ok(client.get(f"/api/v1/analysis-jobs/{job_id}", headers=who.headers))
        if job["status"] == "done":
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_new_user_flow_with_an_openai_compatible_provider(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Done When Ltd")
    fake.usage = (1200, 300)
    prov = _ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "Team vLLM", "kind": "openai_compatible", "model": "llama-3.1-70b-instruct",
        "api_base": fake.openai_base, "api_key": "sk-doneWhen-0123456789abcdef",
        "price_input_per_mtok": "0.5", "price_output_per_mtok": "1.5",
        "monthly_budget_usd": "25"}), 201)
    assert prov["api_key_hint"] == "sk-…cdef" and "0123456789" not in str(prov)
    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=owner.headers, json={"provider_id": prov["id"], "priority": 1}), 201)
    ids = seed_messages(_db(app), owner.tenant_id, mixed_texts(30))
    conversation = conversation_of(_db(app), owner.tenant_id, ids[0])

    job = _ok(client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                          json={"conversation_id": conversation}), 202)
    assert job["total"] == 30 and job["status"] == "queued"
    done = _wait_for_job(client, owner, job["job_id"])
    assert (done["done"], done["failed"], done["failed_items"]) == (30, 0, [])

    analysis = _ok(client.get(f"/api/v1/messages/{ids[0]}/analysis", headers=owner.headers))
    assert (analysis["provider_id"], analysis["model"], analysis["prompt_version"]) == (
        prov["id"], "llama-3.1-70b-instruct", "importance/v1")
    assert analysis["is_important"] and analysis["priority"] == "urgent"

    usage = _ok(client.get("/api/v1/llm/usage", headers=owner.headers))
    calls = [u for u in usage["data"] if u["provider_id"] == prov["id"]]
    assert len(calls) == 2 and all(c["status"] == "ok" for c in calls)  # 30 msgs, 20 a prompt
    assert all(c["input_tokens"] == 1200 and c["output_tokens"] == 300 for c in calls)
    assert all(MONEY.match(c["cost_usd"]) and c["latency_ms"] > 0 for c in calls)
    assert calls[0]["cost_usd"] == "0.001050"  # 1200 x $0.5/M + 300 x $1.5/M
    assert usage["totals"]["requests"] == 2 and usage["totals"]["cost_usd"] == "0.002100"

    costs = _ok(client.get("/api/v1/llm/costs", headers=owner.headers))
    assert costs["total_usd"] == costs["month_to_date_usd"] == "0.002100"
    assert MONEY.match(costs["projected_month_end_usd"])
    assert [d["cost_usd"] for d in costs["by_day"]] == ["0.002100"]
    assert costs["by_feature"][0]["feature"] == "importance_detection"

    health = _ok(client.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert [(h["provider_id"], h["status"]) for h in health] == [(prov["id"], "healthy")]
    assert health[0]["p95_latency_ms"] is not None and health[0]["last_check_at"] is None

    test = _ok(client.post(f"/api/v1/llm/providers/{prov['id']}/test", headers=owner.headers))
    assert test["ok"] and test["status"] == "ok" and test["latency_ms"] > 0
    health = _ok(client.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert health[0]["last_check_at"] is not None

    compared = _ok(client.get("/api/v1/llm/providers/comparison", headers=owner.headers))
    row = next(c for c in compared["data"] if c["provider_id"] == prov["id"])
    assert row["requests"] == 3 and row["success_rate"] == 1.0
    assert row["valid_output_rate"] == 1.0 and row["messages"] == 30
    assert row["cost_per_1000_messages"] == "0.105000"  # includes the test call's cost
    assert row["month_to_date_usd"] == "0.003150" and row["monthly_budget_usd"] == "25.000000"

    breakdown = _ok(client.get("/api/v1/llm/analytics/cost-breakdown", headers=owner.headers))
    assert {(b["feature"], b["model"]) for b in breakdown["data"]} == {
        ("importance_detection", "llama-3.1-70b-instruct"),
        ("health_check", "llama-3.1-70b-instruct")}
    by_feature = _ok(client.get("/api/v1/llm/analytics/usage-by-feature",
                                headers=owner.headers))["data"]
    assert {f["feature"] for f in by_feature} == {"importance_detection", "health_check"}
    recs = _ok(client.get("/api/v1/llm/recommendations", headers=owner.headers))
    assert recs["data"] == [] and recs["min_samples"] == 20
    assert {"provider_id": prov["id"], "provider_name": "Team vLLM",
            "feature": "importance_detection", "requests": 2} in recs["insufficient_data"]

    summary = _ok(client.post("/api/v1/conversations/summarize", headers=owner.headers,
                              json={"conversation_id": conversation}), 201)
    # no route for summaries, but the tenant's first provider became its default (issue 14)
    assert summary["provider_kind"] == "openai_compatible" and not summary["heuristic"]
    assert summary["message_count"] == 30


def test_with_no_provider_at_all_local_analysis_works(client: FlaskClient,
                                                     app: Flask) -> None:
    owner = register_owner(client, "Fresh Install")
    ids = seed_messages(_db(app), owner.tenant_id, [URGENT])
    out = _ok(client.post("/api/v1/messages/analyze", headers=owner.headers,
                          json={"message_id": ids[0]}))
    a = out["analysis"]
    assert a["heuristic"] and a["provider_kind"] == "local" and a["provider_id"] is None
    assert a["model"] == "messageflow-heuristic-v1" and a["is_important"]
    assert [x["status"] for x in out["attempts"]] == ["ok"]
    usage = _ok(client.get("/api/v1/llm/usage", headers=owner.headers))["data"]
    assert usage[0]["provider_name"] == "Built-in local analyser"
    assert usage[0]["cost_usd"] == "0.000000"


def test_another_tenants_ids_are_404(client: FlaskClient, app: Flask) -> None:
    a = register_owner(client, "Tenant A")
    b = register_owner(client, "Tenant B")
    ids = seed_messages(_db(app), a.tenant_id, ["hello", URGENT])
    conversation = conversation_of(_db(app), a.tenant_id, ids[0])
    job = _ok(client.post("/api/v1/messages/batch-analyze", headers=a.headers,
                          json={"message_ids": ids}), 202)
    for method, path, body in [
        ("post", "/api/v1/messages/analyze", {"message_id": ids[0]}),
        ("post", "/api/v1/messages/batch-analyze", {"message_ids": ids}),
        ("post", "/api/v1/messages/batch-analyze", {"conversation_id": conversation}),
        ("post", "/api/v1/conversations/summarize", {"conversation_id": conversation}),
        ("get", f"/api/v1/analysis-jobs/{job['job_id']}", None),
        ("get", f"/api/v1/messages/{ids[0]}/analysis", None),
    ]:
        r = getattr(client, method)(path, headers=b.headers, json=body)
        assert r.status_code == 404, (method, path, r.get_json())
    _wait_for_job(client, a, job["job_id"])
    since = _ok(client.post("/api/v1/messages/batch-analyze", headers=b.headers,
                            json={"since": "2000-01-01T00:00:00Z"}), 202)
    assert since["total"] == 0 and since["status"] == "done"


def test_batch_scopes_validation_and_failed_items(client: FlaskClient, app: Flask,
                                                  database_url: str) -> None:
    owner = register_owner(client, "Scopes")
    ids = seed_messages(_db(app), owner.tenant_id, ["one?", "two?", "three?"])
    r = client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                    json={"message_ids": ids, "conversation_id": 1})
    assert r.status_code == 400
    r = client.post("/api/v1/messages/batch-analyze", headers=owner.headers, json={})
    assert r.status_code == 400
    with _db(app).tenant(owner.tenant_id) as conn:  # revoked before the worker gets to it
        conn.execute("update messages set revoked_at = now() where id = %s", (ids[1],))
    job = _ok(client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                          json={"message_ids": ids}), 202)
    done = _wait_for_job(client, owner, job["job_id"])
    assert (done["done"], done["failed"]) == (2, 1)
    assert done["failed_items"][0]["message_id"] == ids[1]
    assert "no longer available" in done["failed_items"][0]["error"]
    again = _ok(client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                            json={"message_ids": ids}), 202)
    assert again["total"] == 1  # already analysed ones are skipped unless reanalyze
    r = client.post("/api/v1/messages/analyze", headers=owner.headers,
                    json={"message_id": ids[1]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "message_revoked"


def test_roles(client: FlaskClient, app: Flask) -> None:
    owner = register_owner(client, "Roles")
    viewer = add_member(client, owner, "viewer")
    member = add_member(client, owner, "member")
    manager = add_member(client, owner, "manager")
    ids = seed_messages(_db(app), owner.tenant_id, ["hi"])
    assert client.post("/api/v1/messages/analyze", headers=viewer.headers,
                       json={"message_id": ids[0]}).status_code == 403
    _ok(client.post("/api/v1/messages/analyze", headers=member.headers,
                    json={"message_id": ids[0]}))
    _ok(client.get(f"/api/v1/messages/{ids[0]}/analysis", headers=viewer.headers))
    assert client.get("/api/v1/llm/usage", headers=member.headers).status_code == 403
    for path in ("/api/v1/llm/usage", "/api/v1/llm/costs", "/api/v1/llm/health",
                 "/api/v1/llm/features", "/api/v1/llm/recommendations",
                 "/api/v1/llm/providers/comparison"):
        _ok(client.get(path, headers=manager.headers))
    assert client.get("/api/v1/llm/providers", headers=manager.headers).status_code == 403
    r = client.post("/api/v1/llm/providers", headers=manager.headers,
                    json={"name": "x", "kind": "local"})
    assert r.status_code == 403
    assert r.get_json()["error"]["details"]["required_role"] == "admin"
