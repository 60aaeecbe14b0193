"""The OpenAPI document covers every API route and is generated from the models."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_models_and_permissions_are_in_the_document(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"email", "password"}
    assert schema["additionalProperties"] is False
    audit = doc["paths"]["/api/v1/audit-logs"]["get"]
    assert audit["x-permission"] == "audit.read"
    assert {p["name"] for p in audit["parameters"]} >= {"limit", "cursor", "actor", "since"}
    assert "429" in audit["responses"] and "403" in audit["responses"]


def test_non_json_responses_declare_their_media_type(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    qr = doc["paths"]["/api/v1/whatsapp/devices/{device_id}/qr"]["get"]
    assert qr["responses"]["200"]["content"] == {"image/svg+xml": {"schema": {"type": "string"}}}
    assert "application/json" in qr["responses"]["default"]["content"]  # errors stay JSON
    device = doc["paths"]["/api/v1/whatsapp/devices/{device_id}"]["get"]
    assert list(device["responses"]["200"]["content"]) == ["application/json"]


def test_docstrings_give_a_one_line_summary_and_a_description(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = [op for item in doc["paths"].values() for op in item.values()]
    assert all("\n" not in op["summary"] for op in ops)
    for path in ("/api/v1/messages/reply", "/api/v1/messages/forward"):
        op = doc["paths"][path]["post"]
        assert op["summary"].startswith("Queue a ")
        assert "`wa_message_id` in this 202 response is provisional" in op["description"]
    patch = doc["paths"]["/api/v1/conversations/{conversation_id}"]["patch"]
    assert "at least one of `status`, `assignee_id`, `priority`, `snoozed_until`" in (
        patch["description"])
