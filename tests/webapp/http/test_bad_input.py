"""Bad input and unknown routes: always the one envelope with the right status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, make_settings
from webapp.app import close_app, create_app


def _error(r: object) -> dict:
    body = r.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_malformed_json(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/login", data='{"email": ', content_type="application/json")
    assert r.status_code == 400 and _error(r)["code"] == "malformed_json"


def test_not_json_content_type(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/login", data="email=a", content_type="text/plain")
    assert r.status_code == 400 and _error(r)["code"] == "invalid_content_type"


def test_wrong_types_name_the_field(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/login", json={"email": "a@b.co", "password": 12345})
    err = _error(r)
    assert r.status_code == 400 and err["code"] == "validation_error"
    assert "password" in err["details"]["fields"]


def test_unknown_fields_are_rejected_by_name(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/login",
                    json={"email": "a@b.co", "password": "x" * 12, "is_admin": True})
    err = _error(r)
    assert r.status_code == 400 and err["details"]["fields"] == {"is_admin": "unknown field"}


def test_bad_query_parameter(client: FlaskClient, owner: Member) -> None:
    r = client.get("/api/v1/audit-logs?limit=5000", headers=owner.headers)
    assert r.status_code == 400 and "limit" in _error(r)["details"]["fields"]
    r = client.get("/api/v1/audit-logs?cursor=%%%", headers=owner.headers)
    assert r.status_code == 400 and "cursor" in _error(r)["details"]["fields"]


def test_two_mib_body_is_413(client: FlaskClient) -> None:
    big = b'{"email": "' + b"a" * (2 << 20) + b'"}'
    r = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert r.status_code == 413 and _error(r)["code"] == "payload_too_large"


def test_unknown_route_and_method(client: FlaskClient) -> None:
    r = client.get("/api/v1/does-not-exist")
    assert r.status_code == 404 and _error(r)["code"] == "not_found"
    r = client.delete("/api/v1/auth/login")
    assert r.status_code == 405 and _error(r)["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"]


def test_unknown_path_id_of_member_is_404(client: FlaskClient, owner: Member) -> None:
    r = client.patch("/api/v1/members/987654321", headers=owner.headers, json={"role": "viewer"})
    assert r.status_code == 404 and _error(r)["code"] == "not_found"


@pytest.fixture(scope="module")
def crashing_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app(make_settings(database_url, Path(tmp_path_factory.mktemp("c")),
                                           frontend_origin="https://desk.example.com"))

    @application.get("/api/v1/test-crash")
    def crash() -> str:
        raise RuntimeError("secret internals: do not leak")

    yield application
    close_app(application)


def test_crash_is_a_500_envelope_without_internals(crashing_app: Flask) -> None:
    r = crashing_app.test_client().get("/api/v1/test-crash")
    assert r.status_code == 500
    err = _error(r)
    assert err["code"] == "internal_error" and "secret" not in r.get_data(as_text=True)


def test_security_headers_request_id_and_cors(crashing_app: Flask) -> None:
    c = crashing_app.test_client()
    r = c.get("/healthz", headers={"Origin": "https://desk.example.com", "X-Request-ID": "abc123"})
    assert r.headers["X-Request-ID"] == "abc123"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Access-Control-Allow-Origin"] == "https://desk.example.com"
    other = c.get("/healthz", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers
    pre = c.options("/api/v1/auth/login", headers={
        "Origin": "https://desk.example.com", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and "X-CSRF-Token" in pre.headers["Access-Control-Allow-Headers"]
    assert c.get("/healthz").headers.get("X-Request-ID")


@pytest.mark.parametrize("body", [[], ["x"], "text", 7, True])
def test_a_body_that_is_not_an_object_says_so(client: FlaskClient, owner: Member,
                                              body: object) -> None:
    r = client.post("/api/v1/messages/reply", json=body, headers=owner.headers)
    err = _error(r)
    assert r.status_code == 400 and err["code"] == "validation_error"
    assert err["details"]["fields"] == {"body": "must be a JSON object"}
    assert "ReplyRequest" not in r.get_data(as_text=True)


def test_other_messages_are_unchanged(client: FlaskClient, owner: Member) -> None:
    r = client.post("/api/v1/messages/reply", json={"conversation_id": "x", "text": " "},
                    headers=owner.headers)
    assert _error(r)["details"]["fields"] == {
        "conversation_id": "Input should be a valid integer",  # strict JSON: no strings
        "text": "Value error, must not be blank"}
