"""Configurations and queries that used to be accepted and then quietly did the wrong thing.

A monthly budget on a model nobody can price (refused at create/PATCH; when it still exists it
is `misconfigured` in health and its refusal says why), statistics ranges backwards, unpriced
aggregates that read as free, and naive datetimes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, register_owner
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import URGENT, seed_messages
from tests.webapp.llm.test_support import app_db as _db
from tests.webapp.llm.test_support import ok as _ok

UNKNOWN_MODEL = "mystery-model-9000"  # in neither the project's price table nor litellm's map
PRICE_FIELDS = {"price_input_per_mtok", "price_output_per_mtok"}


def _provider(client: FlaskClient, who: Member, fake: FakeLLMServer, name: str,
              **over: Any) -> Any:
    body = {"name": name, "kind": "openai_compatible", "model": UNKNOWN_MODEL,
            "api_base": fake.openai_base, "api_key": "sk-validation-0123456789", **over}
    return client.post("/api/v1/llm/providers", headers=who.headers, json=body)


def _unprice(app: Flask, tenant_id: int, provider_id: int) -> None:
    """What a price-table change does to an existing provider (the API refuses to)."""
    with _db(app).tenant(tenant_id) as conn:
        conn.execute("update llm_providers set price_input_per_mtok = null,"
                     " price_output_per_mtok = null where id = %s", (provider_id,))


def test_a_budget_without_a_known_price_is_refused_at_create_and_patch(
    client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Budget Validation")
    r = _provider(client, owner, fake, "Self-hosted", monthly_budget_usd="20")
    err = r.get_json()["error"]
    assert r.status_code == 422 and err["code"] == "budget_needs_price"
    assert set(err["details"]["fields"]) == PRICE_FIELDS
    assert UNKNOWN_MODEL in err["message"] and "price_input_per_mtok" in err["message"]

    priced = _ok(_provider(client, owner, fake, "Priced", monthly_budget_usd="20",
                           price_input_per_mtok="0.5", price_output_per_mtok="1.5"), 201)
    no_budget = _ok(_provider(client, owner, fake, "No budget"), 201)  # unpriced is fine
    default_model = _ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "OpenAI", "kind": "openai", "api_key": "sk-openai-0123456789",
        "monthly_budget_usd": "5"}), 201)  # gpt-4-turbo: priced by the project's table
    assert default_model["model"] == "gpt-4-turbo"

    for pid, change in [
        (priced["id"], {"price_input_per_mtok": None, "price_output_per_mtok": None}),
        (no_budget["id"], {"monthly_budget_usd": "10"}),
        (default_model["id"], {"model": UNKNOWN_MODEL}),
    ]:
        r = client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers, json=change)
        assert r.status_code == 422, (change, r.get_json())  # 400 was a valid-body refusal
        assert r.get_json()["error"]["code"] == "budget_needs_price"
    both = {"monthly_budget_usd": "10", "price_input_per_mtok": "1",
            "price_output_per_mtok": "2"}
    _ok(client.patch(f"/api/v1/llm/providers/{no_budget['id']}", headers=owner.headers,
                     json=both))


def test_a_budgeted_provider_that_lost_its_price_says_so(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Lost Price")
    prov = _ok(_provider(client, owner, fake, "Was priced", monthly_budget_usd="20",
                         price_input_per_mtok="0.5", price_output_per_mtok="1.5"), 201)
    health = _ok(client.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert health[0]["status"] == "unknown" and health[0]["problem"] is None
    _unprice(app, owner.tenant_id, prov["id"])

    health = _ok(client.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert health[0]["status"] == "misconfigured"
    assert "price_input_per_mtok" in health[0]["problem"]

    test = _ok(client.post(f"/api/v1/llm/providers/{prov['id']}/test", headers=owner.headers))
    assert (test["ok"], test["status"], test["reason"]) == (False, "skipped", "budget_unpriced")
    assert UNKNOWN_MODEL in test["error_message"] and "monthly_budget_usd" in test["error_message"]
    assert set(test["details"]["fields"]) == PRICE_FIELDS
    assert not fake.requests

    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=owner.headers, json={"provider_id": prov["id"]}), 201)
    ids = seed_messages(_db(app), owner.tenant_id, [URGENT])
    out = _ok(client.post("/api/v1/messages/analyze", headers=owner.headers,
                          json={"message_id": ids[0]}))
    skipped, local = out["attempts"]
    assert skipped["reason"] == "budget_unpriced" and "price" in skipped["error_message"]
    assert local["kind"] == "local" and local["status"] == "ok"

    # Deactivating (or renaming) a misconfigured provider stays possible.
    _ok(client.patch(f"/api/v1/llm/providers/{prov['id']}", headers=owner.headers,
                     json={"active": False}))
    health = _ok(client.get("/api/v1/llm/health", headers=owner.headers))["data"]
    assert health[0]["status"] == "inactive"


def test_a_backwards_range_is_a_400_naming_the_field(client: FlaskClient) -> None:
    owner = register_owner(client, "Backwards")
    for path in ("usage", "costs", "providers/comparison", "analytics/cost-breakdown",
                 "analytics/usage-by-feature", "recommendations"):
        r = client.get(f"/api/v1/llm/{path}?from=2030-01-01&to=2020-01-01",
                       headers=owner.headers)
        assert r.status_code == 400, (path, r.get_json())
        assert set(r.get_json()["error"]["details"]["fields"]) == {"to"}, path
    _ok(client.get("/api/v1/llm/usage?from=2026-01-01&to=2026-01-01", headers=owner.headers))


def test_unpriced_calls_never_read_as_free(
    app: Flask, client: FlaskClient, fake: FakeLLMServer
) -> None:
    owner = register_owner(client, "Unpriced")
    fake.usage = (1000, 100)
    free = _ok(_provider(client, owner, fake, "Unpriced"), 201)
    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=owner.headers, json={"provider_id": free["id"]}), 201)
    ids = seed_messages(_db(app), owner.tenant_id, ["hello", "where is order 7?"])
    for i in ids:
        _ok(client.post("/api/v1/messages/analyze", headers=owner.headers,
                        json={"message_id": i}))

    usage = _ok(client.get("/api/v1/llm/usage", headers=owner.headers))
    assert all(row["cost_usd"] is None and row["unpriced"] for row in usage["data"])
    assert usage["totals"]["cost_usd"] is None and usage["totals"]["unpriced_requests"] == 2
    assert [d["cost_usd"] for d in usage["by_day"]] == [None]
    costs = _ok(client.get("/api/v1/llm/costs", headers=owner.headers))
    assert costs["total_usd"] is None and costs["unpriced_requests"] == 2
    assert costs["month_to_date_usd"] is None and costs["projected_month_end_usd"] is None
    assert costs["month_to_date_unpriced_requests"] == 2
    assert [(g["cost_usd"], g["unpriced_requests"]) for g in costs["by_provider"]] == [(None, 2)]
    compared = _ok(client.get("/api/v1/llm/providers/comparison", headers=owner.headers))
    row = next(c for c in compared["data"] if c["provider_id"] == free["id"])
    assert (row["cost_usd"], row["unpriced_requests"]) == (None, 2)
    assert row["month_to_date_usd"] is None and row["month_to_date_unpriced_requests"] == 2
    by_feature = _ok(client.get("/api/v1/llm/analytics/usage-by-feature",
                                headers=owner.headers))["data"]
    assert [(f["cost_usd"], f["unpriced_requests"]) for f in by_feature] == [(None, 2)]
    breakdown = _ok(client.get("/api/v1/llm/analytics/cost-breakdown",
                               headers=owner.headers))["data"]
    assert [b["cost_usd"] for b in breakdown] == [None]

    # One priced call beside them: the sum is the priced part, the count says it is partial.
    priced = _ok(_provider(client, owner, fake, "Priced", price_input_per_mtok="1",
                           price_output_per_mtok="10"), 201)
    _ok(client.post(f"/api/v1/llm/providers/{priced['id']}/test", headers=owner.headers))
    costs = _ok(client.get("/api/v1/llm/costs", headers=owner.headers))
    assert costs["total_usd"] == "0.002000" and costs["unpriced_requests"] == 2
    assert costs["month_to_date_usd"] == "0.002000"
    assert {g["feature"]: g["cost_usd"] for g in costs["by_feature"]} == {
        "importance_detection": None, "health_check": "0.002000"}


def test_times_without_a_time_zone_are_refused(app: Flask, client: FlaskClient) -> None:
    owner = register_owner(client, "Naive Times")
    ids = seed_messages(_db(app), owner.tenant_id, ["hello"])
    with _db(app).tenant(owner.tenant_id) as conn:
        row = conn.execute("select conversation_id from messages where id = %s",
                           (ids[0],)).fetchone()
    assert row is not None
    for path, body in [
        ("/api/v1/messages/batch-analyze", {"since": "2026-11-25T09:02:00"}),
        ("/api/v1/conversations/summarize", {"conversation_id": row["conversation_id"],
                                             "since": "2026-11-25T09:02:00"}),
    ]:
        r = client.post(path, headers=owner.headers, json=body)
        assert r.status_code == 400, (path, r.get_json())
        assert "time zone" in r.get_json()["error"]["details"]["fields"]["since"]
    summary = _ok(client.post("/api/v1/conversations/summarize", headers=owner.headers,
                              json={"conversation_id": row["conversation_id"],
                                    "since": "2000-01-01T00:00:00+01:00"}), 201)
    assert summary["message_count"] == 1
