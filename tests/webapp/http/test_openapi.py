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
