"""Defects the schemathesis passes found, each pinned (they failed before their fix)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Member, register_owner


@pytest.fixture(scope="module")
def boss(app: Any) -> Member:
    return register_owner(app.test_client(), "Findings")


def _fields(r: Any) -> dict[str, str]:
    assert r.status_code == 400, (r.status_code, r.get_json())
    return dict(r.get_json()["error"]["details"]["fields"])


@pytest.mark.parametrize("value", ["0", "1700000000", "20261125", "2026-1-5", "2026-02-30"])
def test_a_day_is_written_as_a_day(client: FlaskClient, boss: Member, value: str) -> None:
    """`to=0` was read as 1970-01-01 (seconds since the epoch) and answered 200."""
    r = client.get(f"/api/v1/llm/costs?to={value}", headers=boss.headers)
    assert "to" in _fields(r)


def test_days_the_schema_allows_are_accepted(client: FlaskClient, boss: Member) -> None:
    r = client.get("/api/v1/llm/costs?from=1970-01-01&to=2100-12-31", headers=boss.headers)
    assert r.status_code == 200, r.get_json()


@pytest.mark.parametrize("value", ["0", "1700000000"])
def test_a_time_is_written_as_a_time(client: FlaskClient, boss: Member, value: str) -> None:
    r = client.post("/api/v1/messages/batch-analyze", headers=boss.headers,
                    json={"since": value})
    assert "since" in _fields(r)
    r = client.get(f"/api/v1/audit-logs?since={value}", headers=boss.headers)
    assert "since" in _fields(r)


def test_a_valid_time_in_a_strict_body_is_accepted(client: FlaskClient, boss: Member) -> None:
    r = client.post("/api/v1/messages/batch-analyze", headers=boss.headers,
                    json={"since": "2000-01-01T00:00:00Z"})
    assert r.status_code == 202, r.get_json()


@pytest.mark.parametrize("label", ["²", "١", "9" * 40])
def test_label_filters_that_look_like_numbers(client: FlaskClient, boss: Member,
                                              label: str) -> None:
    """`label=²` passed str.isdigit() and crashed int() with a 500."""
    r = client.get("/api/v1/conversations", headers=boss.headers, query_string={"label": label})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"] == []


def test_a_timeout_the_database_would_round_to_zero(client: FlaskClient,
                                                    boss: Member) -> None:
    """0.01 s passed `gt=0`, then numeric(6,1) stored 0.0 and the check constraint answered a
    400 that named no field."""
    r = client.post("/api/v1/llm/providers", headers=boss.headers,
                    json={"name": "L", "kind": "local", "timeout_s": 0.01})
    assert "timeout_s" in _fields(r)
    r = client.post("/api/v1/llm/providers", headers=boss.headers,
                    json={"name": "L", "kind": "local", "timeout_s": 0.1})
    assert r.status_code == 201, r.get_json()
    r = client.patch(f"/api/v1/llm/providers/{r.get_json()['id']}", headers=boss.headers,
                     json={"timeout_s": 0.04})
    assert "timeout_s" in _fields(r)


def test_a_label_name_with_a_line_separator_is_refused(client: FlaskClient,
                                                       boss: Member) -> None:
    r = client.post("/api/v1/labels", headers=boss.headers, json={"name": "a\u2028b"})
    assert "name" in _fields(r)
    r = client.post("/api/v1/labels", headers=boss.headers, json={"name": "１２"})  # not ASCII
    assert r.status_code == 201, r.get_json()


def test_the_document_states_the_rules_between_fields(client: FlaskClient) -> None:
    """Rules the validators enforce are in the schemas (the fuzzing sent bodies the schema
    allowed and the API refused)."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert len(schemas["BatchAnalyzeRequest"]["oneOf"]) == 3
    assert len(schemas["RegisterRequest"]["oneOf"]) == 2
    assert schemas["ExtractActionsRequest"]["allOf"]
    assert len(schemas["ProviderCreate"]["allOf"]) == 5
    assert schemas["DeviceRequest"]["then"]
    assert "null" not in str(schemas["LabelChange"]["properties"]["name"])
    assert schemas["ConversationChange"]["minProperties"] == 1




@pytest.mark.parametrize(("value", "stored"), [(83076656.93278776, "83076656.932788"),
                                               ("12.5", "12.500000"), (0, "0.000000")])
def test_usd_amounts(client: FlaskClient, boss: Member, value: Any, stored: str) -> None:
    """A JSON number with more than 6 places was refused although the schema allowed it; a
    number is now rounded to 6 places, a string must have at most 6."""
    r = client.post("/api/v1/llm/providers", headers=boss.headers,
                    json={"name": f"L{stored}", "kind": "local", "monthly_budget_usd": value})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["monthly_budget_usd"] == stored


@pytest.mark.parametrize("value", ["", "1.1234567", "1e3", " 1", True, -1, 100000001,
                                   100000000, "100000000"])
def test_usd_amounts_refused(client: FlaskClient, boss: Member, value: Any) -> None:
    """`""` passed the schema (a bare string) and was refused; 100000000, the documented
    maximum, overflowed the numeric(14, 6) column: a 500."""
    r = client.post("/api/v1/llm/providers", headers=boss.headers,
                    json={"name": "Refused", "kind": "local", "monthly_budget_usd": value})
    assert "monthly_budget_usd" in _fields(r)


def test_an_email_with_a_next_line_character(client: FlaskClient) -> None:
    """U+0085 is whitespace to Python's `\\s` but not to JSON Schema's: the pattern spells the
    characters out so both refuse it."""
    r = client.post("/api/v1/auth/register", json={
        "email": "k\u0085@example.com", "password": "correct horse battery", "name": "K",
        "tenant_name": "T"})
    assert "email" in _fields(r)


def test_the_largest_budget_fits_its_column(client: FlaskClient, boss: Member) -> None:
    r = client.post("/api/v1/llm/providers", headers=boss.headers,
                    json={"name": "Max", "kind": "local", "monthly_budget_usd": "99999999.999999"})
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/whatsapp/devices", {"display_name": "\t", "kind": "simulator"}, "display_name"),
    ("/api/v1/labels", {"name": " \u3000 "}, "name"),
    ("/api/v1/llm/providers", {"name": "\u2003", "kind": "local"}, "name"),
])
def test_blank_text_is_refused_and_the_schema_says_so(client: FlaskClient, boss: Member,
                                                      path: str, body: dict[str, Any],
                                                      field: str) -> None:
    """Blank text passed `minLength: 1` in the schema, then stripping left nothing (400)."""
    assert field in _fields(client.post(path, headers=boss.headers, json=body))
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    model = {"/api/v1/whatsapp/devices": "DeviceRequest", "/api/v1/labels": "LabelCreate",
             "/api/v1/llm/providers": "ProviderCreate"}[path]
    assert "pattern" in schemas[model]["properties"][field]


def test_a_blank_search(client: FlaskClient, boss: Member) -> None:
    """`q=%C2%A0` (a no-break space) passed the schema and was refused as empty."""
    r = client.get("/api/v1/messages/search?q=%C2%A0", headers=boss.headers)
    assert "q" in _fields(r)
    schemas = client.get("/api/v1/openapi.json").get_json()
    q = next(p for p in schemas["paths"]["/api/v1/messages/search"]["get"]["parameters"]
             if p["name"] == "q")
    assert "pattern" in q["schema"]
