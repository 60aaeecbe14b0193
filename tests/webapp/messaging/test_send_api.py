"""POST /messages/reply and /messages/forward: what is queued, and every refusal."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.messaging.conftest import events_since, last_event_id, query_all
from webapp.db import Database
from webapp.messaging.service import ingest

ANA, BRUNO, CARLA = (f"55119999900{n:02d}@s.whatsapp.net" for n in (1, 2, 4))


@dataclass
class Setup:
    """Tenant A: a connected device (Ana, Bruno) and a logged-out one (Carla); tenant B."""

    owner: Member
    member: Member
    viewer: Member
    other: Member
    ana: int
    bruno: int
    carla: int
    b_chat: int
    device: int
    dead_device: int


@pytest.fixture(scope="module")
def setup(app: Flask, db: Database) -> Setup:
    client = app.test_client()
    owner = register_owner(client, "Send A")
    member, viewer = add_member(client, owner, "member"), add_member(client, owner, "viewer")
    other = register_owner(client, "Send B")
    t = owner.tenant_id
    device = make.device(db, t, name="Main number", jid="15550100001@s.whatsapp.net")
    dead = make.device(db, t, name="Old phone")
    ingest(db, t, [msg("A1", "Hello, the printer is down", 1, chat=ANA),
                   msg("A2", None, 2, chat=ANA, media={"type": "image", "caption": "see"}),
                   msg("B1", "Invoice please", 3, chat=BRUNO)], device_id=device)
    ingest(db, t, [msg("C1", "Hola", 1, chat=CARLA)], device_id=dead)
    query_all(db, t, "update devices set status = 'logged_out' where id = %s returning id",
              (dead,))
    ingest(db, other.tenant_id, [msg("X1", "Tenant B", 1, chat=ANA)],
           device_id=make.device(db, other.tenant_id))
    return Setup(owner, member, viewer, other, make.conversation(db, t, ANA),
                 make.conversation(db, t, BRUNO), make.conversation(db, t, CARLA),
                 make.conversation(db, other.tenant_id, ANA), device, dead)


def _message_id(db: Database, tenant: int, wa_id: str) -> int:
    return int(query_all(db, tenant, "select id from messages where wa_message_id = %s",
                         (wa_id,))[0]["id"])


def test_reply_is_queued_with_outbox_row_and_events(client: FlaskClient, setup: Setup,
                                                    db: Database) -> None:
    t = setup.owner.tenant_id
    before = last_event_id(db, t)
    r = client.post("/api/v1/messages/reply", headers=setup.member.headers,
                    json={"conversation_id": setup.ana, "text": "A technician is on the way"})
    assert r.status_code == 202, r.get_json()
    m = r.get_json()
    assert m["status"] == "queued" and m["from_me"] and m["conversation_id"] == setup.ana
    assert m["text"] == "A technician is on the way" and m["sender_name"] == "Member Person"
    assert m["sender_jid"] == "15550100001@s.whatsapp.net" and not m["forwarded"]
    assert re.fullmatch(r"3EB0[0-9A-F]{20}", m["wa_message_id"])
    box = query_all(db, t, "select kind, status, attempts, device_id, created_by from outbox "
                    "where message_id = %s", (m["id"],))
    assert box == [{"kind": "text", "status": "queued", "attempts": 0,
                    "device_id": setup.device, "created_by": setup.member.user_id}]
    assert events_since(db, t, before) == [("message.created", m["id"]),
                                           ("conversation.updated", setup.ana)]
    conv = client.get(f"/api/v1/conversations/{setup.ana}", headers=setup.viewer.headers)
    assert conv.get_json()["last_message"]["id"] == m["id"]


def test_quoted_reply_keeps_the_quoted_id(client: FlaskClient, setup: Setup,
                                          db: Database) -> None:
    quoted = _message_id(db, setup.owner.tenant_id, "A1")
    r = client.post("/api/v1/messages/reply", headers=setup.owner.headers,
                    json={"conversation_id": setup.ana, "text": "On it",
                          "quoted_message_id": quoted})
    assert r.status_code == 202
    assert r.get_json()["quoted_wa_id"] == "A1"
    assert r.get_json()["quoted_message_id"] == quoted


def test_quoting_a_message_of_another_conversation_is_404(client: FlaskClient, setup: Setup,
                                                         db: Database) -> None:
    """It was a 400 for a schema-valid request (the fuzzing's "valid request rejected"): the
    quoted message does not exist in this conversation, like an unknown id."""
    elsewhere = _message_id(db, setup.owner.tenant_id, "B1")
    r = client.post("/api/v1/messages/reply", headers=setup.owner.headers,
                    json={"conversation_id": setup.ana, "text": "x",
                          "quoted_message_id": elsewhere})
    assert r.status_code == 404
    assert "quoted_message_id" in r.get_json()["error"]["details"]["fields"]


@pytest.mark.parametrize(("body", "field"), [
    ({"conversation_id": 1, "text": ""}, "text"),
    ({"conversation_id": 1, "text": " \n\t "}, "text"),
    ({"conversation_id": 1, "text": "x" * 4097}, "text"),
    ({"text": "hi"}, "conversation_id"),
    ({"conversation_id": 1, "text": "hi", "to": "x"}, "to"),
])
def test_reply_validation(client: FlaskClient, setup: Setup, body: dict[str, object],
                          field: str) -> None:
    r = client.post("/api/v1/messages/reply", headers=setup.owner.headers, json=body)
    assert r.status_code == 400 and field in r.get_json()["error"]["details"]["fields"]


def test_reply_to_another_tenants_conversation_is_404(client: FlaskClient, setup: Setup,
                                                       db: Database) -> None:
    r = client.post("/api/v1/messages/reply", headers=setup.other.headers,
                    json={"conversation_id": setup.ana, "text": "sneaky"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert query_all(db, setup.other.tenant_id, "select count(*) as n from outbox")[0]["n"] == 0


def test_reply_on_a_logged_out_device_is_a_clear_409(client: FlaskClient, setup: Setup,
                                                     db: Database) -> None:
    r = client.post("/api/v1/messages/reply", headers=setup.owner.headers,
                    json={"conversation_id": setup.carla, "text": "Hola Carla"})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "device_unavailable"
    assert "Old phone" in err["message"] and "logged out" in err["message"]
    assert err["details"] == {"device_id": setup.dead_device, "device_status": "logged_out"}
    rows = query_all(db, setup.owner.tenant_id, "select count(*) as n from messages "
                     "where conversation_id = %s and from_me", (setup.carla,))
    assert rows[0]["n"] == 0


@pytest.mark.parametrize("status", ["outdated", "pending", "pairing"])
def test_reply_on_other_unusable_devices_is_409(client: FlaskClient, setup: Setup,
                                               db: Database, status: str) -> None:
    t = setup.owner.tenant_id
    query_all(db, t, "update devices set status = %s where id = %s returning id",
              (status, setup.dead_device))
    r = client.post("/api/v1/messages/reply", headers=setup.owner.headers,
                    json={"conversation_id": setup.carla, "text": "Hola"})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["device_status"] == status
    query_all(db, t, "update devices set status = 'logged_out' where id = %s returning id",
              (setup.dead_device,))


def test_viewer_cannot_send(client: FlaskClient, setup: Setup) -> None:
    r = client.post("/api/v1/messages/reply", headers=setup.viewer.headers,
                    json={"conversation_id": setup.ana, "text": "hi"})
    assert r.status_code == 403
    r = client.post("/api/v1/messages/forward", headers=setup.viewer.headers,
                    json={"conversation_id": setup.bruno, "message_id": 1})
    assert r.status_code == 403


def test_forward_copies_the_message(client: FlaskClient, setup: Setup, db: Database) -> None:
    t = setup.owner.tenant_id
    source = _message_id(db, t, "A2")
    r = client.post("/api/v1/messages/forward", headers=setup.member.headers,
                    json={"message_id": source, "conversation_id": setup.bruno})
    assert r.status_code == 202, r.get_json()
    m = r.get_json()
    assert m["forwarded"] and m["status"] == "queued" and m["conversation_id"] == setup.bruno
    assert m["media"] == {"type": "image", "caption": "see"} and m["text"] is None
    box = query_all(db, t, "select kind, source_message_id from outbox where message_id = %s",
                    (m["id"],))
    assert box == [{"kind": "forward", "source_message_id": source}]


def test_forward_to_another_tenants_conversation_is_404(client: FlaskClient, setup: Setup,
                                                        db: Database) -> None:
    source = _message_id(db, setup.owner.tenant_id, "A1")
    r = client.post("/api/v1/messages/forward", headers=setup.owner.headers,
                    json={"message_id": source, "conversation_id": setup.b_chat})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/messages/forward", headers=setup.other.headers,
                    json={"message_id": source, "conversation_id": setup.b_chat})
    assert r.status_code == 404
    for tenant in (setup.owner.tenant_id, setup.other.tenant_id):
        rows = query_all(db, tenant, "select count(*) as n from outbox where kind = 'forward' "
                         "and device_id not in (%s)", (setup.device,))
        assert rows[0]["n"] == 0


def test_forward_of_a_revoked_message_is_409(client: FlaskClient, setup: Setup,
                                             db: Database) -> None:
    t = setup.owner.tenant_id
    ingest(db, t, [msg("A9", "oops", 9, chat=ANA),
                   {"kind": "revoke", "id": "R9", "chat": ANA, "sender": ANA, "target_id": "A9",
                    "timestamp": "2026-11-25T09:10:00Z"}], device_id=setup.device)
    r = client.post("/api/v1/messages/forward", headers=setup.owner.headers,
                    json={"message_id": _message_id(db, t, "A9"), "conversation_id": setup.bruno})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "message_revoked"
