"""Workflows API: vocabulary, CRUD, validation with JSON paths, bounded regex, roles, tenancy."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from webapp.db import Database

GOOD: dict[str, Any] = {
    "name": "Urgent to action item",
    "trigger": {"type": "message.received"},
    "conditions": {"any": [{"type": "text_contains", "value": "urgent"},
                           {"all": [{"type": "text_matches", "pattern": "^help\\b"},
                                    {"type": "is_group", "value": False}]}]},
    "actions": [{"type": "create_action_item", "title": "Follow up: {{message.text}}"}],
}


@pytest.fixture(scope="module")
def team(app: Flask) -> dict[str, Member]:
    client = app.test_client()
    owner = register_owner(client, "Workflows A")
    out = {r: add_member(client, owner, r) for r in ("admin", "manager", "member", "viewer")}
    return {"owner": owner, **out, "other": register_owner(client, "Workflows B")}


def _fields(r: Any) -> dict[str, str]:
    assert r.status_code == 400, r.get_json()
    return dict(r.get_json()["error"]["details"]["fields"])


def test_vocabulary_lists_triggers_conditions_actions(client: FlaskClient,
                                                     team: dict[str, Member]) -> None:
    r = client.get("/api/v1/workflows/vocabulary", headers=team["manager"].headers)
    assert r.status_code == 200
    body = r.get_json()
    assert {t["type"] for t in body["triggers"]} >= {"message.received", "message.analyzed"}
    assert "pattern" in next(c for c in body["conditions"]
                             if c["type"] == "text_matches")["params"]
    assert {a["type"] for a in body["actions"]} >= {"create_action_item", "reply", "send_slack"}


def test_crud_and_audit(client: FlaskClient, db: Database, team: dict[str, Member]) -> None:
    admin = team["admin"]
    r = client.post("/api/v1/workflows", headers=admin.headers, json=GOOD)
    assert r.status_code == 201, r.get_json()
    wf = r.get_json()
    assert wf["enabled"] is True and wf["actions"][0]["type"] == "create_action_item"
    r = client.patch(f"/api/v1/workflows/{wf['id']}", headers=admin.headers,
                     json={"enabled": False})
    assert r.status_code == 200 and r.get_json()["enabled"] is False
    r = client.get("/api/v1/workflows", headers=team["manager"].headers)
    assert wf["id"] in [w["id"] for w in r.get_json()["data"]]
    r = client.get(f"/api/v1/workflows/{wf['id']}/executions", headers=admin.headers)
    assert r.status_code == 200 and r.get_json()["data"] == []
    r = client.delete(f"/api/v1/workflows/{wf['id']}", headers=admin.headers)
    assert r.status_code == 200
    assert client.get(f"/api/v1/workflows/{wf['id']}",
                      headers=admin.headers).status_code == 404
    with db.tenant(admin.tenant_id) as conn:
        audited = conn.execute(
            "select action, actor_user_id from audit_logs where target_type = 'workflow' "
            "and target_id = %s order by id", (str(wf["id"]),)).fetchall()
    assert [a["action"] for a in audited] == ["workflows.create", "workflows.update",
                                              "workflows.delete"]


def test_refused_write_is_audited(client: FlaskClient, db: Database,
                                  team: dict[str, Member]) -> None:
    viewer = team["viewer"]
    assert client.post("/api/v1/workflows", headers=viewer.headers, json=GOOD).status_code == 403
    with db.tenant(viewer.tenant_id) as conn:
        denied = conn.execute(
            "select count(*) n from audit_logs where action = 'workflows.manage' "
            "and outcome = 'denied' and actor_user_id = %s", (viewer.user_id,)).fetchone()
    assert denied is not None and denied["n"] >= 1


def test_unknown_names_are_400s_naming_the_path(client: FlaskClient,
                                                team: dict[str, Member]) -> None:
    bad = {**GOOD, "trigger": {"type": "message.exploded"},
           "conditions": {"all": [{"type": "text_contains", "value": "x"},
                                  {"type": "moon_phase"}]},
           "actions": [{"type": "create_action_item", "title": "t"}, {"type": "launch"},
                       {"type": "add_label"}, {"type": "set_priority", "priority": "mega"}]}
    fields = _fields(client.post("/api/v1/workflows", headers=team["admin"].headers, json=bad))
    assert "trigger.type" in fields
    assert "conditions.all[1].type" in fields
    assert "actions[1].type" in fields
    assert fields["actions[2].label_id"] == "required"
    assert "actions[3].priority" in fields


def test_groups_nest_one_level_only(client: FlaskClient, team: dict[str, Member]) -> None:
    deep = {**GOOD, "conditions": {"all": [{"any": [{"all": [
        {"type": "text_contains", "value": "x"}]}]}]}}
    fields = _fields(client.post("/api/v1/workflows", headers=team["admin"].headers, json=deep))
    assert "conditions.all[0].any[0]" in fields


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x*)*y", "((ab)+c)+", "(a)\\1", "a" * 201])
def test_catastrophic_regex_refused(client: FlaskClient, team: dict[str, Member],
                                    pattern: str) -> None:
    body = {**GOOD, "conditions": {"all": [{"type": "text_matches", "pattern": pattern}]}}
    fields = _fields(client.post("/api/v1/workflows", headers=team["admin"].headers, json=body))
    assert "conditions.all[0].pattern" in fields


def test_ten_thousand_conditions_refused(client: FlaskClient, team: dict[str, Member]) -> None:
    body = {**GOOD, "conditions": {"all": [{"type": "text_contains", "value": "x"}] * 10_000}}
    fields = _fields(client.post("/api/v1/workflows", headers=team["admin"].headers, json=body))
    assert "conditions" in fields
    body = {**GOOD, "actions": [{"type": "set_status", "status": "open"}] * 21}
    assert "actions" in _fields(client.post("/api/v1/workflows", headers=team["admin"].headers,
                                            json=body))


@pytest.mark.parametrize("role,read,write", [("viewer", 403, 403), ("member", 403, 403),
                                             ("manager", 200, 403), ("admin", 200, 201)])
def test_roles(client: FlaskClient, team: dict[str, Member], role: str, read: int,
               write: int) -> None:
    who = team[role]
    assert client.get("/api/v1/workflows", headers=who.headers).status_code == read
    assert client.post("/api/v1/workflows", headers=who.headers,
                       json=GOOD).status_code == write


def test_other_tenant_gets_404(client: FlaskClient, team: dict[str, Member]) -> None:
    r = client.post("/api/v1/workflows", headers=team["admin"].headers, json=GOOD)
    wid = r.get_json()["id"]
    other = team["other"]
    for method, url, body in [("get", f"/api/v1/workflows/{wid}", None),
                              ("patch", f"/api/v1/workflows/{wid}", {"enabled": False}),
                              ("delete", f"/api/v1/workflows/{wid}", None),
                              ("get", f"/api/v1/workflows/{wid}/executions", None),
                              ("post", f"/api/v1/workflows/{wid}/test", {"last": 5})]:
        r = getattr(client, method)(url, headers=other.headers, json=body)
        assert r.status_code == 404, (method, url, r.get_json())
    assert wid not in [w["id"] for w in client.get(
        "/api/v1/workflows", headers=other.headers).get_json()["data"]]
    r = client.get(f"/api/v1/workflows/{wid}", headers=team["admin"].headers)
    assert r.get_json()["enabled"] is True
