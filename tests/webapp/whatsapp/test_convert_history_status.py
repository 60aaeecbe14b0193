"""HistorySyncEv and connection/pairing events through neonize's dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf.message import Message as Proto
from neonize.events import (
    ClientOutdatedEv,
    ConnectedEv,
    ConnectFailureEv,
    DisconnectedEv,
    HistorySyncEv,
    LoggedOutEv,
    PairStatusEv,
    StreamReplacedEv,
    TemporaryBanEv,
)
from neonize.proto.Neonize_pb2 import ConnectFailureReason
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message
from neonize.proto.waHistorySync.WAWebProtobufsHistorySync_pb2 import (
    Conversation,
    HistorySync,
    HistorySyncMsg,
    Pushname,
)
from neonize.proto.waWeb.WAWebProtobufsWeb_pb2 import WebMessageInfo

from tests.webapp.whatsapp.neonize_events import GROUP, LID, OWN, PHONE, TS, Harness, jid
from webapp.whatsapp.results import DeviceStatusChange, HistoryBatch
from webapp.whatsapp.status import OUTDATED_ERROR, pairing_qr

ANA = f"{PHONE}@s.whatsapp.net"
ME = f"{OWN}@s.whatsapp.net"
BRUNO = "5511988887777@s.whatsapp.net"


@pytest.fixture
def wa(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "wa.db", device=None)


def _item(msg_id: str, chat: str, text: str, ts: int, *, from_me: bool = False,
          participant: str = "", push: str = "") -> HistorySyncMsg:
    info = WebMessageInfo(key=MessageKey(remoteJID=chat, fromMe=from_me, ID=msg_id,
                                         participant=participant),
                          message=Message(conversation=text), messageTimestamp=ts,
                          pushName=push)
    return HistorySyncMsg(message=info)


def history_event() -> HistorySyncEv:
    """Two chats, newest first as WhatsApp sends them, one from_me message and one stub."""
    direct = Conversation(ID=ANA, pnJID=ANA, lidJID=f"{LID}@lid", messages=[
        _item("H3", ANA, "thanks!", TS + 30, push="Ana"),
        _item("H2", ANA, "sent it", TS + 20, from_me=True),
        HistorySyncMsg(message=WebMessageInfo(key=MessageKey(remoteJID=ANA, ID="STUB"),
                                              messageTimestamp=TS + 5)),
    ])
    group = Conversation(ID=f"{GROUP}@g.us", name="Loja Centro – Operações", messages=[
        _item("H1", f"{GROUP}@g.us", "router down", TS + 10, participant=BRUNO),
    ])
    data = HistorySync(syncType=HistorySync.RECENT, progress=42, chunkOrder=3,
                       conversations=[direct, group],
                       pushnames=[Pushname(ID=BRUNO, pushname="Bruno")])
    return HistorySyncEv(Data=data)


def test_history_sync_yields_records_oldest_first_with_progress(wa: Harness) -> None:
    wa.pair()
    batch = wa.one(history_event())
    assert isinstance(batch, HistoryBatch)
    assert (batch.progress, batch.chunk_order, batch.sync_type) == (42, 3, "RECENT")
    assert [r.id for r in batch.records] == ["H1", "H2", "H3"] and batch.skipped == 1
    h1, h2, h3 = batch.records
    assert (h1.chat, h1.sender, h1.sender_name, h1.chat_name) == (
        f"{GROUP}@g.us", BRUNO, "Bruno", "Loja Centro – Operações")
    assert (h2.from_me, h2.sender, h2.device) == (True, ME, ME)
    assert (h3.sender_name, h3.chat_alt, h3.sender_alt) == ("Ana", f"{LID}@lid", f"{LID}@lid")


def test_history_from_me_messages_need_to_know_who_we_are(wa: Harness) -> None:
    batch = wa.one(history_event())  # no Device event yet: our own JID is unknown
    assert [r.id for r in batch.records] == ["H1", "H3"] and batch.skipped == 2


STATUS_CASES: list[tuple[Proto, DeviceStatusChange]] = [
    (ConnectedEv(status=True), DeviceStatusChange("connected", ME, None, "connected")),
    (DisconnectedEv(status=True), DeviceStatusChange("disconnected", ME, None, "disconnected")),
    (LoggedOutEv(OnConnect=True, Reason=ConnectFailureReason.LOGGED_OUT),
     DeviceStatusChange("logged_out", ME, "logged out by WhatsApp (LOGGED_OUT)", "logged_out")),
    (PairStatusEv(ID=jid("5511977776666", device=4), Status=PairStatusEv.SUCCESS,
                  Platform="android"),
     DeviceStatusChange("connected", "5511977776666@s.whatsapp.net", None, "pair_success")),
    (PairStatusEv(Status=PairStatusEv.ERROR, Error="pairing rejected"),
     DeviceStatusChange("pairing", ME, "pairing rejected", "pair_error")),
    (StreamReplacedEv(), DeviceStatusChange(
        "disconnected", ME, "another client connected with this session", "stream_replaced")),
    (ClientOutdatedEv(), DeviceStatusChange("outdated", ME, OUTDATED_ERROR, "client_outdated")),
    (ConnectFailureEv(Reason=ConnectFailureReason.CLIENT_OUTDATED, Message="405"),
     DeviceStatusChange("outdated", ME, OUTDATED_ERROR, "connect_failure")),
    (ConnectFailureEv(Reason=ConnectFailureReason.MAIN_DEVICE_GONE),
     DeviceStatusChange("logged_out", ME, "connect failure: MAIN_DEVICE_GONE", "connect_failure")),
    (TemporaryBanEv(Code=TemporaryBanEv.SENT_TOO_MANY_SAME_MESSAGE, Expire=3600),
     DeviceStatusChange("disconnected", ME, "temporarily banned by WhatsApp "
                        "(SENT_TOO_MANY_SAME_MESSAGE), expires in 3600 s", "temporary_ban")),
]


@pytest.mark.parametrize(("ev", "expected"), STATUS_CASES,
                         ids=[type(ev).__name__ for ev, _ in STATUS_CASES])
def test_status_events(wa: Harness, ev: Proto, expected: DeviceStatusChange) -> None:
    wa.pair()
    assert wa.one(ev) == expected


def test_terminal_statuses_are_the_ones_a_reconnect_cannot_fix(wa: Harness) -> None:
    wa.pair()
    terminal = {change.event for ev, _ in STATUS_CASES if (change := wa.one(ev)).terminal}
    assert terminal == {"logged_out", "stream_replaced", "client_outdated", "connect_failure",
                        "temporary_ban"}


def test_connected_before_pairing_has_no_jid(wa: Harness) -> None:
    assert wa.one(ConnectedEv(status=True)).jid is None


def test_qr_payload_is_a_pairing_status() -> None:
    change = pairing_qr(b"2@abc,def,ghi")
    assert (change.status, change.qr, change.terminal) == ("pairing", "2@abc,def,ghi", False)
