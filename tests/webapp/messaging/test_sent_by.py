"""Who sent a from-me message (issue 13): the agent who replied, the paired phone, or an
automation; inbound messages have no `sent_by`. The conversation preview carries it too."""

from __future__ import annotations

import psycopg
import pytest
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, msg, register_owner
from tests.webapp.messaging.conftest import query_all
from webapp.db import Database
from webapp.errors import ValidationFailed
from webapp.messaging.service import ingest

ANA = "5511999990001@s.whatsapp.net"


def test_reply_records_its_agent_and_phone_messages_say_phone(client: FlaskClient,
                                                              db: Database) -> None:
    owner = register_owner(client, "Sent by A")
    member = add_member(client, owner, "member")
    t = owner.tenant_id
    device = make.device(db, t, jid="15550100009@s.whatsapp.net")
    ingest(db, t, [msg("IN1", "Is my order shipped?", 1, chat=ANA),
                   msg("PH1", "Typed on the phone", 2, chat=ANA, from_me=True)],
           device_id=device)
    conv = make.conversation(db, t, ANA)

    r = client.post("/api/v1/messages/reply", headers=member.headers,
                    json={"conversation_id": conv, "text": "Yes, it left today"})
    assert r.status_code == 202, r.get_json()
    sent = r.get_json()
    assert sent["sent_by"] == {"kind": "agent", "user_id": member.user_id,
                               "name": "Member Person"}
    row = query_all(db, t, "select sent_by, sent_by_user_id from messages where id = %s",
                    (sent["id"],))
    assert row == [{"sent_by": "agent", "sent_by_user_id": member.user_id}]

    page = client.get(f"/api/v1/conversations/{conv}/messages",
                      headers=owner.headers).get_json()["data"]
    by_text = {m["text"]: m["sent_by"] for m in page}
    assert by_text["Is my order shipped?"] is None
    assert by_text["Typed on the phone"] == {"kind": "phone", "user_id": None, "name": "Phone"}
    assert by_text["Yes, it left today"]["user_id"] == member.user_id

    convo = client.get(f"/api/v1/conversations/{conv}", headers=owner.headers).get_json()
    assert convo["last_message"]["sent_by"]["kind"] == "agent"
    assert convo["last_message"]["sent_by"]["name"] == "Member Person"


def test_sent_by_is_refused_on_inbound_messages(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client, "Sent by B")
    t = owner.tenant_id
    device = make.device(db, t)
    ingest(db, t, [msg("IN2", "Hello", 1, chat=ANA)], device_id=device)
    with pytest.raises(ValidationFailed) as refused, db.tenant(t) as conn:
        conn.execute("update messages set sent_by = 'agent' where wa_message_id = 'IN2'")
    assert isinstance(refused.value.__cause__, psycopg.errors.CheckViolation)
    assert "messages_sent_by_check" in str(refused.value.__cause__)
