"""Bad numbers, dates, cursors, deep JSON and long URLs are a 4xx in the envelope, never a 500
(issue 10, 2.2): the seven LLM date-range endpoints, forged cursors on every paginated list, deep
JSON on every declared route (and login, refresh, socket frames), URLs over the limit."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Member, register_owner
from tests.webapp.http.hostile import (
    DATE_RANGE_ROUTES,
    INT64_MAX,
    PAGED_ROUTES,
    ROUTES,
    EndpointSpec,
    error_of,
    fields_named,
    fields_of,
    send,
)
from webapp.realtime.frames import BadFrame, parse_client_frame


@pytest.fixture(scope="module")
def boss(app: Any) -> Member:
    """One owner (every permission) shared by the walks."""
    return register_owner(app.test_client(), "Hostile Input")


# -- 2.2: bad numbers, dates, cursors, deep JSON, long URLs -------------------------------------
def test_the_seven_date_range_endpoints_are_found() -> None:
    assert len(DATE_RANGE_ROUTES) == 7, [s.path for s in DATE_RANGE_ROUTES]


@pytest.mark.parametrize("spec", DATE_RANGE_ROUTES, ids=lambda s: s.path)
def test_dates_outside_the_accepted_range_are_a_400(client: FlaskClient, boss: Member,
                                                    spec: EndpointSpec) -> None:
    for query, field in [("to=9999-12-31", "to"), ("to=0001-01-05", "to"),
                         ("from=0001-01-01", "from"), ("from=9999-12-31", "from"),
                         ("from=1969-12-31", "from"), ("to=2101-01-01", "to")]:
        assert field in fields_named(send(client, spec, boss, query=query)), query
    ok = send(client, spec, boss, query="from=1970-01-01&to=2100-12-31")
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
    base = "q=hello&" if "q" in fields_of(spec.query) and spec.path.endswith("search") else ""
    for cursor in FORGED_CURSORS:
        r = send(client, spec, boss, query=base + "cursor=" + cursor.replace("%", "%25"))
        assert "cursor" in fields_named(r), cursor


def test_paged_lists_are_the_known_ones() -> None:
    assert {s.path for s in PAGED_ROUTES} == {
        "/api/v1/audit-logs", "/api/v1/llm/usage", "/api/v1/conversations",
        "/api/v1/conversations/<int:conversation_id>/messages", "/api/v1/messages/search",
        "/api/v1/action-items", "/api/v1/action-items/<int:item_id>/comments",
        "/api/v1/notifications", "/api/v1/team/activity",
        "/api/v1/integrations/<int:integration_id>/deliveries", "/api/v1/contacts",
        "/api/v1/conversations/<int:conversation_id>/notes", "/api/v1/important-messages",
        "/api/v1/daily-summaries", "/api/v1/workflows/<int:workflow_id>/executions"}


DEEP = [b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b"[" * 100_000 + b"]" * 100_000, b"[" * 65 + b"]" * 65, b"[" * 100_000]


@pytest.mark.parametrize("spec", ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_deep_json_is_a_400_on_every_route(client: FlaskClient, boss: Member,
                                           spec: EndpointSpec) -> None:
    for raw in DEEP:
        r = send(client, spec, boss, raw=raw)
        assert r.status_code == 400 and error_of(r)["code"] == "too_deep", raw[:10]
        assert error_of(r)["details"] == {"max_depth": 64}


def test_deep_json_unauthenticated_and_what_is_not_deep(client: FlaskClient) -> None:
    for path in ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"):
        r = client.post(path, data=b"[" * 1000 + b"]" * 1000, content_type="application/json")
        assert r.status_code == 400 and error_of(r)["code"] == "too_deep"
    # Brackets inside strings (escaped quotes included) are text, not nesting.
    text = json.dumps({"email": "x\\\"" + "[" * 1000 + "@b.co", "password": "{" * 200})
    r = client.post("/api/v1/auth/login", data=text, content_type="application/json")
    assert r.status_code == 400 and error_of(r)["code"] == "validation_error"
    r = client.post("/api/v1/auth/login", content_type="application/json",
                    data=b'{"email": "a@b.co", "password": "x", "p": ' + b"[" * 63 + b"]" * 63
                    + b"}")
    assert fields_named(r) == {"p": "unknown field"}


@pytest.mark.parametrize("raw", DEEP[:3] + [b'{"type":"ping","x":' + b"[" * 5000 + b"]" * 5000
                                              + b"}"])
def test_deep_socket_frames_are_bad_frames(raw: bytes) -> None:
    with pytest.raises(BadFrame) as info:
        parse_client_frame(raw)
    assert info.value.code == "too_deep"
    assert parse_client_frame('{"type": "ping"}').type == "ping"


def test_a_url_longer_than_the_limit_is_a_414_envelope(client: FlaskClient, boss: Member) -> None:
    r = client.get("/api/v1/messages/search?q=" + "a" * 9000, headers=boss.headers)
    assert r.status_code == 414 and error_of(r)["code"] == "uri_too_long"
    r = client.get("/" + "a" * 9000)
    assert r.status_code == 414 and error_of(r)["code"] == "uri_too_long"
    # A 500-character search in a non-Latin script (4,500 bytes percent-encoded) still fits.
    r = client.get("/api/v1/messages/search?q=" + "%E4%BD%A0" * 500, headers=boss.headers)
    assert r.status_code == 200, r.get_json()


def test_numbers_beyond_float_range_in_bodies(client: FlaskClient, boss: Member) -> None:
    for value in (b"1e400", b"-1e400", b"NaN", b"Infinity", b"1" + b"0" * 400):
        raw = (b'{"name": "p", "kind": "local", "temperature": ' + value + b', "max_tokens": '
               + value + b', "monthly_budget_usd": ' + value + b"}")
        r = client.post("/api/v1/llm/providers", headers=boss.headers, data=raw,
                        content_type="application/json")
        assert set(fields_named(r)) >= {"temperature", "max_tokens", "monthly_budget_usd"}, value
    # NaN and Infinity are not JSON (Python's parser takes them) and 1e400 overflows: wherever they
    # are, even in free-form details, they are named, not a database error without a field.
    for value in (b"1e400", b"NaN", b"-Infinity"):
        r = client.post("/api/v1/audit-logs", headers=boss.headers, content_type="application/json",
                        data=b'{"action": "export.csv", "details": {"x": [' + value + b"]}}")
        assert fields_named(r) == {"details.x.0": "must be a finite number"}
