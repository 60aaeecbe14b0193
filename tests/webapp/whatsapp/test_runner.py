"""The gateway runner against the real database, fed REAL neonize event protobufs through
neonize's own dispatch (`client.event.execute`, the QR callback Go calls) into the handlers the
runner registered on a real NewClient. Only `connect()` is replaced: WhatsApp is unreachable."""

from __future__ import annotations

import ctypes
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from google.protobuf.message import Message as Proto
from neonize.events import (
    EVENT_TO_INT,
    ClientOutdatedEv,
    ConnectedEv,
    DisconnectedEv,
    HistorySyncEv,
    LoggedOutEv,
    PairStatusEv,
)
from neonize.proto.Neonize_pb2 import ConnectFailureReason, Device
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message
from neonize.proto.waHistorySync.WAWebProtobufsHistorySync_pb2 import (
    Conversation,
    HistorySync,
    HistorySyncMsg,
)
from neonize.proto.waWeb.WAWebProtobufsWeb_pb2 import WebMessageInfo

from tests import factories as make
from tests.conftest import create_db, drop_db, dsn_for
from tests.webapp.whatsapp.neonize_events import OWN, PHONE, TS, jid, message_event
from webapp.db import Database
from webapp.tenants.service import create_tenant
from webapp.whatsapp.devices import GatewayDevice
from webapp.whatsapp.gateway import DeviceUnavailable, GatewayError
from webapp.whatsapp.intake import Backoff
from webapp.whatsapp.neonize_gateway import NeonizeGateway
from webapp.whatsapp.runner import GatewayRunner, ProcessDue, RunnerConfig
from webapp.whatsapp.sessions import SessionStore
from webapp.whatsapp.status import OUTDATED_ERROR

ANA = f"{PHONE}@s.whatsapp.net"
ME = f"{OWN}@s.whatsapp.net"
BRUNO = "5511988887777@s.whatsapp.net"
GROUP_CHAT = "120363012345678901@g.us"
QR = b"2@Yk9o3XvZ0bL0pWc1Yx8=,r4nd0mN01s3K3y=,1d3nt1tyK3y=,adv53cr3t="
REPO = Path(__file__).resolve().parents[3]
T = TypeVar("T")


