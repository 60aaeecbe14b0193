"""Hostile input on every route: a 4xx in the one envelope, never a 500 (issue 10: 1.3, 1.6, 2.2).

The walks read webapp.http.api.REGISTRY, so a new route or field is attacked without touching this
file: NUL in every string (body, query, path, header), booleans / strings / 2**64 in every integer,
loose spellings of integers in query strings, deep JSON everywhere. The explicit cases are the
issue's own: login and register unauthenticated, a boolean as the reply's conversation id (nothing
queued), the seven LLM date-range endpoints, forged cursors on every paginated list, ids beyond
64 bits in paths.
"""

from __future__ import annotations

import base64
import json
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

import webapp.app  # noqa: F401 - registers every blueprint's routes in REGISTRY
from tests.webapp.conftest import PASSWORD, Member, register_owner
from webapp.db import Database
from webapp.http.api import REGISTRY, EndpointSpec
from webapp.messaging.service import ingest
from webapp.realtime.frames import BadFrame, parse_client_frame

INT64_MAX = 2**63 - 1
ROUTES = [s for s in REGISTRY if s.path.startswith("/api/")]
DATE_RANGE_ROUTES = [s for s in ROUTES if s.query is not None and "to" in
                     {f.alias or n for n, f in s.query.model_fields.items()}]
PAGED_ROUTES = [s for s in ROUTES if s.query is not None and "cursor" in s.query.model_fields]


def _error(r: Any) -> dict[str, Any]:
    """The envelope's error (asserting the shape and that it is not a 500)."""
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:500])
    assert r.mimetype == "application/json", r.get_data(as_text=True)[:200]
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def _fields(r: Any) -> dict[str, str]:
    err = _error(r)
    assert r.status_code == 400, (r.status_code, err)
    fields: dict[str, str] = err["details"].get("fields", {})
    return fields


def _url(spec: EndpointSpec, int_arg: str = "1") -> str:
    """The route's path with every `<int:x>` set to int_arg and every other argument filled."""
    path = re.sub(r"<int:\w+>", int_arg, spec.path)
    return re.sub(r"<\w+>", "analysis", path)


