"""The outbox worker sends: replies through the simulator (queued -> sent -> delivered),
quoted replies, forwards, and a WhatsApp id that history sync got first."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from tests.factories import ANA, BRUNO, msg
from tests.webapp.messaging.conftest import (
    OutboxDesk,
    events_since,
    last_event_id,
    outbox_state,
    query_all,
    queue_reply,
)
from webapp.db import Database
from webapp.messaging import outbound
from webapp.messaging.records import MessageRecord
from webapp.messaging.service import ingest
from webapp.whatsapp.devices import GatewayDevice
from webapp.whatsapp.gateway import FakeGateway
from webapp.whatsapp.outbox import SimulatorGateways, process_due

pytestmark = pytest.mark.usefixtures("settled_outbox")

def test_reply_goes_queued_sent_delivered_through_the_simulator(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk) -> None:
    m = queue_reply(client, outbox_desk, "The technician arrives at 10")
    before = last_event_id(db, outbox_desk.tenant)
    gateways = SimulatorGateways(db)
    assert process_due(db, gateways) == 1
    sim = gateways.gateways[outbox_desk.device]
    [sent] = sim.sent
    assert (sent.device, sent.chat, sent.text) == (str(outbox_desk.device), ANA, m["text"])
    after = outbox_state(db, outbox_desk, m["id"])
    assert after["outbox"] == "sent" and after["attempts"] == 1
    assert after["status"] == "delivered" and after["delivered_at"] is not None
    assert after["wa_message_id"] == sent.id  # the id WhatsApp knows it by
    assert events_since(db, outbox_desk.tenant, before) == [("message.updated", m["id"])] * 2
    api = client.get(f"/api/v1/conversations/{outbox_desk.ana}/messages",
                     headers=outbox_desk.owner.headers).get_json()["data"][0]
    assert (api["id"], api["status"], api["wa_message_id"]) == (m["id"], "delivered", sent.id)
    # History sync later brings the same message: it is recognised, not duplicated.
    echo = msg(sent.id, m["text"], 5, chat=ANA, sender="15550100001@s.whatsapp.net",
               from_me=True)
    result = ingest(db, outbox_desk.tenant, [echo], device_id=outbox_desk.device)
    assert (result.ingested, result.duplicates) == (0, 1)
    assert process_due(db, gateways) == 0


def test_quoted_reply_carries_the_quoted_id(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    quoted = query_all(db, outbox_desk.tenant, "select id from messages where wa_message_id = 'A1'")
    m = queue_reply(client, outbox_desk, "Yes, fixed", quoted_message_id=quoted[0]["id"])
    assert process_due(db, lambda row: fake) == 1
    [sent] = fake.sent
    assert (sent.kind, sent.reply_to, sent.chat) == ("text", "A1", ANA)
    after = outbox_state(db, outbox_desk, m["id"])
    assert (after["status"], after["outbox"], after["wa_message_id"]) == ("sent", "sent", sent.id)


def test_gateway_for_gets_the_device_row(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    queue_reply(client, outbox_desk, "hello")
    rows: list[GatewayDevice] = []
    process_due(db, lambda row: rows.append(row) or fake)  # type: ignore[func-returns-value]
    assert rows == [GatewayDevice(id=outbox_desk.device, tenant_id=outbox_desk.tenant,
                                  kind="simulator", jid="15550100001@s.whatsapp.net",
                                  status="connected")]


def test_forward_sends_the_source_message(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    source = query_all(db, outbox_desk.tenant, "select id from messages where wa_message_id = 'B1'")
    r = client.post("/api/v1/messages/forward", headers=outbox_desk.owner.headers,
                    json={"message_id": source[0]["id"], "conversation_id": outbox_desk.ana})
    assert r.status_code == 202
    assert process_due(db, lambda row: fake) == 1
    [sent] = fake.sent
    assert (sent.kind, sent.chat, sent.forwarded_from, sent.text) == (
        "forward", ANA, "B1", "Invoice INV-9 please")
    after = outbox_state(db, outbox_desk, r.get_json()["id"])
    assert (after["status"], after["outbox"]) == ("sent", "sent")


def test_forward_of_a_message_revoked_meanwhile_is_not_sent(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk, fake: FakeGateway) -> None:
    ingest(db, outbox_desk.tenant, [msg("B7", "forward me", 7, chat=BRUNO)],
           device_id=outbox_desk.device)
    source = query_all(db, outbox_desk.tenant, "select id from messages where wa_message_id = 'B7'")
    r = client.post("/api/v1/messages/forward", headers=outbox_desk.owner.headers,
                    json={"message_id": source[0]["id"], "conversation_id": outbox_desk.ana})
    assert r.status_code == 202
    ingest(db, outbox_desk.tenant, [{"kind": "revoke", "id": "R7", "chat": BRUNO, "sender": BRUNO,
                               "target_id": "B7", "timestamp": "2026-11-25T09:30:00Z"}],
           device_id=outbox_desk.device)
    assert process_due(db, lambda row: fake) == 1
    after = outbox_state(db, outbox_desk, r.get_json()["id"])
    assert (after["outbox"], after["status"]) == ("failed", "failed") and fake.sent == []
    assert "deleted" in after["last_error"]


def test_history_sync_that_got_there_first_is_merged(
        client: FlaskClient, db: Database, outbox_desk: OutboxDesk) -> None:
    m = queue_reply(client, outbox_desk, "merge me")

    class RacingGateway(FakeGateway):
        """WhatsApp assigns HSYNC-1, and history sync stores it (read) before we record it."""

        def send_text(self, device: str, chat: str, text: str,
                      reply_to: str | None = None) -> str:
            ingest(db, outbox_desk.tenant, [
                msg("HSYNC-1", text, 50, chat=chat, sender="15550100001@s.whatsapp.net",
                    from_me=True),
                {"kind": "receipt", "id": "rcpt-hsync", "chat": chat, "sender": chat,
                 "target_ids": ["HSYNC-1"], "type": "read", "timestamp": "2026-11-25T09:05:00Z"},
            ], device_id=outbox_desk.device)
            return "HSYNC-1"

    assert process_due(db, lambda row: RacingGateway()) == 1
    rows = query_all(db, outbox_desk.tenant, "select id, status, read_at from messages "
                     "where wa_message_id = 'HSYNC-1'")
    assert [(r["id"], r["status"]) for r in rows] == [(m["id"], "read")]
    conv = client.get(f"/api/v1/conversations/{outbox_desk.ana}", headers=outbox_desk.owner.headers)
    assert conv.get_json()["last_message"]["id"] == m["id"]


def test_forward_record_from_a_job() -> None:
    job = outbound.OutboxJob(
        id=1, kind="forward", attempts=1, source_message_id=None, message_id=2,
        wa_message_id="W1", conversation_id=3, sender_jid="15550100001@s.whatsapp.net",
        sender_name=None, sent_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), text=None,
        media={"type": "image", "caption": "c"}, quoted_wa_id=None, chat_jid=ANA, device_id=4,
        tenant_id=5, device_kind="simulator", device_jid=None, device_status="connected",
        source=None)
    record = outbound.forward_record(job)
    assert isinstance(record, MessageRecord) and record.media is not None
    assert (record.id, record.chat, record.from_me) == ("W1", ANA, True)
