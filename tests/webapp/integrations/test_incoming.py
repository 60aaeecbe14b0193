"""Incoming webhooks: signed with the integration's secret, fresh, never reused; 401 and nothing
changed otherwise; a small vocabulary."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from flask.testing import FlaskClient

from tests.factories import Member, register_owner
from webapp.db import Database


def signed(secret: str, body: bytes, *, msg_id: str | None = None,
           ts: int | None = None, wrong: bool = False) -> dict[str, str]:
    """Standard Webhooks headers computed here, independently of the app's code."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(time.time()) if ts is None else ts
    key = base64.b64decode(secret.split("_", 1)[1])
    if wrong:
        key = b"x" + key[1:]
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body,
                                    hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": f"v1,{sig}", "content-type": "application/json"}


def hook(client: FlaskClient, who: Member) -> dict[str, Any]:
    r = client.post("/api/v1/integrations/webhook", headers=who.headers,
                    json={"name": f"In {uuid.uuid4().hex[:6]}", "url": "https://example.com/x"})
    assert r.status_code == 201
    out: dict[str, Any] = r.get_json()
    return out


def count_items(db: Database, tenant_id: int) -> int:
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select count(*) as n from action_items").fetchone()
    assert row is not None
    return int(row["n"])


def test_signed_message_creates_an_action_item(client: FlaskClient, admin: Member,
                                               db: Database) -> None:
    h = hook(client, admin)
    body = json.dumps({"type": "action_item", "description": "Call the supplier back",
                       "due_date": "2026-12-24"}).encode()
    r = client.post(h["incoming_url"], data=body, headers=signed(h["signing_secret"], body))
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["kind"] == "action_item" and out["status"] == "created"
    with db.tenant(admin.tenant_id) as conn:
        item = conn.execute("select description, status, due_date::text as due from "
                            "action_items where id = %s", (out["id"],)).fetchone()
        audited = conn.execute("select count(*) as n from audit_logs where action = "
                               "'integrations.incoming' and outcome = 'allowed'").fetchone()
        event = conn.execute("select count(*) as n from events where type = "
                             "'action_item.created' and (data->>'id')::bigint = %s",
                             (out["id"],)).fetchone()
    assert item == {"description": "Call the supplier back", "status": "proposed",
                    "due": "2026-12-24"}
    assert audited is not None and audited["n"] == 1
    assert event is not None and event["n"] == 1


def test_refused_messages_change_nothing(client: FlaskClient, admin: Member,
                                         db: Database) -> None:
    h = hook(client, admin)
    secret, url = h["signing_secret"], h["incoming_url"]
    body = json.dumps({"type": "action_item", "description": "Should not exist"}).encode()
    before = count_items(db, admin.tenant_id)
    cases = {
        "bad_signature": signed(secret, body, wrong=True),
        "stale_timestamp": signed(secret, body, ts=int(time.time()) - 301),
        "future": signed(secret, body, ts=int(time.time()) + 400),
        "missing": {"content-type": "application/json"},
        "tampered": signed(secret, body.replace(b"Should", b"Shouldn")),
    }
    for name, headers in cases.items():
        r = client.post(url, data=body, headers=headers)
        assert r.status_code == 401, name
        assert r.get_json()["error"]["code"] == "invalid_webhook_signature", name
    # A JWT is no substitute for the signature.
    r = client.post(url, data=body, headers={**admin.headers, "content-type": "application/json"})
    assert r.status_code == 401
    assert count_items(db, admin.tenant_id) == before
    # Accepted once; the same id again is refused and creates nothing more.
    headers = signed(secret, body)
    assert client.post(url, data=body, headers=headers).status_code == 201
    replay = client.post(url, data=body, headers=headers)
    assert replay.status_code == 401
    assert replay.get_json()["error"]["details"]["reason"] == "reused_id"
    assert count_items(db, admin.tenant_id) == before + 1
    with db.tenant(admin.tenant_id) as conn:
        denied = conn.execute("select details->>'reason' as reason from audit_logs where "
                              "action = 'integrations.incoming' and outcome = 'denied' "
                              "and target_id = %s order by id", (str(h["id"]),)).fetchall()
    assert [d["reason"] for d in denied] == ["bad_signature", "stale_timestamp",
                                             "stale_timestamp", "missing_headers",
                                             "bad_signature", "missing_headers", "reused_id"]


