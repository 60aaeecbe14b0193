"""Providers over HTTP against the outbound policy: no SSRF with the answer reflected, and no
stored key sent to a new host without giving the key again (issue 10, items 1.1 and 1.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Member
from tests.fakes.fixtures import allow_outbound
from tests.fakes.llm_server import Canned, FakeLLMServer
from tests.webapp.llm.test_outbound_llm import LEAKS, METADATA
from tests.webapp.llm.test_support import as_owner, ok

KEY = "sk-tenant-SECRET-0123456789abcdef"
NEW_KEY = "sk-rotated-SECRET-99998888"


def _create(client: FlaskClient, who: Member, api_base: str, **over: Any) -> Any:
    body = {"name": "Local LLM", "kind": "openai_compatible", "model": "qwen2.5-7b",
            "api_base": api_base, "api_key": KEY, "timeout_s": 5}
    body.update(over)
    return client.post("/api/v1/llm/providers", headers=who.headers, json=body)


def _test(client: FlaskClient, who: Member, pid: int) -> Any:
    return ok(client.post(f"/api/v1/llm/providers/{pid}/test", headers=who.headers))


def _ledger(database_url: str, tenant_id: int) -> list[tuple[Any, ...]]:
    return as_owner(database_url, "select status, error_class, error_message from "
                    "llm_usage_logs where tenant_id = %s order by id", (tenant_id,))


# -- 1.1 SSRF ----------------------------------------------------------------------------------
@pytest.mark.parametrize("api_base", [
    "http://127.0.0.2:8080/v1", "http://169.254.169.254/latest", "http://[::1]:11434/v1",
    "http://[::ffff:10.0.0.1]/v1", "http://10.0.0.1/v1", "http://0.0.0.0:80/v1",
    "http://2130706434/v1", "http://0x7f000002/v1", "ftp://example.com/v1",
    "http://user:pw@example.com/v1"])
def test_refused_api_base_is_a_400_naming_it(client: FlaskClient, owner: Member,
                                             api_base: str) -> None:
    r = _create(client, owner, api_base)
    assert r.status_code == 400, r.get_json()
    assert "api_base" in r.get_json()["error"]["details"]["fields"]
    assert ok(client.get("/api/v1/llm/providers", headers=owner.headers))["data"] == []


def test_patch_to_a_refused_api_base_is_a_400(client: FlaskClient, owner: Member,
                                              fake: FakeLLMServer) -> None:
    pid = ok(_create(client, owner, fake.openai_base), 201)["id"]
    r = client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                     json={"api_base": "http://169.254.169.254/v1", "api_key": NEW_KEY})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "api_base_refused"
    assert "api_base" in r.get_json()["error"]["details"]["fields"]
    got = ok(client.get(f"/api/v1/llm/providers/{pid}", headers=owner.headers))
    assert got["api_base"] == fake.openai_base and got["api_key_hint"] == "sk-…cdef"


def test_a_name_resolving_to_a_refused_address_is_refused_when_called(
        client: FlaskClient, owner: Member, outside: FakeLLMServer, database_url: str) -> None:
    outside.canned = Canned(200, METADATA)

    def resolver(host: str, port: int) -> list[str]:
        return {"llm.attacker.test": ["127.0.0.2"]}[host]

    with allow_outbound("127.0.0.1", resolver=resolver):
        prov = ok(_create(client, owner, f"http://llm.attacker.test:{outside.port}/v1"), 201)
        test = _test(client, owner, prov["id"])
        bulk = ok(client.post("/api/v1/llm/bulk-test", headers=owner.headers))
    assert not test["ok"] and test["reason"] == "OutboundRefused"
    assert "llm.attacker.test resolves to a loopback address" in test["error_message"]
    assert "127.0.0.2" not in test["error_message"]
    assert bulk["data"][0]["reason"] == "OutboundRefused"
    assert outside.requests == []  # the key never left, the metadata never came back
    assert [row[1] for row in _ledger(database_url, owner.tenant_id)] == ["OutboundRefused"] * 2


def test_a_response_body_reaches_no_api_response_and_no_ledger_row(
        client: FlaskClient, owner: Member, fake: FakeLLMServer, database_url: str) -> None:
    pid = ok(_create(client, owner, fake.openai_base), 201)["id"]
    seen = []
    for status in (200, 400, 401, 403, 404, 500, 502):
        fake.canned = Canned(status, METADATA)
        result = _test(client, owner, pid)
        assert not result["ok"] and result["status"] == "error"
        if status != 200:
            assert result["error_message"].startswith(f"HTTP {status}: "), result
        seen.append(result)
    for path in ("/api/v1/llm/health", "/api/v1/llm/usage", f"/api/v1/llm/providers/{pid}",
                 f"/api/v1/llm/providers/{pid}/history", "/api/v1/llm/providers/comparison"):
        seen.append(ok(client.get(path, headers=owner.headers)))
    rows = _ledger(database_url, owner.tenant_id)
    assert len(rows) == 7 and {r[0] for r in rows} == {"error"}
    dumped = json.dumps(seen) + json.dumps([list(r) for r in rows], default=str)
    leaked = [leak for leak in LEAKS if leak in dumped]
    assert leaked == [], leaked
    assert len(fake.requests) == 7


# -- 1.2 the stored key follows no new destination without being given again -----------------
def _audit_updates(client: FlaskClient, who: Member) -> list[dict[str, Any]]:
    logs = ok(client.get("/api/v1/audit-logs?action=llm.providers.update",
                         headers=who.headers))["data"]
    return [e for e in logs if e["action"] == "llm.providers.update"]


def test_moving_api_base_needs_the_key_again(client: FlaskClient, owner: Member,
                                             fake: FakeLLMServer, fake2: FakeLLMServer) -> None:
    pid = ok(_create(client, owner, fake.openai_base), 201)["id"]
    before = ok(client.get(f"/api/v1/llm/providers/{pid}", headers=owner.headers))
    r = client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                     json={"api_base": fake2.openai_base, "temperature": 0.5})
    assert r.status_code == 400, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "api_key_required" and "api_key" in err["details"]["fields"]
    assert ok(client.get(f"/api/v1/llm/providers/{pid}", headers=owner.headers)) == before
    assert _test(client, owner, pid)["ok"]  # the next call still goes to the old host
    assert len(fake.requests) == 1 and fake2.requests == []

    changed = ok(client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                              json={"api_base": fake2.openai_base, "api_key": NEW_KEY}))
    assert changed["api_base"] == fake2.openai_base and changed["api_key_hint"] == "sk-…8888"
    assert _test(client, owner, pid)["ok"]
    assert fake2.requests[-1].headers["authorization"] == f"Bearer {NEW_KEY}"
    assert all(KEY not in r.headers.get("authorization", "") for r in fake2.requests)
    entry = _audit_updates(client, owner)[0]
    assert entry["details"]["key_destination"] == {
        "before": f"http://127.0.0.1:{fake.port}", "after": f"http://127.0.0.1:{fake2.port}"}
    assert KEY not in json.dumps(entry) and NEW_KEY not in json.dumps(entry)


def test_same_destination_needs_no_key_and_kind_cannot_change(
        client: FlaskClient, owner: Member, fake: FakeLLMServer) -> None:
    pid = ok(_create(client, owner, fake.openai_base), 201)["id"]
    # Another path on the same scheme, host and port reaches the same server: no key needed.
    same = ok(client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                           json={"api_base": fake.base_url + "/v1/", "model": "other"}))
    assert same["api_key_hint"] == "sk-…cdef"
    assert "key_destination" not in _audit_updates(client, owner)[0]["details"]
    # The kind decides the host litellm talks to; it is not editable at all.
    r = client.patch(f"/api/v1/llm/providers/{pid}", headers=owner.headers,
                     json={"kind": "anthropic"})
    assert r.status_code == 400 and "kind" in r.get_json()["error"]["details"]["fields"]
    assert ok(client.get(f"/api/v1/llm/providers/{pid}", headers=owner.headers))["kind"] == (
        "openai_compatible")


def test_removing_api_base_of_a_vendor_kind_moves_the_key(client: FlaskClient, owner: Member,
                                                          fake: FakeLLMServer) -> None:
    made = ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "Claude", "kind": "anthropic", "api_key": KEY,
        "api_base": fake.anthropic_base}), 201)
    # Back to the vendor's default host (api.anthropic.com) is a new destination as well.
    r = client.patch(f"/api/v1/llm/providers/{made['id']}", headers=owner.headers,
                     json={"api_base": None})
    assert r.status_code == 400 and "api_key" in r.get_json()["error"]["details"]["fields"]
    assert r.get_json()["error"]["details"]["key_destination"] == {
        "before": f"http://127.0.0.1:{fake.port}", "after": "https://api.anthropic.com:443"}


def test_cohere_model_that_picks_another_host_needs_the_key(client: FlaskClient,
                                                           owner: Member) -> None:
    made = ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "Cohere", "kind": "cohere", "api_key": KEY}), 201)
    r = client.patch(f"/api/v1/llm/providers/{made['id']}", headers=owner.headers,
                     json={"model": "v1/command-r"})  # litellm's v1 route: api.cohere.ai
    assert r.status_code == 400 and "api_key" in r.get_json()["error"]["details"]["fields"]
    ok(client.patch(f"/api/v1/llm/providers/{made['id']}", headers=owner.headers,
                    json={"model": "command-r7b"}))  # same host: fine
