"""Hostile input on every route: NUL and loose numbers are a 400 naming the field, never a 500
(issue 10: 1.3, 1.6).

The walks read webapp.http.api.REGISTRY, so a new route or field is attacked without touching this
file: NUL in every string (body, query, path, header), booleans / strings / 2**64 in every integer,
loose spellings of integers in query strings; plus the issue's own cases (login and register
unauthenticated, a boolean as the reply's conversation id queues nothing, ids beyond 64 bits in
paths). Bad numbers, dates, cursors, deep JSON and long URLs: test_hostile_limits.py.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import PASSWORD, Member, register_owner
from tests.webapp.http.hostile import (
    INT64_MAX,
    REGISTRY,
    ROUTES,
    EndpointSpec,
    cases,
    error_of,
    fields_named,
    is_list,
    path_of,
    send,
)
from webapp.db import Database


@pytest.fixture(scope="module")
def boss(app: Any) -> Member:
    """One owner (every permission) shared by the walks."""
    return register_owner(app.test_client(), "Hostile Input")


# -- 1.3: NUL is a 400 naming the field, everywhere --------------------------------------------
@pytest.mark.parametrize(("spec", "field"), cases(None, "body"))
def test_nul_in_any_body_field_is_a_400_naming_it(client: FlaskClient, boss: Member,
                                                  spec: EndpointSpec, field: str) -> None:
    fields = fields_named(send(client, spec, boss, body={field: "a\u0000b"}))
    assert fields == {field: "must not contain NUL characters"}


@pytest.mark.parametrize(("spec", "field"), cases(None, "query"))
def test_nul_in_any_query_parameter_is_a_400_naming_it(client: FlaskClient, boss: Member,
                                                       spec: EndpointSpec, field: str) -> None:
    fields = fields_named(send(client, spec, boss, query=f"{field}=a%00b"))
    assert fields == {field: "must not contain NUL characters"}


def test_nul_in_keys_nested_values_and_list_items_names_the_path(client: FlaskClient,
                                                                 boss: Member) -> None:
    r = client.post("/api/v1/audit-logs", headers=boss.headers, json={
        "action": "export.csv", "details": {"rows": [1, {"note": "x\u0000"}], "ok\u0000": 1}})
    assert fields_named(r) == {"details.rows.1.note": "must not contain NUL characters",
                          "details.ok\\u0000": "must not contain NUL characters"}
    r = client.get("/api/v1/conversations?st%00atus=open", headers=boss.headers)
    assert fields_named(r) == {"st\\u0000atus": "must not contain NUL characters"}


def test_unpaired_surrogates_are_refused_like_nul(client: FlaskClient, boss: Member) -> None:
    raw = b'{"action": "export.csv", "target_id": "\\ud800"}'
    r = client.post("/api/v1/audit-logs", headers=boss.headers, data=raw,
                    content_type="application/json")
    assert fields_named(r) == {"target_id": "must not contain unpaired surrogates"}


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_unauthenticated_login_and_register_with_nul(client: FlaskClient, path: str) -> None:
    body = {"email": "a@b.co", "password": PASSWORD, "name": "N", "tenant_name": "T"}
    if path.endswith("login"):
        body = {"email": "a@b.co", "password": PASSWORD}
    for field in body:
        r = client.post(path, json={**body, field: body[field] + "\u0000"})
        assert fields_named(r) == {field: "must not contain NUL characters"}


def test_routes_not_declared_with_endpoint_are_covered(client: FlaskClient, boss: Member) -> None:
    r = client.post("/api/v1/auth/refresh", json={"use_cookies": "\u0000"})
    assert fields_named(r) == {"use_cookies": "must not contain NUL characters"}
    r = client.get(f"/api/v1/ws?token={boss.access}&since=%00")
    assert fields_named(r) == {"since": "must not contain NUL characters"}
    assert fields_named(client.get("/login?next=/app%00")) == {
        "next": "must not contain NUL characters"}
    assert fields_named(client.get("/app/conversations?x=%00")) == {
        "x": "must not contain NUL characters"}


def test_nul_in_the_path_and_in_headers(client: FlaskClient, boss: Member) -> None:
    r = client.get("/api/v1/llm/features/analysis%00/providers", headers=boss.headers)
    assert fields_named(r) == {"path": "must not contain NUL characters"}
    r = client.post("/api/v1/auth/login", json={"email": "a@b.co", "password": PASSWORD},
                    headers={"User-Agent": "curl\x00/8"})
    assert fields_named(r) == {"headers.User-Agent": "must not contain NUL characters"}


# -- 1.6: ids and numbers are strict ------------------------------------------------------------
NOT_INTEGERS: list[Any] = [True, False, "1", 1.0, 1.5, 2**64, -(2**64), INT64_MAX + 1, 10**400,
                           {"id": 1}]


@pytest.mark.parametrize(("spec", "field"), cases(int, "body"))
def test_integer_body_fields_take_only_json_integers_within_64_bits(
        client: FlaskClient, boss: Member, spec: EndpointSpec, field: str) -> None:
    assert spec.body is not None
    for value in NOT_INTEGERS:
        sent = [value] if is_list(spec.body, field) else value
        fields = fields_named(send(client, spec, boss, body={field: sent}))
        assert any(k == field or k.startswith(field + ".") for k in fields), (value, fields)


@pytest.mark.parametrize(("spec", "field"), cases(bool, "body"))
def test_boolean_body_fields_take_only_json_booleans(client: FlaskClient, boss: Member,
                                                     spec: EndpointSpec, field: str) -> None:
    for value in (1, 0, "true", "yes", "false"):
        fields = fields_named(send(client, spec, boss, body={field: value}))
        assert field in fields, (value, fields)


LOOSE_INTEGERS = ["true", "1.5", "1.0", "1e3", " 1", "1 ", "+1", "1_0", "0x1", "01",
                  str(2**64), str(-(2**64)), str(INT64_MAX + 1), "\u0661", ""]


@pytest.mark.parametrize(("spec", "field"), cases(int, "query"))
def test_integer_query_parameters_are_plain_decimal_digits(
        client: FlaskClient, boss: Member, spec: EndpointSpec, field: str) -> None:
    for value in LOOSE_INTEGERS:
        q = f"{field}={quote(value, safe='')}"
        fields = fields_named(send(client, spec, boss, query=q))
        assert field in fields, (value, fields)


def test_every_request_integer_is_bounded_in_the_schema(client: FlaskClient) -> None:
    """A new request field or path id with an unbounded int fails here before it ships."""
    schemas = {m.__name__: json.dumps(m.model_json_schema())
               for s in REGISTRY for m in (s.body, s.query) if m is not None}
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas["path parameters"] = json.dumps([p["schema"] for item in doc["paths"].values()
                                             for op in item.values()
                                             for p in op.get("parameters", [])])
    unbounded = []
    for name, schema in schemas.items():
        for match in re.finditer(r'\{[^{}]*"type": "integer"[^{}]*\}', schema):
            item = json.loads(match.group())
            if not (-(2**63) <= item.get("minimum", -(2**64)) and
                    item.get("maximum", 2**64) <= INT64_MAX):
                unbounded.append((name, match.group()))
    assert unbounded == []


@pytest.fixture(scope="module")
def desk(app: Any, db: Database) -> tuple[Member, Database, int]:
    """A tenant whose only conversation has id 1 (the issue's attack queued into conversation 1)."""
    owner = register_owner(app.test_client(), "Desk")
    device = make.device(db, owner.tenant_id, name="Sim", jid="15550100001@s.whatsapp.net")
    make.messages(db, owner.tenant_id, [make.msg("A1", "Hi")], device_id=device)
    with db.tenant(owner.tenant_id) as conn:
        ids = [r["id"] for r in conn.execute("select id from conversations").fetchall()]
    assert ids == [1], ids
    return owner, db, 1


def _outbound(database: Database, tenant_id: int) -> int:
    with database.tenant(tenant_id) as conn:
        row = conn.execute("select count(*) as n from outbox").fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.parametrize("value", [True, "1", 1.0, [1], 2**64])
def test_a_boolean_conversation_id_queues_nothing(client: FlaskClient, desk: Any,
                                                  value: Any) -> None:
    owner, database, _ = desk
    before = _outbound(database, owner.tenant_id)
    r = client.post("/api/v1/messages/reply", headers=owner.headers,
                    json={"conversation_id": value, "text": "pwned"})
    assert "conversation_id" in fields_named(r)
    assert _outbound(database, owner.tenant_id) == before
    r = client.post("/api/v1/messages/reply", headers=owner.headers,  # the control: it works
                    json={"conversation_id": 1, "text": "hello"})
    assert r.status_code == 202, r.get_json()
    assert _outbound(database, owner.tenant_id) == before + 1


def test_socket_since_beyond_64_bits(client: FlaskClient, boss: Member) -> None:
    r = client.get(f"/api/v1/ws?token={boss.access}&since={2**64}")
    assert "since" in fields_named(r)


@pytest.mark.parametrize("spec", [s for s in ROUTES if "<int:" in s.path],
                         ids=lambda s: f"{s.method} {s.path}")
def test_path_ids_beyond_64_bits_are_unknown_ids(client: FlaskClient, boss: Member,
                                                 spec: EndpointSpec) -> None:
    for big in ("99999999999999999999", str(INT64_MAX + 1)):
        r = client.open(path_of(spec, big), method=spec.method.upper(), headers=boss.headers,
                        json={} if spec.body else None)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = client.open(path_of(spec, str(INT64_MAX)), method=spec.method.upper(),
                    headers=boss.headers, json={} if spec.body else None)
    error_of(r)  # the largest bigint is an id like any other: reaches the service, never a 500


def test_dashboard_path_ids_beyond_64_bits(client: FlaskClient) -> None:
    # Not a conversation route (the id is beyond 64 bits): the app's own not-found page, which
    # sends a browser without a session to sign in first (never a 500 or the API's JSON).
    r = client.get("/app/conversations/99999999999999999999")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    client.set_cookie("access_token_cookie", "x")
    r = client.get("/app/conversations/99999999999999999999")
    assert r.status_code == 404 and r.mimetype == "text/html"
