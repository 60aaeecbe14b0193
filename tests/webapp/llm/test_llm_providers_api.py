"""Providers over HTTP: CRUD with history and audit, keys at rest, MASTER_KEY, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, make_settings, register_owner
from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.webapp.llm.test_support import URGENT, as_owner, seed_messages
from tests.webapp.llm.test_support import ok as _ok
from webapp.app import close_app, create_app
from webapp.db import Database

KEY_A = "sk-tenantA-SECRET-0123456789abcdef"


def _create(client: FlaskClient, who: Member, fake: FakeLLMServer, **over: Any) -> Any:
    body = {"name": "Primary", "kind": "openai_compatible", "model": "qwen2.5-7b",
            "api_base": fake.openai_base, "api_key": KEY_A, "timeout_s": 5}
    body.update(over)
    return client.post("/api/v1/llm/providers", headers=who.headers, json=body)


def test_crud_history_and_audit_never_show_the_key(client: FlaskClient, owner: Member,
                                                   fake: FakeLLMServer) -> None:
    prov = _ok(_create(client, owner, fake, requests_per_minute=30, monthly_budget_usd="12.5",
                       price_input_per_mtok="0.2", price_output_per_mtok="0.6"), 201)
    assert prov["has_api_key"] and prov["api_key_hint"] == "sk-…cdef"
    assert prov["monthly_budget_usd"] == "12.500000" and prov["requests_per_minute"] == 30
    pid = prov["id"]
    listed = _ok(client.get("/api/v1/llm/providers", headers=owner.headers))["data"]
    assert [p["id"] for p in listed] == [pid]
    changed = _ok(client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                               json={"api_key": "sk-rotated-key-99998888", "temperature": 0.4,
                                     "requests_per_minute": None, "is_default": True}))
    assert changed["api_key_hint"] == "sk-…8888" and changed["requests_per_minute"] is None
    assert changed["is_default"] and changed["temperature"] == 0.4
    history = _ok(client.get(f"/api/v1/llm/providers/{pid}/history", headers=owner.headers))
    assert [c["action"] for c in history["changes"]] == ["updated", "created"]
    update = history["changes"][0]["changes"]
    assert update["api_key_hint"] == {"before": "sk-…cdef", "after": "sk-…8888"}
    assert update["requests_per_minute"] == {"before": 30, "after": None}
    audit = _ok(client.get("/api/v1/audit-logs?action=llm.providers", headers=owner.headers))
    assert [e["action"] for e in audit["data"]] == ["llm.providers.update",
                                                    "llm.providers.create"]
    everything = json.dumps([prov, listed, changed, history, audit])
    assert KEY_A not in everything and "sk-rotated-key-99998888" not in everything
    assert "v1:" not in everything  # nor the ciphertext
    _ok(client.delete(f"/api/v1/llm/providers/{pid}", headers=owner.headers))
    assert client.get(f"/api/v1/llm/providers/{pid}", headers=owner.headers).status_code == 404
    assert _ok(client.get("/api/v1/llm/providers", headers=owner.headers))["data"] == []


def test_defaults_and_validation(client: FlaskClient, owner: Member,
                                 fake: FakeLLMServer) -> None:
    made = _ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "Claude", "kind": "anthropic", "api_key": "sk-ant-0000000000"}), 201)
    assert made["model"] == "claude-3-opus-20240229" and made["max_tokens"] == 2048
    local = _ok(client.post("/api/v1/llm/providers", headers=owner.headers,
                            json={"name": "Offline", "kind": "local"}), 201)
    assert local["model"] == "messageflow-heuristic-v1" and not local["has_api_key"]
    bad = [
        {"name": "x", "kind": "openai"},  # no key
        {"name": "x", "kind": "local", "api_key": "sk-1234567890"},
        {"name": "x", "kind": "openai_compatible", "model": "m", "api_key": "k"},  # no base
        {"name": "x", "kind": "openai", "api_key": "k", "price_input_per_mtok": "1"},
        {"name": "x", "kind": "openai", "api_key": "k", "temperature": 3},
        {"name": "x", "kind": "gemini", "api_key": "k"},
        {"name": "x", "kind": "openai", "api_key": "k", "surprise": 1},
        {"name": "x", "kind": "openai", "api_key": "k", "api_base": "file:///etc/passwd"},
    ]
    for body in bad:
        r = client.post("/api/v1/llm/providers", headers=owner.headers, json=body)
        assert r.status_code == 400, (body, r.get_json())
    dup = _create(client, owner, fake, name="claude")
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "provider_name_taken"
    r = client.patch(f"/api/v1/llm/providers/{made['id']}", headers=owner.headers,
                     json={"api_key": None})
    assert r.status_code == 422  # valid body, but this kind needs a key (the provider's state)
    r = client.post("/api/v1/llm/features/no_such_feature/assign-provider",
                    headers=owner.headers, json={"provider_id": made["id"]})
    assert r.status_code == 404


def test_feature_routes(client: FlaskClient, owner: Member, fake: FakeLLMServer) -> None:
    a = _ok(_create(client, owner, fake, name="A"), 201)
    b = _ok(_create(client, owner, fake, name="B", is_default=True), 201)
    _ok(client.post("/api/v1/llm/features/summarization/assign-provider",
                    headers=owner.headers, json={"provider_id": a["id"], "priority": 5}), 201)
    route = _ok(client.get("/api/v1/llm/features/summarization/providers",
                           headers=owner.headers))
    assert [p["provider_id"] for p in route["providers"]] == [a["id"]]
    assert route["fallback"]["default_provider_id"] == b["id"]
    names = [f["name"] for f in _ok(client.get("/api/v1/llm/features",
                                               headers=owner.headers))["data"]]
    assert names == ["importance_detection", "action_extraction", "summarization",
                     "daily_summary", "conversation_scoring"]
    _ok(client.delete(f"/api/v1/llm/features/summarization/providers/{a['id']}",
                      headers=owner.headers))
    r = client.delete(f"/api/v1/llm/features/summarization/providers/{a['id']}",
                      headers=owner.headers)
    assert r.status_code == 404


@pytest.fixture(scope="module")
def other_key_app(database_url: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Flask]:
    """The same database served with a different MASTER_KEY (a misconfigured deploy)."""
    application = create_app(make_settings(database_url, Path(tmp_path_factory.mktemp("k")),
                                           master_key="a-completely-different-master-key-1"))
    yield application
    close_app(application)


def test_wrong_master_key_is_a_clear_error(client: FlaskClient, other_key_app: Flask,
                                           fake: FakeLLMServer) -> None:
    owner = register_owner(client, "Rotated badly")
    prov = _ok(_create(client, owner, fake), 201)
    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=owner.headers, json={"provider_id": prov["id"]}), 201)
    wrong = other_key_app.test_client()
    r = wrong.post(f"/api/v1/llm/providers/{prov['id']}/test", headers=owner.headers)
    err = r.get_json()["error"]
    assert r.status_code == 503 and err["code"] == "secret_unreadable"
    assert "MASTER_KEY" in err["message"] and "v1:" not in r.get_data(as_text=True)
    health = _ok(wrong.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert health[0]["status"] == "secret_unreadable"
    ids = seed_messages(other_key_app.extensions["mf_db"], owner.tenant_id, ["hello?"])
    out = _ok(wrong.post("/api/v1/messages/analyze", headers=owner.headers,
                         json={"message_id": ids[0]}))
    assert [(a["status"], a["reason"]) for a in out["attempts"]][0] == (
        "skipped", "secret_unreadable")
    assert not fake.requests  # nothing, least of all the ciphertext, was sent as a key


def test_tenants_never_share_providers_or_keys(
    client: FlaskClient, app: Flask, fake: FakeLLMServer, database_url: str
) -> None:
    a = register_owner(client, "Tenant A")
    b = register_owner(client, "Tenant B")
    fake.echo_credentials = True  # error bodies carry the request's credentials, like vendors
    fake.faults = FaultPlan(["http_500"])
    prov = _ok(_create(client, a, fake), 201)
    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=a.headers, json={"provider_id": prov["id"]}), 201)
    db: Database = app.extensions["mf_db"]
    ids_a = seed_messages(db, a.tenant_id, [URGENT])
    ids_b = seed_messages(db, b.tenant_id, [URGENT])
    bodies = [_ok(client.post("/api/v1/messages/analyze", headers=a.headers,
                              json={"message_id": ids_a[0]}))]
    assert bodies[0]["attempts"][0]["status"] == "error" and len(fake.requests) == 1
    bodies.append(_ok(client.post("/api/v1/messages/analyze", headers=b.headers,
                                  json={"message_id": ids_b[0]})))
    assert bodies[1]["attempts"][0]["kind"] == "local" and len(fake.requests) == 1
    pid = prov["id"]
    for method, path, body in [
        ("get", f"/api/v1/llm/providers/{pid}", None),
        ("patch", f"/api/v1/llm/providers/{pid}", {"temperature": 1}),
        ("delete", f"/api/v1/llm/providers/{pid}", None),
        ("post", f"/api/v1/llm/providers/{pid}/test", None),
        ("get", f"/api/v1/llm/providers/{pid}/history", None),
        ("post", "/api/v1/llm/features/importance_detection/assign-provider",
         {"provider_id": pid}),
    ]:
        r = getattr(client, method)(path, headers=b.headers, json=body)
        assert r.status_code == 404, (method, path, r.get_json())
        bodies.append(r.get_json())
    for path in ("/api/v1/llm/providers", "/api/v1/llm/usage", "/api/v1/llm/health",
                 "/api/v1/llm/providers/comparison", "/api/v1/llm/costs"):
        for who in (a, b):
            bodies.append(_ok(client.get(path, headers=who.headers)))
    bodies.append(_ok(client.post("/api/v1/llm/bulk-test", headers=b.headers)))
    assert bodies[-1]["data"] == []
    dumped = json.dumps(bodies)
    assert KEY_A not in dumped and "tenantA-SECRET" not in dumped
    # Not even a scrubbed echo: the error is the status and a message of ours, never the body.
    assert bodies[0]["attempts"][0]["error_message"] == (
        "HTTP 500: the provider had an internal error.")
    assert "fake internal error" not in dumped and "request credentials" not in dumped
    ledger = as_owner(database_url, "select tenant_id, provider_id, error_message from "
                                    "llm_usage_logs where tenant_id in (%s, %s)",
                      (a.tenant_id, b.tenant_id))
    assert all(KEY_A not in (row[2] or "") for row in ledger)
    assert {row[1] for row in ledger if row[0] == b.tenant_id} == {None}
