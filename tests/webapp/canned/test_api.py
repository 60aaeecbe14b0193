"""/canned-responses: save, list, search, change, delete, render with variables; every refusal
(unknown variable, taken shortcut, viewer, member, another tenant)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from webapp.db import Database
from webapp.messaging.service import ingest

ANA = "5511999990001@s.whatsapp.net"
GROUP = "120363000000000001@g.us"


@dataclass
class Setup:
    owner: Member
    manager: Member
    member: Member
    viewer: Member
    other: Member
    conv: int
    group: int
    other_conv: int


@pytest.fixture(scope="module")
def setup(app: Flask, db: Database) -> Setup:
    client = app.test_client()
    owner = register_owner(client, "Canned A")
    manager = add_member(client, owner, "manager")
    member = add_member(client, owner, "member")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Canned B")
    device = make.device(db, owner.tenant_id)
    ingest(db, owner.tenant_id,
           [msg("C1", "Hi", 1, chat=ANA, name="Ana Souza"),
            msg("G1", "Hello group", 2, chat=GROUP, sender=ANA, name="Ana Souza")],
           device_id=device)
    ingest(db, other.tenant_id, [msg("X1", "Hi", 1, chat=ANA)],
           device_id=make.device(db, other.tenant_id))
    return Setup(owner, manager, member, viewer, other, make.conversation(db, owner.tenant_id, ANA),
                 make.conversation(db, owner.tenant_id, GROUP),
                 make.conversation(db, other.tenant_id, ANA))


def _create(client: FlaskClient, who: Member, **body: str) -> dict:
    r = client.post("/api/v1/canned-responses", headers=who.headers, json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_save_list_search_render_change_delete(client: FlaskClient, setup: Setup,
                                               db: Database) -> None:
    greet = _create(client, setup.manager, shortcut="Greet", title="Greeting",
                    body="Hi {{contact.first_name}}, this is {{ agent.name }} from "
                         "{{tenant.name}}. How can I help?")
    assert greet["shortcut"] == "greet" and greet["created_by"] == setup.manager.user_id
    _create(client, setup.manager, shortcut="hours", title="Opening hours",
            body="We are open 9-18h, Monday to Friday.")

    listed = client.get("/api/v1/canned-responses", headers=setup.viewer.headers).get_json()
    assert [r["shortcut"] for r in listed["data"]] == ["greet", "hours"]
    found = client.get("/api/v1/canned-responses?q=MONDAY", headers=setup.member.headers)
    assert [r["shortcut"] for r in found.get_json()["data"]] == ["hours"]

    r = client.post(f"/api/v1/canned-responses/{greet['id']}/render", headers=setup.member.headers,
                    json={"conversation_id": setup.conv})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["text"] == ("Hi Ana, this is Member Person from Canned A. How can I help?")
    assert out["variables"] == {"contact.first_name": "Ana", "agent.name": "Member Person",
                                "tenant.name": "Canned A"}
    # A group has no single contact: the name is left out, not made up.
    group = client.post(f"/api/v1/canned-responses/{greet['id']}/render",
                        headers=setup.member.headers, json={"conversation_id": setup.group})
    assert group.get_json()["text"] == "Hi, this is Member Person from Canned A. How can I help?"

    r = client.patch(f"/api/v1/canned-responses/{greet['id']}", headers=setup.manager.headers,
                     json={"body": "Hello {{contact.name}} ({{contact.phone}})"})
    assert r.status_code == 200 and r.get_json()["updated_by"] == setup.manager.user_id
    out = client.post(f"/api/v1/canned-responses/{greet['id']}/render",
                      headers=setup.owner.headers, json={"conversation_id": setup.conv}).get_json()
    assert out["text"] == "Hello Ana Souza (+5511999990001)"

    with db.tenant(setup.owner.tenant_id) as conn:
        actions = [r["action"] for r in conn.execute(
            "select action from audit_logs where target_type = 'canned_response' order by id")]
    assert actions == ["canned.create", "canned.create", "canned.update"]

    r = client.delete(f"/api/v1/canned-responses/{greet['id']}", headers=setup.manager.headers)
    assert r.status_code == 200
    assert client.get(f"/api/v1/canned-responses/{greet['id']}",
                      headers=setup.manager.headers).status_code == 404


def test_refusals(client: FlaskClient, setup: Setup) -> None:
    url = "/api/v1/canned-responses"
    r = client.post(url, headers=setup.manager.headers,
                    json={"shortcut": "bad", "title": "Bad", "body": "Hi {{contact.nickname}}"})
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["details"]["fields"] == {"body": "unknown variable contact.nickname"}
    assert "{{contact.nickname}}" in err["message"]

    r = client.post(url, headers=setup.manager.headers,
                    json={"shortcut": "has space", "title": "T", "body": "x"})
    assert r.status_code == 400 and "shortcut" in r.get_json()["error"]["details"]["fields"]

    made = _create(client, setup.manager, shortcut="thanks", title="Thanks", body="Thank you!")
    dup = client.post(url, headers=setup.manager.headers,
                      json={"shortcut": "THANKS", "title": "Again", "body": "Thanks!"})
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "shortcut_taken"
    other = _create(client, setup.manager, shortcut="thx", title="Thx", body="Thx")
    clash = client.patch(f"{url}/{other['id']}", headers=setup.manager.headers,
                         json={"shortcut": "thanks"})
    assert clash.status_code == 409

    # A member may use responses but not change the team's library; a viewer may not render.
    assert client.post(url, headers=setup.member.headers,
                       json={"shortcut": "m", "title": "M", "body": "m"}).status_code == 403
    assert client.delete(f"{url}/{made['id']}", headers=setup.viewer.headers).status_code == 403
    assert client.post(f"{url}/{made['id']}/render", headers=setup.viewer.headers,
                       json={"conversation_id": setup.conv}).status_code == 403

    # Another tenant sees none of it, and cannot render into a conversation not its own.
    assert client.get(f"{url}/{made['id']}", headers=setup.other.headers).status_code == 404
    assert client.get(url, headers=setup.other.headers).get_json()["data"] == []
    assert client.patch(f"{url}/{made['id']}", headers=setup.other.headers,
                        json={"title": "Mine"}).status_code == 404
    r = client.post(f"{url}/{made['id']}/render", headers=setup.owner.headers,
                    json={"conversation_id": setup.other_conv})
    assert r.status_code == 404
    r = client.post(f"{url}/{made['id']}/render", headers=setup.owner.headers,
                    json={"conversation_id": True})
    assert r.status_code == 400


def test_variables_are_listed(client: FlaskClient, setup: Setup) -> None:
    r = client.get("/api/v1/canned-responses/variables", headers=setup.viewer.headers)
    names = [v["name"] for v in r.get_json()["data"]]
    assert {"contact.name", "agent.name", "contact.phone", "tenant.name"} <= set(names)
