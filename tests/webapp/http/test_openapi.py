"""The OpenAPI document covers every API route and is generated from the models."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel, ValidationError

from tests.openapi_examples import NOT_CAPTURED, capture, json_operations
from webapp.http import examples
from webapp.http.api import REGISTRY, EndpointSpec
from webapp.http.openapi import operation_id, success_example


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in ("/api/v1/openapi.json",
                                                                 "/api/v1/docs"):
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
    assert "application/json" in qr["responses"]["404"]["content"]  # errors stay JSON
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


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): op for path, item in doc["paths"].items()
            for method, op in item.items()}


def _spec_key(spec: EndpointSpec) -> tuple[str, str]:
    return spec.method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", spec.path)


def test_every_success_response_has_a_real_schema(client: FlaskClient) -> None:
    """The contract for every endpoint, those to come included: a success answer is a named
    model with properties (never a bare `{"type": "object"}`), or a declared media type."""
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    bare = []
    for (method, path), op in _operations(doc).items():
        ok = [(code, r) for code, r in op["responses"].items() if code.startswith(("1", "2"))]
        assert ok, (method, path, list(op["responses"]))
        code, response = ok[0]  # the declared status first; others (202, 206) share its body
        if code == "101":
            continue
        content = response.get("content", {})
        if "application/json" not in content:
            assert content, (method, path)
            continue
        ref = content["application/json"]["schema"].get("$ref", "")
        model = schemas.get(ref.rsplit("/", 1)[-1], {})
        if not ref or not model.get("properties"):
            bare.append(f"{method.upper()} {path}")
    assert bare == [], "declare response=<pydantic model> on these endpoints"


def test_every_operation_declares_the_errors_it_can_return(client: FlaskClient) -> None:
    """Derived from the declaration: path ids -> 404, a body -> 400 and 413, signed in -> 401
    and 429, a permission -> 403; plus each endpoint's own `errors=`; and no catch-all."""
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = _operations(doc)
    missing = []
    for spec in REGISTRY:
        op = ops[_spec_key(spec)]
        declared = set(op["responses"])
        assert "default" not in declared, spec.path
        need = {"400"} | {str(s) for s, _ in spec.errors}
        if "<" in spec.path:
            need.add("404")
        if spec.body is not None:
            need |= {"400", "413"}
        if spec.auth:
            need |= {"401", "429"}
        if spec.auth and spec.permission:
            need.add("403")
        if spec.rate_limited:
            need.add("429")
        if need - declared:
            missing.append((spec.method, spec.path, sorted(need - declared)))
        for status in declared - {str(spec.status)}:
            if status.startswith("2"):  # another success (a job running, a range): same body
                continue
            envelope = op["responses"][status]["content"]["application/json"]
            assert envelope["schema"] == {"$ref": "#/components/schemas/Error"}
            assert set(envelope["example"]["error"]) == {"code", "message", "details"}
    assert missing == []


def test_explicit_errors_are_declared_with_their_meaning(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    create = doc["paths"]["/api/v1/labels"]["post"]["responses"]
    assert "name is taken" in create["409"]["description"]
    login = doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"400", "401", "413", "429"} <= set(login) and "403" not in login
    health = doc["paths"]["/api/v1/llm/health"]["get"]["responses"]
    assert "404" not in health and "413" not in health  # no id, no body


def test_every_event_type_written_is_documented(client: FlaskClient) -> None:
    """Each event type the SQL writes (and the migrations' triggers) has a frame schema."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    written: set[str] = set()
    pattern = re.compile(r"(?:mf_current_tenant\(\)|new\.tenant_id|\(\d+),\s*'([a-z_]+\.[a-z_]+)'")
    for path in [*root.glob("webapp/**/sql/*.sql"), *root.glob("migrations/0*.sql")]:
        written |= set(pattern.findall(path.read_text()))
    written |= {"whatsapp.device"}  # webapp/whatsapp/sql/devices.sql takes the type's data
    doc = client.get("/api/v1/openapi.json").get_json()
    frame = doc["components"]["schemas"]["WebSocketServerFrame"]
    assert {"message.created", "conversation.updated", "provider.health"} <= written
    assert written <= set(frame["discriminator"]["mapping"]), written
    for ref in frame["discriminator"]["mapping"].values():
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
    assert {"4401", "4403", "4429"} <= set(frame["x-close-codes"])
    realtime = next(t for t in doc["tags"] if t["name"] == "realtime")
    assert "WebSocketServerFrame" in realtime["description"]


def test_examples_are_valid_for_their_models() -> None:
    """An example in the document is a request the API accepts or an answer it gives."""
    models = {m for s in REGISTRY for m in (s.body, s.query, s.response)
              if isinstance(m, type) and issubclass(m, BaseModel)}
    checked = 0
    for model in models:
        for example in model.model_json_schema().get("examples", []):
            model.model_validate(example)
            checked += 1
    assert checked >= 5


def _json_successes(doc: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, status, content) of every 2xx answer that is a JSON body."""
    return [(method, path, code, r["content"]["application/json"])
            for (method, path), op in _operations(doc).items()
            for code, r in op["responses"].items()
            if code.startswith("2") and "application/json" in r.get("content", {})]


