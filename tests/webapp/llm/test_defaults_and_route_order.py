"""The first active provider becomes the default; each feature says which provider it will
actually use; reordering a feature's route (another tenant's id is a 404); provider form
errors name the field."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import as_owner, ok
from webapp.llm.routing import LOCAL_NAME

PROVIDERS = "/api/v1/llm/providers"


def _create(client: FlaskClient, who: Member, fake: FakeLLMServer, name: str,
            **over: Any) -> dict[str, Any]:
    body = {"name": name, "kind": "openai_compatible", "model": "qwen2.5-7b",
            "api_base": fake.openai_base, "timeout_s": 5, **over}
    made: dict[str, Any] = ok(client.post(PROVIDERS, headers=who.headers, json=body), 201)
    return made


def _feature(client: FlaskClient, who: Member, name: str = "summarization") -> Any:
    return ok(client.get(f"/api/v1/llm/features/{name}/providers", headers=who.headers))


def test_first_active_provider_becomes_the_default(client: FlaskClient, owner: Member,
                                                   fake: FakeLLMServer) -> None:
    before = _feature(client, owner)
    assert before["effective"] == {"source": "local", "provider_id": None, "name": LOCAL_NAME,
                                   "kind": "local", "model": "messageflow-heuristic-v1",
                                   "gate": "go", "available": True}
    off = _create(client, owner, fake, "Paused", active=False)
    assert off["is_default"] is False  # an inactive one is never made the default
    first = _create(client, owner, fake, "First")
    assert first["is_default"] is True
    second = _create(client, owner, fake, "Second")
    assert second["is_default"] is False
    now = _feature(client, owner)
    assert now["effective"]["provider_id"] == first["id"]
    assert now["effective"]["source"] == "default"
    assert [s["source"] for s in now["chain"]] == ["default", "local"]
    for f in ok(client.get("/api/v1/llm/features", headers=owner.headers))["data"]:
        assert f["effective"]["provider_id"] == first["id"]
    history = ok(client.get(f"{PROVIDERS}/{first['id']}/history", headers=owner.headers))
    assert history["changes"][0]["changes"]["is_default"]["after"] is True
    # deactivating the default leaves none: the next provider activated takes over
    ok(client.patch(f"{PROVIDERS}/{first['id']}", headers=owner.headers, json={"active": False}))
    assert _feature(client, owner)["effective"]["source"] == "local"
    woken = ok(client.patch(f"{PROVIDERS}/{off['id']}", headers=owner.headers,
                            json={"active": True}))
    assert woken["is_default"] is True
    listed = ok(client.get(PROVIDERS, headers=owner.headers))["data"]
    assert [p["name"] for p in listed if p["is_default"]] == ["Paused"]


def test_reorder_a_features_route(client: FlaskClient, owner: Member,
                                  fake: FakeLLMServer) -> None:
    a = _create(client, owner, fake, "A")  # the default
    b = _create(client, owner, fake, "B")
    c = _create(client, owner, fake, "C", active=False)
    url = "/api/v1/llm/features/summarization/providers"
    got = ok(client.put(url, headers=owner.headers, json={"provider_ids": [c["id"], b["id"]]}))
    assert [p["provider_id"] for p in got["providers"]] == [c["id"], b["id"]]
    # C is inactive: B is what summarization will actually use, then the default A, then local
    assert got["effective"]["provider_id"] == b["id"] and got["effective"]["source"] == "route"
    assert [(s["source"], s["provider_id"]) for s in got["chain"]] == [
        ("route", b["id"]), ("default", a["id"]), ("local", None)]
    got = ok(client.put(url, headers=owner.headers,
                        json={"provider_ids": [a["id"], b["id"], c["id"]]}))
    assert [p["provider_id"] for p in got["providers"]] == [a["id"], b["id"], c["id"]]
    assert [s["source"] for s in got["chain"]] == ["route", "route", "local"]
    assert _feature(client, owner)["providers"] == got["providers"]
    other_feature = _feature(client, owner, "daily_summary")
    assert other_feature["providers"] == []
    got = ok(client.put(url, headers=owner.headers, json={"provider_ids": [b["id"]]}))
    assert [p["provider_id"] for p in got["providers"]] == [b["id"]]
    logs = ok(client.get("/api/v1/audit-logs?action=llm.routes.reorder",
                         headers=owner.headers))["data"]
    assert logs[0]["before"] == {"provider_ids": [a["id"], b["id"], c["id"]]}
    assert logs[0]["after"] == {"provider_ids": [b["id"]]}
    # bad input: duplicates, unknown feature, not a list, another tenant's provider
    r = client.put(url, headers=owner.headers, json={"provider_ids": [a["id"], a["id"]]})
    assert r.status_code == 400 and "provider_ids" in r.get_json()["error"]["details"]["fields"]
    r = client.put("/api/v1/llm/features/nope/providers", headers=owner.headers,
                   json={"provider_ids": []})
    assert r.status_code == 404
    r = client.put(url, headers=owner.headers, json={"provider_ids": "1,2"})
    assert r.status_code == 400
    stranger = register_owner(client, "Stranger Co")
    theirs = _create(client, stranger, fake, "Theirs")
    r = client.put(url, headers=owner.headers, json={"provider_ids": [b["id"], theirs["id"]]})
    assert (r.status_code, r.get_json()["error"]["code"]) == (404, "provider_not_found")
    assert [p["provider_id"] for p in _feature(client, owner)["providers"]] == [b["id"]]
    r = client.put(url, headers=stranger.headers, json={"provider_ids": [a["id"]]})
    assert r.status_code == 404
    assert _feature(client, stranger)["providers"] == []


def test_viewer_and_manager_cannot_reorder(client: FlaskClient, owner: Member,
                                           fake: FakeLLMServer) -> None:
    a = _create(client, owner, fake, "A")
    url = "/api/v1/llm/features/summarization/providers"
    for role in ("viewer", "manager"):
        who = add_member(client, owner, role)
        r = client.put(url, headers=who.headers, json={"provider_ids": [a["id"]]})
        assert r.status_code == 403, role
    assert _feature(client, owner)["providers"] == []


def test_provider_form_errors_name_the_field(client: FlaskClient, owner: Member,
                                             fake: FakeLLMServer) -> None:
    base = {"name": "X", "kind": "openai_compatible", "model": "m", "api_base": fake.openai_base}
    for over, field in (({"monthly_budget_usd": "-1"}, "monthly_budget_usd"),
                        ({"monthly_budget_usd": -5}, "monthly_budget_usd"),
                        ({"kind": "gemini"}, "kind"),
                        ({"requests_per_minute": 0}, "requests_per_minute")):
        r = client.post(PROVIDERS, headers=owner.headers, json={**base, **over})
        assert r.status_code == 400, (over, r.get_json())
        assert field in r.get_json()["error"]["details"]["fields"], (over, r.get_json())
    made = _create(client, owner, fake, "Fine")
    r = client.patch(f"{PROVIDERS}/{made['id']}", headers=owner.headers,
                     json={"monthly_budget_usd": "-0.01"})
    assert r.status_code == 400 and "monthly_budget_usd" in r.get_json()["error"]["details"][
        "fields"]
    assert ok(client.get(PROVIDERS, headers=owner.headers))["data"][0]["name"] == "Fine"


def test_a_provider_cooling_down_is_not_what_the_feature_uses(
        client: FlaskClient, owner: Member, fake: FakeLLMServer, database_url: str) -> None:
    a = _create(client, owner, fake, "A")  # the default
    b = _create(client, owner, fake, "B")
    url = "/api/v1/llm/features/summarization/providers"
    ok(client.put(url, headers=owner.headers, json={"provider_ids": [b["id"]]}))
    as_owner(database_url, "update llm_health set circuit = 'open', "
             "cooldown_until = now() + interval '5 minutes' where provider_id = %s", (b["id"],))
    got = _feature(client, owner)
    assert [(s["provider_id"], s["gate"], s["available"]) for s in got["chain"]] == [
        (b["id"], "cooling_down", False), (a["id"], "go", True), (None, "go", True)]
    assert got["effective"]["provider_id"] == a["id"]