def test_another_tenants_secret_and_unknown_ids(client: FlaskClient, admin: Member) -> None:
    mine = hook(client, admin)
    other = register_owner(client, "Other incoming")
    theirs = hook(client, other)
    body = json.dumps({"type": "action_item", "description": "x"}).encode()
    r = client.post(mine["incoming_url"], data=body, headers=signed(theirs["signing_secret"],
                                                                     body))
    assert r.status_code == 401
    r = client.post("/api/v1/webhooks/incoming/999999999", data=body,
                    headers=signed(theirs["signing_secret"], body))
    assert r.status_code == 401


def test_vocabulary(client: FlaskClient, admin: Member, db: Database) -> None:
    h = hook(client, admin)
    secret, url = h["signing_secret"], h["incoming_url"]
    before = count_items(db, admin.tenant_id)
    for payload, status, field in (
            ({"type": "launch_missiles"}, 400, "type"),
            ({"type": "action_item"}, 400, "description"),
            ({"type": "action_item", "description": "x", "conversation_id": 999999}, 404,
             "conversation_id"),
            ({"type": "notification", "title": "Hi"}, 400, "body"),
            ({"type": "notification", "title": "Hi", "role": "admin", "link": "//evil.com"},
             400, "link"),
            ({"type": "private_note", "conversation_id": 1, "text": "x"}, 400, "body"),
            ({"type": "private_note", "conversation_id": 999999999, "body": "x"}, 404,
             "conversation_id")):
        body = json.dumps(payload).encode()
        r = client.post(url, data=body, headers=signed(secret, body))
        assert r.status_code == status, (payload, r.get_json())
        assert field in r.get_json()["error"]["details"]["fields"], payload
    r = client.post(url, data=b"not json", headers=signed(secret, b"not json"))
    assert r.status_code == 400
    assert count_items(db, admin.tenant_id) == before


def test_notification_for_a_role(client: FlaskClient, admin: Member, db: Database) -> None:
    from tests.factories import add_member
    manager = add_member(client, admin, "manager")
    member = add_member(client, admin, "member")
    h = hook(client, admin)
    body = json.dumps({"type": "notification", "title": "Deploy finished",
                       "body": "v2.3 is live", "link": "/app/conversations",
                       "role": "manager"}).encode()
    r = client.post(h["incoming_url"], data=body, headers=signed(h["signing_secret"], body))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["count"] == 2  # the owner and the manager, not the member
    for who, expected in ((manager, ["Deploy finished"]), (member, [])):
        inbox = client.get("/api/v1/notifications", headers=who.headers).get_json()["data"]
        assert [n["title"] for n in inbox] == expected


def test_private_note_on_a_conversation(client: FlaskClient, admin: Member,
                                        db: Database) -> None:
    from tests import factories as make
    from tests.factories import add_member, msg
    manager = add_member(client, admin, "manager")
    [mid] = make.messages(db, admin.tenant_id, [msg("N1", "where is my parcel?", 1)],
                          device_id=make.device(db, admin.tenant_id))
    conversation = make.conversation_of(db, admin.tenant_id, mid)
    h = hook(client, admin)
    body = json.dumps({"type": "private_note", "conversation_id": conversation,
                       "body": "Carrier says: out for delivery. @Manager Person please check"
                       }).encode()
    headers = signed(h["signing_secret"], body)
    r = client.post(h["incoming_url"], data=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert (out["kind"], out["status"], out["count"]) == ("private_note", "created", 1)
    notes = client.get(f"/api/v1/conversations/{conversation}/notes",
                       headers=admin.headers).get_json()["data"]
    assert [(n["id"], n["author_id"], n["body"][:27]) for n in notes] == [
        (out["id"], None, "Carrier says: out for deliv")]
    inbox = client.get("/api/v1/notifications", headers=manager.headers).get_json()["data"]
    assert [n["kind"] for n in inbox] == ["mention"]
    with db.tenant(admin.tenant_id) as conn:
        audited = conn.execute("select details from audit_logs where action ="
                               " 'integrations.incoming' and outcome = 'allowed'").fetchall()
        events = conn.execute("select data from events where type = 'note.created'").fetchall()
    assert [a["details"]["kind"] for a in audited] == ["private_note"]
    assert audited[0]["details"]["id"] == out["id"]
    assert [e["data"]["id"] for e in events] == [out["id"]]
    r = client.post(h["incoming_url"], data=body, headers=headers)  # the same id again
    assert r.status_code == 401
    other = register_owner(client, "Other notes")
    theirs = hook(client, other)
    r = client.post(theirs["incoming_url"], data=body, headers=signed(theirs["signing_secret"],
                                                                       body))
    assert r.status_code == 404  # another tenant's conversation
    assert len(client.get(f"/api/v1/conversations/{conversation}/notes",
                          headers=admin.headers).get_json()["data"]) == 1