@contextmanager
def fresh_database(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A database of its own: the runner serves every device in it, so tests must not share."""
    name = f"mf_gw_{uuid.uuid4().hex[:10]}"
    create_db(pg_admin_dsn, name, template=template_db)
    dsn = dsn_for(pg_admin_dsn, name)
    db = Database(dsn, min_size=1, max_size=6)
    db.open()
    try:
        yield db, dsn
    finally:
        db.close()
        drop_db(pg_admin_dsn, name)


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def add_device(db: Database, tenant: int, kind: str = "neonize", *, status: str = "pending",
               jid: str | None = None, pair_phone: str | None = None) -> int:
    """A gateway's device row (a neonize one, pending, unless told otherwise)."""
    return make.device(db, tenant, kind=kind, status=status, name="Desk", jid=jid,
                       pair_phone=pair_phone)


def device_row(db: Database, tenant: int, device_id: int) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        row = conn.execute("select * from devices where id = %s", (device_id,)).fetchone()
    assert row is not None
    return row


def frames(db: Database, tenant: int) -> list[dict[str, Any]]:
    """The realtime frames of the tenant's whatsapp.device events, oldest first."""
    with db.tenant(tenant) as conn:
        rows = conn.execute("select mf_event_frame(e) as f from events e "
                            "where type = 'whatsapp.device' order by id").fetchall()
    return [r["f"] for r in rows]


def dispatch(client: Any, ev: Proto) -> None:
    """Deliver an event exactly as the Go library does: serialized bytes through execute()."""
    raw = ev.SerializePartialToString()
    buf = ctypes.create_string_buffer(raw, len(raw))
    client.event.execute(0, ctypes.addressof(buf), len(raw), EVENT_TO_INT[type(ev)])


def show_qr(client: Any, payload: bytes) -> None:
    """Deliver a QR payload through NewClient's own QR callback (the one Go calls)."""
    buf = ctypes.create_string_buffer(payload)
    client._NewClient__onQr(0, ctypes.addressof(buf))


def wait_for(check: Callable[[], T], timeout: float = 5.0) -> T:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
    return value


@dataclass
class Line:
    """A stand-in for `connect()`: a script on the connect thread, then a live connection."""

    # The script runs where Go would deliver events; then the call blocks like a live
    # connection until the gateway ends it (stop, or a terminal status).

    script: Callable[[Any], None] | None = None
    block: bool = True
    clients: list[Any] = field(default_factory=list)

    def __call__(self, client: Any, ended: threading.Event) -> None:
        self.clients.append(client)
        if self.script is not None:
            self.script(client)
        if self.block:
            ended.wait(30)

    @property
    def attempts(self) -> int:
        return len(self.clients)


def make_runner(db: Database, home: Path, line: Line, store: SessionStore | None = None,
                process_due: ProcessDue | None = None, real_outbox: bool = False,
                **config: Any) -> GatewayRunner:
    """A runner whose neonize devices connect through `line` (no outbox unless asked)."""
    def factory(runner: GatewayRunner) -> NeonizeGateway:
        return NeonizeGateway(store or SessionStore(folder=home / "wa"),
                              lambda device, item: runner.submit(int(device), item),
                              connector=line, backoff=Backoff(0.01, 0.05, jitter=0),
                              quoted=runner.quoted)

    cfg = RunnerConfig(poll_interval=0.05, outbox_interval=0.05, home=home, **config)
    quiet: ProcessDue | None = None if real_outbox else (lambda *a, **k: 0)
    return GatewayRunner(db, cfg, neonize_factory=factory, process_due=process_due or quiet)


def history_chunk(*items: tuple[str, str, str, int], progress: int = 42) -> HistorySyncEv:
    """A history-sync chunk of (id, chat, text, ts) messages from the chat's person."""
    convs: dict[str, list[HistorySyncMsg]] = {}
    for msg_id, chat, text, ts in items:
        info = WebMessageInfo(key=MessageKey(remoteJID=chat, fromMe=False, ID=msg_id),
                              message=Message(conversation=text), messageTimestamp=ts)
        convs.setdefault(chat, []).append(HistorySyncMsg(message=info))
    data = HistorySync(syncType=HistorySync.RECENT, progress=progress,
                       conversations=[Conversation(ID=c, messages=m) for c, m in convs.items()])
    return HistorySyncEv(Data=data)


def test_pairing_messages_history_sending_and_logout(fresh: tuple[Database, str],
                                                     tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Ops")
    dev = add_device(db, tenant)
    line = Line()
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        client = wait_for(lambda: line.clients)[-1]
        show_qr(client, QR)
        assert runner.drain()
        row = device_row(db, tenant, dev)
        assert (row["status"], row["qr_payload"]) == ("pairing", QR.decode())
        dispatch(client, Device(JID=jid(OWN, device=7), PushName="Ops Desk", Initialized=True))
        dispatch(client, PairStatusEv(ID=jid(OWN, device=7), Status=PairStatusEv.SUCCESS))
        dispatch(client, ConnectedEv(status=True))
        _live_and_history_messages(runner, client, db, tenant, dev)

        dispatch(client, LoggedOutEv(OnConnect=False, Reason=ConnectFailureReason.LOGGED_OUT))
        assert runner.drain()
        row = device_row(db, tenant, dev)
        assert (row["status"], row["last_error"]) == (
            "logged_out", "logged out by WhatsApp (LOGGED_OUT)")
        assert dev in runner.given_up
        wait_for(lambda: unavailable(runner, dev))
        time.sleep(0.2)
        assert line.attempts == 1  # no reconnect after a logout
    finally:
        runner.stop()


def _live_and_history_messages(runner: GatewayRunner, client: Any, db: Database, tenant: int,
                               dev: int) -> None:
    """A live message, then a history chunk (delivered twice) that overlaps it: each once."""
    dispatch(client, message_event(Message(conversation="router down again"), msg_id="LIVE1"))
    with db.tenant(tenant) as conn:  # no drain: the callback returned only after the commit
        assert conn.execute("select count(*) as n from messages where wa_message_id = 'LIVE1'"
                            ).fetchone() == {"n": 1}
    chunk = history_chunk(("LIVE1", ANA, "router down again", TS),
                          ("H1", ANA, "hello?", TS - 60), ("H2", BRUNO, "invoice?", TS - 30))
    dispatch(client, chunk)
    dispatch(client, chunk)  # WhatsApp may deliver a chunk again
    assert runner.drain()
    row = device_row(db, tenant, dev)
    assert (row["status"], row["jid"], row["qr_payload"]) == ("connected", ME, None)
    assert row["last_seen"] is not None and row["last_error"] is None
    with db.tenant(tenant) as conn:
        stored = conn.execute("select wa_message_id, device_id from messages "
                              "order by wa_message_id").fetchall()
    assert [(m["wa_message_id"], m["device_id"]) for m in stored] == [
        ("H1", dev), ("H2", dev), ("LIVE1", dev)]
    history = [f["history_sync"] for f in frames(db, tenant) if f["event"] == "history_sync"]
    assert [(h["progress"], h["ingested"], h["duplicates"]) for h in history] == [
        (42, 2, 1), (42, 0, 3)]
    assert [f["event"] for f in frames(db, tenant)][:2] == ["qr", "pair_success"]


def device_ref(dev: int, tenant: int = 0, kind: str = "neonize") -> GatewayDevice:
    """The device of an outbox send, as `GatewayRunner.gateway_for` is given it."""
    return GatewayDevice(id=dev, tenant_id=tenant, kind=kind, jid=None, status="connected")


def unavailable(runner: GatewayRunner, dev: int) -> bool:
    try:
        runner.gateway_for(device_ref(dev)).send_text(str(dev), ANA, "anyone?")
    except DeviceUnavailable:
        return True
    except GatewayError:  # running but not connected
        return False
    return False


def test_pairing_by_phone_number_stores_the_code(fresh: tuple[Database, str],
                                                 tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Phone")
    good, bad = (add_device(db, tenant, pair_phone="5511999990001"),
                 add_device(db, tenant, pair_phone="5511999990002"))
    calls: list[tuple[str, bool]] = []

    def pair_phone(phone: str, push: bool, *args: Any) -> str:
        calls.append((phone, push))
        if phone.endswith("2"):
            raise RuntimeError("websocket not connected")
        return "ABCD-EFGH"

    line = Line()
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        wait_for(lambda: line.attempts == 2)
        for client in line.clients:
            client.PairPhone = pair_phone  # whatsmeow's PairPhone needs WhatsApp's servers
            show_qr(client, QR)  # the first QR tells the gateway the connection is up
        wait_for(lambda: device_row(db, tenant, good)["pair_code"]
                 and device_row(db, tenant, bad)["last_error"])
        assert sorted(calls) == [("5511999990001", True), ("5511999990002", True)]
        failed = device_row(db, tenant, bad)
        assert (failed["pair_code"], failed["last_error"]) == (
            None, "pairing by phone failed: websocket not connected")
        show_qr(next(c for c in line.clients if c.uuid == f"mf-device-{good}".encode()),
                QR + b"2")  # WhatsApp rotates the QR: no second code request
        assert runner.drain()
        ok = device_row(db, tenant, good)
        assert (ok["status"], ok["pair_code"], ok["qr_payload"]) == (
            "pairing", "ABCD-EFGH", (QR + b"2").decode())
        assert len(calls) == 2
        assert "pair_code" in [f["event"] for f in frames(db, tenant)]
    finally:
        runner.stop()


def test_outdated_client_is_not_reconnected(fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Old")
    dev = add_device(db, tenant, status="connected", jid=ME)

    def outdated(client: Any) -> None:  # what whatsmeow reports on a 405, then the drop
        dispatch(client, ClientOutdatedEv())
        dispatch(client, DisconnectedEv(status=True))
        raise RuntimeError("websocket closed: 405 client outdated")

    line = Line(outdated, block=False)
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        wait_for(lambda: device_row(db, tenant, dev)["status"] == "outdated")
        time.sleep(0.4)  # dozens of backoff periods (0.01-0.05 s)
        assert runner.drain()
        assert line.attempts == 1
        row = device_row(db, tenant, dev)
        assert (row["status"], row["last_error"]) == ("outdated", OUTDATED_ERROR)
        assert dev in runner.given_up and unavailable(runner, dev)
    finally:
        runner.stop()


def test_offline_connects_retry_with_capped_backoff_without_event_spam(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, "Offline")
    dev = add_device(db, tenant)

    def offline(client: Any) -> None:
        if line.attempts == 1:
            show_qr(client, QR)  # a QR that dies with its connection
        raise OSError("dial tcp: lookup web.whatsapp.com: no such host")

    line = Line(offline, block=False)
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        wait_for(lambda: line.attempts >= 8)
        assert runner.drain()
        row = device_row(db, tenant, dev)
        assert row["status"] == "pairing" and "no such host" in row["last_error"]
        assert row["qr_payload"] is None
        assert [f["event"] for f in frames(db, tenant)] == ["qr", "connect_error"]
    finally:
        runner.stop()
    assert len({id(c) for c in line.clients}) == 1  # one NewClient per device, reused