def test_every_json_success_response_has_an_example(client: FlaskClient) -> None:
    """Issue 10, 3.2: each success answer shows an integrator what it looks like; every
    example is kept under a current operation id (none left behind by a removed one)."""
    doc = client.get("/api/v1/openapi.json").get_json()
    successes = _json_successes(doc)
    assert len(successes) >= 130
    missing = [f"{status} {method.upper()} {path}" for method, path, status, content in successes
               if "example" not in content]
    assert missing == [], "run `python -m tests.openapi_examples` (tests/openapi_examples.py)"
    ids = {operation_id(s) for s in REGISTRY}
    stored = set(examples.load(examples.CAPTURED)) | set(examples.load(examples.HANDWRITTEN))
    assert {key.split(" ")[0] for key in stored} <= ids
    assert set(examples.load(examples.HANDWRITTEN)) == set(NOT_CAPTURED)


def _unknown_keys(example: Any, dumped: Any, at: str = "") -> list[str]:
    """Where the example has a key its model does not (the model dropped it on validation)."""
    if isinstance(example, dict) and isinstance(dumped, dict):
        return [f"{at}/{k}" for k in example if k not in dumped] + [
            bad for k in example if k in dumped
            for bad in _unknown_keys(example[k], dumped[k], f"{at}/{k}")]
    if isinstance(example, list) and isinstance(dumped, list):
        return [bad for i, (e, d) in enumerate(zip(example, dumped, strict=False))
                for bad in _unknown_keys(e, d, f"{at}/{i}")]
    return []


def test_success_examples_are_valid_for_their_models(client: FlaskClient) -> None:
    """Each success example validates against its response model (no field it lacks, none it
    does not know) and against the schema the document publishes for it, so an example cannot
    go stale silently."""
    doc = client.get("/api/v1/openapi.json").get_json()
    by_key = {_spec_key(s): s for s in REGISTRY}
    checked = 0
    for method, path, status, content in _json_successes(doc):
        spec = by_key[(method, path)]
        example = content["example"]
        dumped = spec.response.model_validate(example).model_dump(mode="json", by_alias=True)
        assert _unknown_keys(example, dumped) == [], (status, method, path)
        validator = jsonschema.Draft202012Validator(
            {**content["schema"], "components": doc["components"]},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(example)]
        assert errors == [], (status, method, path, errors)
        checked += 1
    assert checked == len(_json_successes(doc))


def test_a_stale_example_is_caught() -> None:
    """The check above fails on an example its model no longer describes."""
    spec = next(s for s in REGISTRY if operation_id(s) == "labels_create_label")
    example = dict(success_example(spec, spec.status))
    dumped = spec.response.model_validate(example).model_dump(mode="json", by_alias=True)
    assert _unknown_keys(example, dumped) == []
    assert _unknown_keys({**example, "colour": "red"}, dumped) == ["/colour"]
    del example["id"]
    with pytest.raises(ValidationError):
        spec.response.model_validate(example)


def test_examples_are_captured_from_the_running_app(app: Flask) -> None:
    """The generator of the stored examples still runs: every JSON operation (but the few with
    hand-written examples) answers its declared status in the scripted tour, and what it
    answers now is valid for its model and has the shape of the stored example."""
    fresh = capture(app, app.extensions["mf_db"])
    assert set(fresh) | set(NOT_CAPTURED) >= json_operations()
    stored = examples.load(examples.CAPTURED)
    assert set(fresh) == set(stored)
    by_id = {operation_id(s): s for s in REGISTRY}
    for key, body in fresh.items():
        by_id[key.split(" ")[0]].response.model_validate(body)
        assert set(body) == set(stored[key]), key
