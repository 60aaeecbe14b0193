"""Builders for real neonize event protobufs, and a harness that feeds them through neonize's
own dispatch (`client.event.execute`, the path the Go library calls) into our converters."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path
from typing import Any

import neonize.events
from google.protobuf import json_format
from google.protobuf.message import Message as Proto
from neonize.client import NewClient
from neonize.events import EVENT_TO_INT, INT_TO_EVENT, MessageEv
from neonize.proto.Neonize_pb2 import JID, Device, MessageInfo, MessageSource
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message

from webapp.whatsapp.convert import Converted, attach

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "traffic" / "events"
TS = 1_795_000_000  # 2026-11-18T08:26:40Z
PHONE = "5511999990001"
LID = "204958112344567"
OWN = "15550100001"
GROUP = "120363012345678901"


def jid(user: str, server: str = "s.whatsapp.net", device: int = 0) -> JID:
    """A neonize JID proto, as whatsmeow encodes it."""
    return JID(User=user, Server=server, Device=device, RawAgent=0, Integrator=0, IsEmpty=False)


def empty_jid() -> JID:
    """The encoding of whatsmeow's empty JID."""
    return JID(User="", Server="", Device=0, RawAgent=0, Integrator=0, IsEmpty=True)


def source(chat: JID, sender: JID, *, from_me: bool = False, sender_alt: JID | None = None,
           recipient_alt: JID | None = None) -> MessageSource:
    """A MessageSource with the alt fields filled the way neonize fills them."""
    return MessageSource(
        Chat=chat, Sender=sender, IsFromMe=from_me, IsGroup=chat.Server == "g.us",
        SenderAlt=sender_alt or empty_jid(), RecipientAlt=recipient_alt or empty_jid(),
    )


def message_event(content: Message, *, msg_id: str = "3A0000000000000000AA",
                  src: MessageSource | None = None, push_name: str = "Ana",
                  ts: int = TS) -> MessageEv:
    """A MessageEv from Ana's phone (by default) carrying `content`."""
    src = src or source(jid(PHONE), jid(PHONE, device=0))
    info = MessageInfo(MessageSource=src, ID=msg_id, Pushname=push_name, Timestamp=ts,
                       Type="text")
    return MessageEv(Info=info, Message=content, Raw=content)


class Harness:
    """A real NewClient (no connect, no network) with our converters attached."""

    def __init__(self, db_path: Path, device: str | None = "dev-1") -> None:
        self.db_path = db_path
        self.client = NewClient(str(db_path))
        self.results: list[Converted] = []
        attach(self.client, self.results.append, device=device)

    def dispatch(self, ev: Proto) -> list[Converted]:
        """Feed one event through neonize's dispatch; return what our handler produced."""
        before = len(self.results)
        raw = ev.SerializePartialToString()
        buf = ctypes.create_string_buffer(raw, len(raw))
        self.client.event.execute(0, ctypes.addressof(buf), len(raw), EVENT_TO_INT[type(ev)])
        return self.results[before:]

    def one(self, ev: Proto) -> Any:
        """Dispatch and return the single result (fails if there is not exactly one)."""
        got = self.dispatch(ev)
        assert len(got) == 1, got
        return got[0]

    def pair(self, user: str = OWN) -> None:
        """Tell the client who it is (neonize's event code 0, sent by Go after login)."""
        self.dispatch(Device(JID=jid(user, device=7), PushName="Ops Desk", Initialized=True))


def fixture_json(ev: Proto) -> str:
    """A readable fixture: the event class name plus MessageToJson of the event."""
    alias = next((n for n, v in vars(neonize.events).items()
                  if v is type(ev) and n.endswith(("Ev", "EV"))), type(ev).__name__)
    data = {"event": alias, "code": EVENT_TO_INT[type(ev)],
            "data": json.loads(json_format.MessageToJson(ev))}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load_fixture(name: str) -> Proto:
    """Load an event fixture written by `fixture_json` back into its protobuf."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    cls = INT_TO_EVENT[data["code"]]
    return json_format.ParseDict(data["data"], cls())
