"""The gateway seam: FakeGateway, SimulatorGateway, and no neonize at import."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webapp.messaging.records import Media, MessageRecord, ReceiptRecord, Record
from webapp.whatsapp.gateway import (
    DeviceUnavailable,
    FakeGateway,
    SendFailed,
    SimulatorGateway,
    WhatsAppGateway,
)
from webapp.whatsapp.results import DeviceStatusChange

ANA = "5511999990001@s.whatsapp.net"
GROUP = "120363012345678901@g.us"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _stored_message() -> MessageRecord:
    return MessageRecord(id="3AIN", chat=ANA, sender=ANA, timestamp=NOW,
                         media=Media(type="image", mime="image/jpeg", caption="broken", size=9))


def test_importing_the_gateway_does_not_import_neonize() -> None:
    code = ("import sys, webapp.whatsapp.gateway, webapp.whatsapp.results;"
            "print('neonize' in sys.modules)")
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=repo)
    assert out.stdout.strip() == "False"


def test_fake_gateway_records_sends_and_forwards() -> None:
    statuses: list[tuple[str, DeviceStatusChange]] = []
    gw: WhatsAppGateway = FakeGateway(on_status=lambda d, c: statuses.append((d, c)))
    gw.start("7")
    first = gw.send_text("7", ANA, "on it", reply_to="3AIN")
    second = gw.forward("7", GROUP, _stored_message())
    assert isinstance(gw, FakeGateway) and first != second
    assert [(s.kind, s.chat, s.reply_to, s.forwarded_from) for s in gw.sent] == [
        ("text", ANA, "3AIN", None), ("forward", GROUP, None, "3AIN")]
    assert gw.sent[1].media == {"type": "image", "mime": "image/jpeg", "caption": "broken",
                                "size": 9}
    assert statuses == [("7", DeviceStatusChange("connected", event="connected"))]


def test_fake_gateway_failures_and_logged_out_devices() -> None:
    gw = FakeGateway()
    with pytest.raises(DeviceUnavailable, match="not started"):
        gw.send_text("7", ANA, "hello")
    gw.start("7")
    gw.fail_next()
    with pytest.raises(SendFailed):
        gw.send_text("7", ANA, "hello")
    assert gw.send_text("7", ANA, "hello again")
    gw.logout("7")
    with pytest.raises(DeviceUnavailable, match="logged_out"):
        gw.send_text("7", ANA, "anyone?")
    with pytest.raises(DeviceUnavailable, match="pair it again"):
        gw.start("7")
    assert len(gw.sent) == 1


def test_fake_gateway_injects_inbound_traffic() -> None:
    seen: list[Record] = []
    statuses: list[tuple[str, DeviceStatusChange]] = []
    gw = FakeGateway(on_record=seen.append, on_status=lambda d, c: statuses.append((d, c)))
    gw.inject(_stored_message())
    gw.inject_status("7", DeviceStatusChange("outdated", event="client_outdated"))
    assert [r.id for r in seen] == ["3AIN"] and gw.states["7"] == "outdated"
    assert statuses[0][1].terminal


def test_simulator_gateway_echoes_a_delivery_receipt_per_send() -> None:
    seen: list[Record] = []
    gw = SimulatorGateway(seen.append, device_jids={"7": "15550100001@s.whatsapp.net"},
                          members={GROUP: [ANA]}, now=lambda: NOW)
    gw.start("7")
    direct = gw.send_text("7", ANA, "on it")
    grouped = gw.forward("7", GROUP, _stored_message())
    assert all(isinstance(r, ReceiptRecord) for r in seen)
    receipts = [r for r in seen if isinstance(r, ReceiptRecord)]
    assert [(r.target_ids, r.type, r.sender, r.from_me) for r in receipts] == [
        ([direct], "delivered", ANA, False), ([grouped], "delivered", ANA, False)]
    assert {r.device for r in receipts} == {"15550100001@s.whatsapp.net"}
    assert direct.startswith("3EB0") and len(direct) == 22


def test_simulator_gateway_group_without_known_members_reports_the_server_ack() -> None:
    seen: list[Record] = []
    gw = SimulatorGateway(seen.append, now=lambda: NOW)
    gw.start("15550100009@s.whatsapp.net")
    gw.send_text("15550100009@s.whatsapp.net", GROUP, "hello team")
    assert (seen[0].sender, seen[0].from_me) == ("15550100009@s.whatsapp.net", True)