def _kinds(annotation: Any) -> set[Any]:
    """The scalar types a field accepts (through Optional, unions, lists and Annotated)."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return _kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_kinds(a) for a in get_args(annotation) if a is not type(None)))
    if origin is Literal:
        return {str}
    return {annotation}


def _fields_of(model: type[BaseModel] | None, kind: type | None = None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()
            if kind is None or kind in _kinds(f.annotation)]


def _is_list(model: type[BaseModel], field: str) -> bool:
    for name, f in model.model_fields.items():
        if (f.alias or name) == field:
            return "list[" in str(f.annotation)
    raise KeyError(field)


def _cases(kind: type | None, where: str) -> list[Any]:
    return [pytest.param(spec, field, id=f"{spec.method} {spec.path} {field}")
            for spec in ROUTES for field in _fields_of(getattr(spec, where), kind)]


def _send(client: FlaskClient, spec: EndpointSpec, who: Member | None, *, body: Any = None,
          query: str = "", raw: bytes | None = None) -> Any:
    headers = who.headers if who is not None and spec.auth else {}
    url = _url(spec) + (f"?{query}" if query else "")
    if raw is not None:
        return client.open(url, method=spec.method.upper(), data=raw, headers=headers,
                           content_type="application/json")
    return client.open(url, method=spec.method.upper(), json=body, headers=headers)


@pytest.fixture(scope="module")
def boss(app: Any) -> Member:
    """One owner (every permission) shared by the walks."""
    return register_owner(app.test_client(), "Hostile Input")


# -- 1.3: NUL is a 400 naming the field, everywhere --------------------------------------------
@pytest.mark.parametrize(("spec", "field"), _cases(None, "body"))
def test_nul_in_any_body_field_is_a_400_naming_it(client: FlaskClient, boss: Member,
                                                  spec: EndpointSpec, field: str) -> None:
    fields = _fields(_send(client, spec, boss, body={field: "a\u0000b"}))
    assert fields == {field: "must not contain NUL characters"}


@pytest.mark.parametrize(("spec", "field"), _cases(None, "query"))
def test_nul_in_any_query_parameter_is_a_400_naming_it(client: FlaskClient, boss: Member,
                                                       spec: EndpointSpec, field: str) -> None:
    fields = _fields(_send(client, spec, boss, query=f"{field}=a%00b"))
    assert fields == {field: "must not contain NUL characters"}


def test_nul_in_keys_nested_values_and_list_items_names_the_path(client: FlaskClient,
                                                                 boss: Member) -> None:
    r = client.post("/api/v1/audit-logs", headers=boss.headers, json={
        "action": "export.csv", "details": {"rows": [1, {"note": "x\u0000"}], "ok\u0000": 1}})
    assert _fields(r) == {"details.rows.1.note": "must not contain NUL characters",
                          "details.ok\\u0000": "must not contain NUL characters"}
    r = client.get("/api/v1/conversations?st%00atus=open", headers=boss.headers)
    assert _fields(r) == {"st\\u0000atus": "must not contain NUL characters"}


def test_unpaired_surrogates_are_refused_like_nul(client: FlaskClient, boss: Member) -> None:
    raw = b'{"action": "export.csv", "target_id": "\\ud800"}'
    r = client.post("/api/v1/audit-logs", headers=boss.headers, data=raw,
                    content_type="application/json")
    assert _fields(r) == {"target_id": "must not contain unpaired surrogates"}


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_unauthenticated_login_and_register_with_nul(client: FlaskClient, path: str) -> None:
    body = {"email": "a@b.co", "password": PASSWORD, "name": "N", "tenant_name": "T"}
    if path.endswith("login"):
        body = {"email": "a@b.co", "password": PASSWORD}
    for field in body:
        r = client.post(path, json={**body, field: body[field] + "\u0000"})
        assert _fields(r) == {field: "must not contain NUL characters"}


def test_routes_not_declared_with_endpoint_are_covered(client: FlaskClient, boss: Member) -> None:
    r = client.post("/api/v1/auth/refresh", json={"use_cookies": "\u0000"})
    assert _fields(r) == {"use_cookies": "must not contain NUL characters"}
    r = client.get(f"/api/v1/ws?token={boss.access}&since=%00")
    assert _fields(r) == {"since": "must not contain NUL characters"}
    assert _fields(client.get("/login?next=/app%00")) == {
        "next": "must not contain NUL characters"}
    assert _fields(client.get("/app/conversations?x=%00")) == {
        "x": "must not contain NUL characters"}


def test_nul_in_the_path_and_in_headers(client: FlaskClient, boss: Member) -> None:
    r = client.get("/api/v1/llm/features/analysis%00/providers", headers=boss.headers)
    assert _fields(r) == {"path": "must not contain NUL characters"}
    r = client.post("/api/v1/auth/login", json={"email": "a@b.co", "password": PASSWORD},
                    headers={"User-Agent": "curl\x00/8"})
    assert _fields(r) == {"headers.User-Agent": "must not contain NUL characters"}


# -- 1.6: ids and numbers are strict ------------------------------------------------------------
NOT_INTEGERS: list[Any] = [True, False, "1", 1.0, 1.5, 2**64, -(2**64), INT64_MAX + 1, 10**400,
                           {"id": 1}]


@pytest.mark.parametrize(("spec", "field"), _cases(int, "body"))
def test_integer_body_fields_take_only_json_integers_within_64_bits(
        client: FlaskClient, boss: Member, spec: EndpointSpec, field: str) -> None:
    assert spec.body is not None
    for value in NOT_INTEGERS:
        sent = [value] if _is_list(spec.body, field) else value
        fields = _fields(_send(client, spec, boss, body={field: sent}))
        assert any(k == field or k.startswith(field + ".") for k in fields), (value, fields)


@pytest.mark.parametrize(("spec", "field"), _cases(bool, "body"))
def test_boolean_body_fields_take_only_json_booleans(client: FlaskClient, boss: Member,
                                                     spec: EndpointSpec, field: str) -> None:
    for value in (1, 0, "true", "yes", "false"):
        fields = _fields(_send(client, spec, boss, body={field: value}))
        assert field in fields, (value, fields)


LOOSE_INTEGERS = ["true", "1.5", "1.0", "1e3", " 1", "1 ", "+1", "1_0", "0x1", "01",
                  str(2**64), str(-(2**64)), str(INT64_MAX + 1), "\u0661", ""]


@pytest.mark.parametrize(("spec", "field"), _cases(int, "query"))
def test_integer_query_parameters_are_plain_decimal_digits(
        client: FlaskClient, boss: Member, spec: EndpointSpec, field: str) -> None:
    for value in LOOSE_INTEGERS:
        q = f"{field}={quote(value, safe='')}"
        fields = _fields(_send(client, spec, boss, query=q))
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
def desk(app: Any, database_url: str) -> tuple[Member, Database, int]:
    """A tenant whose only conversation has id 1 (the issue's attack queued into conversation 1)."""
    owner = register_owner(app.test_client(), "Desk")
    database = Database(database_url, min_size=1, max_size=2)
    database.open()
    with database.tenant(owner.tenant_id) as conn:
        device = conn.execute("insert into devices (tenant_id, kind, display_name, status, jid) "
                              "values (mf_current_tenant(), 'simulator', 'Sim', 'connected', "
                              "'15550100001@s.whatsapp.net') returning id").fetchone()
    assert device is not None
    ingest(database, owner.tenant_id, [{
        "kind": "message", "id": "A1", "chat": "5511999990001@s.whatsapp.net",
        "sender": "5511999990001@s.whatsapp.net", "sender_name": "Ana", "text": "Hi",
        "timestamp": "2026-11-25T09:00:00+00:00"}], device_id=device["id"])
    with database.tenant(owner.tenant_id) as conn:
        ids = [r["id"] for r in conn.execute("select id from conversations").fetchall()]
    assert ids == [1], ids
    return owner, database, 1


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
    assert "conversation_id" in _fields(r)
    assert _outbound(database, owner.tenant_id) == before
    r = client.post("/api/v1/messages/reply", headers=owner.headers,  # the control: it works
                    json={"conversation_id": 1, "text": "hello"})
    assert r.status_code == 202, r.get_json()
    assert _outbound(database, owner.tenant_id) == before + 1


def test_socket_since_beyond_64_bits(client: FlaskClient, boss: Member) -> None:
    r = client.get(f"/api/v1/ws?token={boss.access}&since={2**64}")
    assert "since" in _fields(r)


@pytest.mark.parametrize("spec", [s for s in ROUTES if "<int:" in s.path],
                         ids=lambda s: f"{s.method} {s.path}")
def test_path_ids_beyond_64_bits_are_unknown_ids(client: FlaskClient, boss: Member,
                                                 spec: EndpointSpec) -> None:
    for big in ("99999999999999999999", str(INT64_MAX + 1)):
        r = client.open(_url(spec, big), method=spec.method.upper(), headers=boss.headers,
                        json={} if spec.body else None)
        assert r.status_code == 404 and _error(r)["code"] == "not_found"
    r = client.open(_url(spec, str(INT64_MAX)), method=spec.method.upper(),
                    headers=boss.headers, json={} if spec.body else None)
    _error(r)  # the largest bigint is an id like any other: reaches the service, never a 500


def test_dashboard_path_ids_beyond_64_bits(client: FlaskClient) -> None:
    r = client.get("/app/conversations/99999999999999999999")
    assert r.status_code == 404 and _error(r)["code"] == "not_found"


# -- 2.2: bad numbers, dates, cursors, deep JSON, long URLs -------------------------------------
def test_the_seven_date_range_endpoints_are_found() -> None:
    assert len(DATE_RANGE_ROUTES) == 7, [s.path for s in DATE_RANGE_ROUTES]


@pytest.mark.parametrize("spec", DATE_RANGE_ROUTES, ids=lambda s: s.path)
def test_dates_outside_the_accepted_range_are_a_400(client: FlaskClient, boss: Member,
                                                    spec: EndpointSpec) -> None:
    for query, field in [("to=9999-12-31", "to"), ("to=0001-01-05", "to"),
                         ("from=0001-01-01", "from"), ("from=9999-12-31", "from"),
                         ("from=1969-12-31", "from"), ("to=2101-01-01", "to")]:
        assert field in _fields(_send(client, spec, boss, query=query)), query
    ok = _send(client, spec, boss, query="from=1970-01-01&to=2100-12-31")
    assert ok.status_code in (200, 404), ok.get_json()  # 404: provider 1 is not the tenant's


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


FORGED_CURSORS = [
    "%%%", "\u00e9\u00e9\u00e9\u00e9", "e30", _cursor([]), _cursor("x"), _cursor(7), _cursor({}),
    _cursor({"id": "7"}), _cursor({"id": True}), _cursor({"id": 1.5}), _cursor({"id": -1}),
    _cursor({"id": 0}), _cursor({"id": 2**64}), _cursor({"id": 10**300}),
    _cursor({"id": INT64_MAX + 1}), _cursor({"after_id": 2**64}),
    _cursor({"after_id": "x"}), _cursor({"at": 5, "id": 1}), _cursor({"at": "x", "id": 1}),
    _cursor({"rank": "x", "id": 1}), _cursor({"rank": 10**308 * 10, "id": 1}),
    _cursor({"rank": True, "id": 1}), _cursor({"id": [1]}), _cursor({"id": {"id": 1}}),
    base64.urlsafe_b64encode(b"[" * 300 + b"]" * 300).decode(),
    base64.urlsafe_b64encode(b'{"id": NaN}').decode(),
    base64.urlsafe_b64encode(b'{"rank": Infinity, "id": 1}').decode(),
    "A" * 5000,
]


@pytest.mark.parametrize("spec", PAGED_ROUTES, ids=lambda s: s.path)
def test_forged_cursors_are_a_400_naming_cursor(client: FlaskClient, boss: Member,
                                                spec: EndpointSpec) -> None:
    base = "q=hello&" if "q" in _fields_of(spec.query) and spec.path.endswith("search") else ""
    for cursor in FORGED_CURSORS:
        r = _send(client, spec, boss, query=base + "cursor=" + cursor.replace("%", "%25"))
        assert "cursor" in _fields(r), cursor


def test_paged_lists_are_the_five_known_ones() -> None:
    assert {s.path for s in PAGED_ROUTES} == {
        "/api/v1/audit-logs", "/api/v1/llm/usage", "/api/v1/conversations",
        "/api/v1/conversations/<int:conversation_id>/messages", "/api/v1/messages/search"}


DEEP = [b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b"[" * 100_000 + b"]" * 100_000, b"[" * 65 + b"]" * 65, b"[" * 100_000]


@pytest.mark.parametrize("spec", ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_deep_json_is_a_400_on_every_route(client: FlaskClient, boss: Member,
                                           spec: EndpointSpec) -> None:
    for raw in DEEP:
        r = _send(client, spec, boss, raw=raw)
        assert r.status_code == 400 and _error(r)["code"] == "too_deep", raw[:10]
        assert _error(r)["details"] == {"max_depth": 64}


def test_deep_json_unauthenticated_and_what_is_not_deep(client: FlaskClient) -> None:
    for path in ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"):
        r = client.post(path, data=b"[" * 1000 + b"]" * 1000, content_type="application/json")
        assert r.status_code == 400 and _error(r)["code"] == "too_deep"
    # Brackets inside strings (escaped quotes included) are text, not nesting.
    text = json.dumps({"email": "x\\\"" + "[" * 1000 + "@b.co", "password": "{" * 200})
    r = client.post("/api/v1/auth/login", data=text, content_type="application/json")
    assert r.status_code == 400 and _error(r)["code"] == "validation_error"
    r = client.post("/api/v1/auth/login", content_type="application/json",
                    data=b'{"email": "a@b.co", "password": "x", "p": ' + b"[" * 63 + b"]" * 63
                    + b"}")
    assert _fields(r) == {"p": "unknown field"}


@pytest.mark.parametrize("raw", DEEP[:3] + [b'{"type":"ping","x":' + b"[" * 5000 + b"]" * 5000
                                              + b"}"])
def test_deep_socket_frames_are_bad_frames(raw: bytes) -> None:
    with pytest.raises(BadFrame) as info:
        parse_client_frame(raw)
    assert info.value.code == "too_deep"
    assert parse_client_frame('{"type": "ping"}').type == "ping"


def test_a_url_longer_than_the_limit_is_a_414_envelope(client: FlaskClient, boss: Member) -> None:
    r = client.get("/api/v1/messages/search?q=" + "a" * 9000, headers=boss.headers)
    assert r.status_code == 414 and _error(r)["code"] == "uri_too_long"
    r = client.get("/" + "a" * 9000)
    assert r.status_code == 414 and _error(r)["code"] == "uri_too_long"
    # A 500-character search in a non-Latin script (4,500 bytes percent-encoded) still fits.
    r = client.get("/api/v1/messages/search?q=" + "%E4%BD%A0" * 500, headers=boss.headers)
    assert r.status_code == 200, r.get_json()


def test_numbers_beyond_float_range_in_bodies(client: FlaskClient, boss: Member) -> None:
    for value in (b"1e400", b"-1e400", b"NaN", b"Infinity", b"1" + b"0" * 400):
        raw = (b'{"name": "p", "kind": "local", "temperature": ' + value + b', "max_tokens": '
               + value + b', "monthly_budget_usd": ' + value + b"}")
        r = client.post("/api/v1/llm/providers", headers=boss.headers, data=raw,
                        content_type="application/json")
        assert set(_fields(r)) >= {"temperature", "max_tokens", "monthly_budget_usd"}, value
    # NaN and Infinity are not JSON (Python's parser takes them) and 1e400 overflows: wherever they
    # are, even in free-form details, they are named, not a database error without a field.
    for value in (b"1e400", b"NaN", b"-Infinity"):
        r = client.post("/api/v1/audit-logs", headers=boss.headers, content_type="application/json",
                        data=b'{"action": "export.csv", "details": {"x": [' + value + b"]}}")
        assert _fields(r) == {"details.x.0": "must be a finite number"}
