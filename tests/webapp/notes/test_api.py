"""Private notes: written by members, listed oldest first, live, never queued for WhatsApp;
@mentions notify members once and a non-member's name notifies nobody; deleting is for the
author or a manager (others 403, audited); a viewer cannot write; another tenant gets 404."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, msg, register_owner
from tests.webapp.messaging.conftest import events_since, last_event_id, query_all
from webapp.db import Database
from webapp.messaging.service import ingest


def test_notes(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client, "Notes A")
    member = add_member(client, owner, "member")
    second = add_member(client, owner, "member")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Notes B")
    t = owner.tenant_id
    ingest(db, t, [msg("N1", "Where is my refund?", 1)], device_id=make.device(db, t))
    conv = make.conversation(db, t, make.ANA)
    ingest(db, other.tenant_id, [msg("N9", "x", 1)], device_id=make.device(db, other.tenant_id))
    other_conv = make.conversation(db, other.tenant_id, make.ANA)

    before = last_event_id(db, t)
    url = f"/api/v1/conversations/{conv}/notes"
    r = client.post(url, headers=member.headers,
                    json={"body": f"@{second.email} can you check the refund? cc @Nobody Here"})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert note["author_id"] == member.user_id and note["conversation_id"] == conv
    assert [m["user_id"] for m in note["mentions"]] == [second.user_id]
    assert ("note.created", note["id"]) in events_since(db, t, before)
    assert query_all(db, t, "select count(*) as n from outbox")[0]["n"] == 0  # never sent

    inbox = client.get("/api/v1/notifications", headers=second.headers).get_json()["data"]
    assert [n["kind"] for n in inbox] == ["mention"]
    assert inbox[0]["link"] == f"/app/conversations/{conv}#note-{note['id']}"
    assert client.get("/api/v1/notifications", headers=owner.headers).get_json()["data"] == []

    client.post(url, headers=owner.headers, json={"body": "Refund approved"})
    listed = client.get(url, headers=viewer.headers).get_json()["data"]
    assert [n["body"][:6] for n in listed] == ["@" + second.email[:5], "Refund"]

    # Refusals.
    assert client.post(url, headers=viewer.headers, json={"body": "x"}).status_code == 403
    assert client.post(url, headers=member.headers, json={"body": "  "}).status_code == 400
    assert client.post(url, headers=member.headers, json={"body": "a\u0000b"}).status_code == 400
    assert client.get(f"/api/v1/conversations/{other_conv}/notes",
                      headers=member.headers).status_code == 404
    assert client.post(f"/api/v1/conversations/{other_conv}/notes", headers=member.headers,
                       json={"body": "x"}).status_code == 404
    assert client.delete(f"/api/v1/notes/{note['id']}", headers=other.headers).status_code == 404
    r = client.delete(f"/api/v1/notes/{note['id']}", headers=second.headers)
    assert r.status_code == 403
    denied = query_all(db, t, "select outcome from audit_logs where action = 'notes.delete'")
    assert denied == [{"outcome": "denied"}]
    before = last_event_id(db, t)
    assert client.delete(f"/api/v1/notes/{note['id']}", headers=member.headers).status_code == 200
    assert events_since(db, t, before) == [("note.deleted", note["id"])]
    assert len(client.get(url, headers=viewer.headers).get_json()["data"]) == 1
    viewer_denials = query_all(db, t, "select count(*) as n from audit_logs "
                               "where action = 'notes.write' and outcome = 'denied'")
    assert viewer_denials == [{"n": 1}]
