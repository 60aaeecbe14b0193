"""Important messages: the list and its filters, status and priority changes with who and when,
the feedback and override rate per provider, the live frame, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from tests.webapp.desk_home.conftest import (
    URGENT,
    Desk,
    denied_audits,
    error_of,
    flag,
    frames,
    last_event_id,
)
from webapp.db import Database

API = "/api/v1/important-messages"


@pytest.fixture(scope="module")
def flagged(desk: Desk, db: Database) -> list[int]:
    """Ana's urgent message (high) and Bruno's invoice (medium) flagged by the local analyser."""
    return [flag(db, desk.owner.tenant_id, desk.message_ids[0], "urgent", "outage"),
            flag(db, desk.owner.tenant_id, desk.message_ids[2], "medium", "payment overdue")]


def test_list_shows_message_conversation_reason_and_model(client: FlaskClient, desk: Desk,
                                                          flagged: list[int]) -> None:
    r = client.get(API, headers=desk.viewer.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [i["id"] for i in body["data"]] == sorted(flagged, reverse=True)  # newest first
    ana = next(i for i in body["data"] if i["id"] == flagged[0])
    assert ana["message"]["text"] == URGENT
    assert ana["message"]["sender_name"] == "Ana"
    assert ana["conversation"]["id"] == desk.ana
    assert (ana["priority"], ana["reason"], ana["status"]) == ("urgent", "outage", "open")
    assert ana["flagged_by"]["kind"] == "local"
    assert ana["flagged_by"]["model"] == "messageflow-heuristic-v1"
    assert ana["flagged_by"]["provider_name"] == "Built-in local analyser"
    assert body["next_cursor"] is None


def test_filters_and_pages(client: FlaskClient, desk: Desk, flagged: list[int]) -> None:
    h = desk.owner.headers

    def ids(query: str) -> list[int]:
        r = client.get(f"{API}?{query}", headers=h)
        assert r.status_code == 200, r.get_json()
        return [i["id"] for i in r.get_json()["data"]]

    assert ids("priority=medium") == [flagged[1]]
    assert ids(f"conversation_id={desk.ana}") == [flagged[0]]
    assert ids("assignee=me") == []
    r = client.patch(f"/api/v1/conversations/{desk.bruno}", headers=h,
                     json={"assignee_id": desk.owner.user_id})
    assert r.status_code == 200, r.get_json()
    assert ids("assignee=me") == [flagged[1]]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"since={future}") == []
    first = client.get(f"{API}?limit=1", headers=h).get_json()
    assert [i["id"] for i in first["data"]] == [flagged[1]] and first["next_cursor"]
    second = client.get(f"{API}?limit=1&cursor={first['next_cursor']}", headers=h).get_json()
    assert [i["id"] for i in second["data"]] == [flagged[0]]
    assert second["next_cursor"] is None


def test_acknowledge_records_who_when_and_pushes_the_rest_shape(
        client: FlaskClient, desk: Desk, db: Database, flagged: list[int]) -> None:
    since = last_event_id(db, desk.owner.tenant_id)
    r = client.patch(f"{API}/{flagged[0]}", headers=desk.member.headers,
                     json={"status": "acknowledged"})
    assert r.status_code == 200, r.get_json()
    item = r.get_json()
    assert item["status"] == "acknowledged"
    assert item["status_changed_by"]["id"] == desk.member.user_id
    assert item["status_changed_at"] is not None
    assert client.get(f"{API}?status=open", headers=desk.owner.headers).get_json()["data"][0][
        "id"] == flagged[1]
    pushed = frames(db, desk.owner.tenant_id, "important_message.updated", since)
    assert [f["data"] for f in pushed] == [item]
    # The same status again changes nothing and pushes nothing.
    assert client.patch(f"{API}/{flagged[0]}", headers=desk.member.headers,
                        json={"status": "acknowledged"}).get_json() == item
    assert len(frames(db, desk.owner.tenant_id, "important_message.updated", since)) == 1


def test_dismissal_and_priority_change_are_the_providers_override_rate(
        client: FlaskClient, desk: Desk, flagged: list[int]) -> None:
    r = client.patch(f"{API}/{flagged[1]}", headers=desk.manager.headers,
                     json={"priority": "low", "status": "dismissed"})
    assert r.status_code == 200, r.get_json()
    item = r.get_json()
    assert (item["priority"], item["status"]) == ("low", "dismissed")
    assert item["priority_changed_by"]["id"] == desk.manager.user_id
    assert item["flagged_by"]["model_priority"] == "medium"  # the model's call is kept
    r = client.get("/api/v1/llm/providers/comparison", headers=desk.owner.headers)
    assert r.status_code == 200, r.get_json()
    local = next(p for p in r.get_json()["data"] if p["kind"] == "local")
    # Two flags; both reviewed (one acknowledged, one dismissed and re-prioritised).
    assert (local["important_flagged"], local["important_reviewed"],
            local["important_overridden"], local["override_rate"]) == (2, 2, 1, 0.5)


def test_another_tenants_id_is_404(client: FlaskClient, desk: Desk, db: Database,
                                   flagged: list[int]) -> None:
    theirs = flag(db, desk.other.tenant_id, desk.their_message)
    for resp in (client.get(f"{API}/{theirs}", headers=desk.owner.headers),
                 client.patch(f"{API}/{theirs}", headers=desk.owner.headers,
                              json={"status": "dismissed"})):
        assert resp.status_code == 404, resp.get_json()
    assert [i["id"] for i in client.get(API, headers=desk.other.headers).get_json()["data"]] == [
        theirs]
    assert theirs not in [i["id"] for i in client.get(API, headers=desk.owner.headers)
                          .get_json()["data"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "handled"}, "status"), ({"status": "done"}, "status"),
    ({"priority": "critical"}, "priority"), ({"status": None}, "status"),
    ({}, "body"), ({"status": "open", "note": "x"}, "note")])
def test_bad_changes_are_400_naming_the_field(client: FlaskClient, desk: Desk,
                                              flagged: list[int], body: dict[str, object],
                                              field: str) -> None:
    r = client.patch(f"{API}/{flagged[0]}", headers=desk.owner.headers, json=body)
    assert r.status_code == 400, r.get_json()
    assert field in error_of(r)["details"]["fields"]


@pytest.mark.parametrize("query", ["status=handled", "priority=x", "since=yesterday",
                                   "assignee=5", "conversation_id=0", "limit=500"])
def test_bad_filters_are_400(client: FlaskClient, desk: Desk, query: str) -> None:
    r = client.get(f"{API}?{query}", headers=desk.owner.headers)
    assert r.status_code == 400, r.get_json()
    assert query.split("=")[0] in error_of(r)["details"]["fields"]


def test_viewer_cannot_change_and_is_audited(client: FlaskClient, desk: Desk, db: Database,
                                             flagged: list[int]) -> None:
    before = denied_audits(db, desk.owner.tenant_id, desk.viewer.user_id, "important.update")
    r = client.patch(f"{API}/{flagged[0]}", headers=desk.viewer.headers,
                     json={"status": "dismissed"})
    assert r.status_code == 403, r.get_json()
    assert denied_audits(db, desk.owner.tenant_id, desk.viewer.user_id,
                         "important.update") == before + 1
    item = client.get(f"{API}/{flagged[0]}", headers=desk.viewer.headers).get_json()
    assert item["status"] == "acknowledged"
