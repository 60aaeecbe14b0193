"""Labels on messages: put on and taken off (idempotent, live as message.updated), shown in the
message lists; another tenant's message or label is a 404 and a viewer is refused."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, msg, register_owner
from tests.webapp.messaging.conftest import events_since, last_event_id
from webapp.db import Database
from webapp.messaging.service import ingest


def test_label_a_message(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client, "Msg labels A")
    member = add_member(client, owner, "member")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Msg labels B")
    t = owner.tenant_id
    ingest(db, t, [msg("ML1", "Here is invoice 42", 1)], device_id=make.device(db, t))
    ingest(db, other.tenant_id, [msg("ML9", "Other", 1)],
           device_id=make.device(db, other.tenant_id))
    conv = make.conversation(db, t, make.ANA)
    message_id = client.get(f"/api/v1/conversations/{conv}/messages",
                            headers=owner.headers).get_json()["data"][0]["id"]
    other_conv = make.conversation(db, other.tenant_id, make.ANA)
    other_message = client.get(f"/api/v1/conversations/{other_conv}/messages",
                               headers=other.headers).get_json()["data"][0]["id"]
    invoice = client.post("/api/v1/labels", headers=owner.headers,
                          json={"name": "Invoice", "color": "#0ea5e9"}).get_json()
    other_label = client.post("/api/v1/labels", headers=other.headers,
                              json={"name": "Theirs"}).get_json()

    before = last_event_id(db, t)
    url = f"/api/v1/messages/{message_id}/labels"
    r = client.post(url, headers=member.headers, json={"label_id": invoice["id"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["labels"] == [{"id": invoice["id"], "name": "Invoice",
                                       "color": "#0ea5e9"}]
    again = client.post(url, headers=member.headers, json={"label_id": invoice["id"]})
    assert again.status_code == 200 and len(again.get_json()["labels"]) == 1
    assert events_since(db, t, before) == [("message.updated", message_id)]  # once

    listed = client.get(f"/api/v1/conversations/{conv}/messages",
                        headers=viewer.headers).get_json()["data"][0]
    assert [lb["name"] for lb in listed["labels"]] == ["Invoice"]

    # Refusals: viewer, another tenant's message, another tenant's label, a bad id.
    assert client.post(url, headers=viewer.headers,
                       json={"label_id": invoice["id"]}).status_code == 403
    assert client.post(f"/api/v1/messages/{other_message}/labels", headers=member.headers,
                       json={"label_id": invoice["id"]}).status_code == 404
    r = client.post(url, headers=member.headers, json={"label_id": other_label["id"]})
    assert r.status_code == 404 and r.get_json()["error"]["details"]["fields"] == {
        "label_id": "no such label"}
    assert client.post(url, headers=member.headers, json={"label_id": "1"}).status_code == 400

    r = client.delete(f"{url}/{invoice['id']}", headers=member.headers)
    assert r.status_code == 200 and r.get_json()["labels"] == []
    assert client.delete(f"{url}/{invoice['id']}", headers=member.headers).status_code == 200

    # Deleting the label takes it off the message too.
    client.post(url, headers=member.headers, json={"label_id": invoice["id"]})
    client.delete(f"/api/v1/labels/{invoice['id']}", headers=owner.headers)
    listed = client.get(f"/api/v1/conversations/{conv}/messages",
                        headers=owner.headers).get_json()["data"][0]
    assert listed["labels"] == []
