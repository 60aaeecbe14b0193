"""The runner's outbox loop and device removal: simulator devices echo receipts, neonize devices
send quoted replies through neonize's build_reply_message, removed devices are logged out."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from neonize.events import ConnectedEv

from tests.webapp.whatsapp.neonize_events import PHONE, TS
from tests.webapp.whatsapp.test_runner import (
    ANA,
    GROUP_CHAT,
    ME,
    Line,
    add_device,
    device_ref,
    device_row,
    dispatch,
    fresh_database,
    make_runner,
    unavailable,
    wait_for,
)
from webapp.db import Database
from webapp.messaging import sending
from webapp.messaging.ingest import ingest
from webapp.messaging.records import MessageRecord
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant
from webapp.whatsapp import devices
from webapp.whatsapp.content import content_fields
from webapp.whatsapp.gateway import DeviceUnavailable
from webapp.whatsapp.runner import GatewayRunner


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def test_simulator_devices_send_through_the_outbox_loop(fresh: tuple[Database, str],
                                                        tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Demo")
    dev = add_device(db, tenant, kind="simulator")
    sent: list[str] = []

    def process_due(database: Database, gateway_for: Callable[[devices.GatewayDevice], Any],
                    limit: int = 50, **kwargs: Any) -> int:
        rows = [r for r in devices.gateway_devices(database) if r.id == dev]
        if sent or not rows or rows[0].status != "connected":
            return 0
        sent.append(gateway_for(rows[0]).send_text(str(dev), ANA, "on it"))
        return 1

    runner = make_runner(db, tmp_path, Line(), process_due=process_due)
    runner.start()
    try:
        wait_for(lambda: sent)

        def receipts() -> list[tuple[str, str]]:
            with db.tenant(tenant) as conn:
                ops = conn.execute("select kind, target_wa_id from message_ops").fetchall()
            return [(o["kind"], o["target_wa_id"]) for o in ops]

        assert wait_for(receipts) == [("receipt", sent[0])]  # the echo, a moment later
        with pytest.raises(DeviceUnavailable):
            runner.gateway_for(device_ref(dev + 1000)).send_text(str(dev + 1000), ANA, "x")
    finally:
        runner.stop()
    assert device_row(db, tenant, dev)["status"] == "disconnected"  # the gateway stopped


def test_queued_replies_are_sent_by_the_real_outbox_with_quotes_and_receipts(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Replies")
    user = add_user(db, tenant, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Agent",
                    "correct horse battery", "member")
    agent = Principal(user, tenant, "member", "s", "agent@example.com", "Agent", "Replies")
    sim, real = (add_device(db, tenant, kind="simulator", status="connected"),
                 add_device(db, tenant, status="connected", jid=ME))
    inbound = {"kind": "message", "chat": ANA, "sender": ANA, "timestamp": "2026-11-25T09:00:00Z"}
    ingest(db, tenant, [{**inbound, "id": "IN-SIM", "text": "invoice?"}], device_id=sim)
    ingest(db, tenant, [{**inbound, "id": "IN-REAL", "text": "router down"}], device_id=real)
    with db.tenant(tenant) as conn:
        convs = {r["device_id"]: r["id"] for r in conn.execute(
            "select device_id, id from conversations").fetchall()}
        quoted = conn.execute("select id from messages where wa_message_id = 'IN-REAL'"
                              ).fetchone()
    line, sent = Line(), list[Any]()
    runner = make_runner(db, tmp_path, line, real_outbox=True)  # outbox.process_due
    runner.start()
    try:
        client = wait_for(lambda: line.clients)[-1]

        def capture(to: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(message)
            return SimpleNamespace(ID="3EB0FROMWHATSAPP")

        client.send_message = capture
        dispatch(client, ConnectedEv(status=True))
        first = sending.reply(db, agent, convs[sim], "sending it now")
        second = sending.reply(db, agent, convs[real], "on it",
                               quoted_message_id=quoted["id"] if quoted else None)

        def status(message_id: int) -> tuple[str, str]:
            with db.tenant(tenant) as conn:
                row = conn.execute("select status, wa_message_id from messages where id = %s",
                                   (message_id,)).fetchone()
            return (row["status"], row["wa_message_id"]) if row else ("", "")

        wait_for(lambda: status(first["id"])[0] == "delivered")  # sent, then the echo
        assert wait_for(lambda: status(second["id"])[0] == "sent" and status(second["id"])) == (
            "sent", "3EB0FROMWHATSAPP")
        ctx = sent[0].extendedTextMessage.contextInfo
        assert (ctx.stanzaID, ctx.participant, ctx.quotedMessage.conversation) == (
            "IN-REAL", ANA, "router down")
    finally:
        runner.stop()


def test_devices_removed_by_an_admin_are_logged_out_and_stopped(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Removal")
    real, sim = add_device(db, tenant), add_device(db, tenant, kind="simulator")
    line = Line()
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        wait_for(lambda: line.attempts == 1 and device_row(db, tenant, sim)["status"]
                 == "connected")
        with db.tenant(tenant) as conn:
            conn.execute("update devices set status = 'logged_out'")
        wait_for(lambda: unavailable(runner, real) and unavailable(runner, sim))
        assert runner.drain()
        assert {device_row(db, tenant, d)["status"] for d in (real, sim)} == {"logged_out"}
        time.sleep(0.2)
        assert line.attempts == 1
    finally:
        runner.stop()




def test_neonize_replies_are_quoted_and_forwards_carry_the_forwarded_context(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Quotes")
    dev = add_device(db, tenant, status="connected", jid=ME)
    live = {"kind": "message", "id": "LIVE1", "chat": ANA, "sender": ANA,
            "text": "router down again", "timestamp": TS}
    ingest(db, tenant, [live], device_id=dev)
    line = Line()
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        client = wait_for(lambda: line.clients)[-1]
        dispatch(client, ConnectedEv(status=True))
        _send_and_forward(runner, client, dev, tenant)
    finally:
        runner.stop()


def _send_and_forward(runner: GatewayRunner, client: Any, dev: int, tenant: int) -> None:
    """Replies are quoted with neonize's build_reply_message; forwards carry the context."""
    sent: list[tuple[Any, Any]] = []

    def capture(to: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((to, message))
        return SimpleNamespace(ID=f"3EB0SENT{len(sent)}")

    client.send_message = capture
    gateway = runner.gateway_for(device_ref(dev, tenant))
    assert gateway.send_text(str(dev), ANA, "on it", reply_to="LIVE1") == "3EB0SENT1"
    to, reply = sent[-1]
    ctx = reply.extendedTextMessage.contextInfo
    assert (to.User, reply.extendedTextMessage.text) == (PHONE, "on it")
    assert (ctx.stanzaID, ctx.participant, ctx.quotedMessage.conversation) == (
        "LIVE1", ANA, "router down again")
    original = MessageRecord(id="LIVE1", chat=ANA, sender=ANA, text="router down again",
                             timestamp=datetime.fromtimestamp(TS, UTC))
    assert gateway.forward(str(dev), GROUP_CHAT, original) == "3EB0SENT2"
    to, forwarded = sent[-1]
    assert (to.User, to.Server) == (GROUP_CHAT.split("@")[0], "g.us")
    assert content_fields(forwarded) == {"kind": "message", "text": "router down again",
                                         "quoted_id": None, "forwarded": True}
