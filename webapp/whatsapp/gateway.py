"""The WhatsApp gateway seam: the interface the app sends through, plus two in-process doubles.

`device` everywhere is the gateway's key for one paired WhatsApp number (the devices row id as
text is the natural choice: it exists before pairing, when the JID is still unknown).

- `FakeGateway` is for tests: it records sends, can fail on demand, and lets a test inject
  inbound records and status changes as if they came from WhatsApp.
- `SimulatorGateway` backs `simulator` devices in the demo: it records sends and echoes a
  delivery receipt record for each one through `on_record`, so the full send cycle is visible.
The neonize implementation lives in its own module; importing this one never imports neonize.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from webapp.messaging.records import MessageRecord, ReceiptRecord, Record, is_group
from webapp.whatsapp.address_book import AddressEntry
from webapp.whatsapp.results import DeviceStatusChange

RecordSink = Callable[[Record], None]
StatusSink = Callable[[str, DeviceStatusChange], None]


class GatewayError(Exception):
    """Sending or controlling a device failed."""


class DeviceUnavailable(GatewayError):
    """The device is not running, or is logged out / outdated; sending cannot succeed now."""


class DeviceNotHere(DeviceUnavailable):
    """This gateway process does not hold the device (any more): another one sends for it."""


class SendFailed(GatewayError):
    """WhatsApp did not accept the message (worth a retry with backoff)."""


class WhatsAppGateway(Protocol):
    """What the app needs from WhatsApp: run devices, send, forward, log out."""

    def start(self, device: str) -> None:
        """Connect the device (pairing first if it has no session)."""
        ...

    def stop(self, device: str) -> None:
        """Disconnect the device, keeping its session."""
        ...

    def send_text(self, device: str, chat: str, text: str, reply_to: str | None = None) -> str:
        """Send text (a quoted reply when reply_to is a message id); return its WhatsApp id."""
        ...

    def forward(self, device: str, chat: str, message: MessageRecord) -> str:
        """Resend a stored message to `chat` marked as forwarded; return the new WhatsApp id."""
        ...

    def send_media(self, device: str, chat: str, media: OutgoingMedia,
                   reply_to: str | None = None) -> str:
        """Send a file (image, video, audio, document, sticker); return its WhatsApp id."""
        ...

    def logout(self, device: str) -> None:
        """Unlink the device from the phone and forget its session."""
        ...


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    """A file to send: its bytes and what WhatsApp shows of it."""

    type: str
    mime: str
    data: bytes
    filename: str | None = None
    caption: str | None = None
    voice: bool = False
    forwarded: bool = False

    def describe(self) -> dict[str, object]:
        """The metadata a send log keeps (no bytes)."""
        shown = {"type": self.type, "mime": self.mime, "size": len(self.data),
                 "filename": self.filename, "caption": self.caption}
        return {k: v for k, v in shown.items() if v is not None}


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One outbound send as a gateway double saw it."""

    device: str
    chat: str
    id: str
    kind: Literal["text", "forward", "media"]
    text: str | None
    reply_to: str | None = None
    forwarded_from: str | None = None
    media: dict[str, object] | None = None


def web_message_id() -> str:
    """A fresh id shaped like the ones WhatsApp Web clients generate."""
    return "3EB0" + secrets.token_hex(9).upper()


class _RecordingGateway:
    """Shared bookkeeping: device states, the sent log and the callbacks."""

    def __init__(self, on_record: RecordSink | None, on_status: StatusSink | None,
                 new_id: Callable[[], str]) -> None:
        self.sent: list[SentMessage] = []
        self.states: dict[str, str] = {}
        self.on_record = on_record
        self.on_status = on_status
        self._new_id = new_id
        self._lock = threading.Lock()
        self.book: list[AddressEntry] = []  # what address_book answers
        self.pictures: dict[str, bytes] = {}  # profile pictures by contact JID

    def _set(self, device: str, change: DeviceStatusChange) -> None:
        self.states[device] = change.status
        if self.on_status is not None:
            self.on_status(device, change)

    def start(self, device: str) -> None:
        """Mark the device connected (doubles pair instantly)."""
        if self.states.get(device) in ("logged_out", "outdated"):
            raise DeviceUnavailable(f"device {device} is {self.states[device]}; pair it again")
        self._set(device, DeviceStatusChange("connected", event="connected"))

    def stop(self, device: str) -> None:
        """Mark the device disconnected."""
        self._set(device, DeviceStatusChange("disconnected", event="disconnected"))

    def logout(self, device: str) -> None:
        """Mark the device logged out; sends now fail with DeviceUnavailable."""
        self._set(device, DeviceStatusChange("logged_out", event="logged_out"))

    def _connected(self, device: str) -> None:
        state = self.states.get(device)
        if state != "connected":
            raise DeviceUnavailable(f"device {device} is {state or 'not started'}")

    def address_book(self, device: str) -> list[AddressEntry]:
        """The paired phone's address book (`book`)."""
        self._connected(device)
        return list(self.book)

    def profile_picture(self, device: str, jid: str) -> bytes | None:
        """A contact's profile picture (`pictures`), None when it has none."""
        self._connected(device)
        return self.pictures.get(jid)

    def _record(self, sent: SentMessage) -> str:
        state = self.states.get(sent.device)
        if state != "connected":
            raise DeviceUnavailable(f"device {sent.device} is {state or 'not started'}")
        with self._lock:
            self.sent.append(sent)
        self._after_send(sent)
        return sent.id

    def _after_send(self, sent: SentMessage) -> None:
        """Hook for subclasses."""

    def send_text(self, device: str, chat: str, text: str, reply_to: str | None = None) -> str:
        """Record a text send and return its new WhatsApp id."""
        return self._record(SentMessage(device, chat, self._new_id(), "text", text, reply_to))

    def forward(self, device: str, chat: str, message: MessageRecord) -> str:
        """Record a forward of `message` to `chat` and return the new WhatsApp id."""
        media = message.media.model_dump(exclude_none=True) if message.media else None
        return self._record(SentMessage(device, chat, self._new_id(), "forward", message.text,
                                        forwarded_from=message.id, media=media))

    def send_media(self, device: str, chat: str, media: OutgoingMedia,
                   reply_to: str | None = None) -> str:
        """Record a file send (its metadata) and return its new WhatsApp id."""
        return self._record(SentMessage(device, chat, self._new_id(), "media", media.caption,
                                        reply_to, media=media.describe()))


class FakeGateway(_RecordingGateway):
    """Test double: records sends, fails on demand, injects inbound traffic."""

    def __init__(self, on_record: RecordSink | None = None,
                 on_status: StatusSink | None = None) -> None:
        counter = itertools.count(1)
        super().__init__(on_record, on_status, lambda: f"FAKE{next(counter):012d}")
        self._failures: list[GatewayError] = []

    def fail_next(self, error: GatewayError | None = None) -> None:
        """Make the next send or forward raise `error` (SendFailed by default)."""
        self._failures.append(error or SendFailed("simulated send failure"))

    def _record(self, sent: SentMessage) -> str:
        if self._failures:
            raise self._failures.pop(0)
        return super()._record(sent)

    def inject(self, record: Record) -> None:
        """Deliver an inbound record as if WhatsApp had sent it."""
        if self.on_record is None:
            raise RuntimeError("FakeGateway has no on_record callback")
        self.on_record(record)

    def inject_status(self, device: str, change: DeviceStatusChange) -> None:
        """Report a device status change as if WhatsApp had sent it."""
        self._set(device, change)


class SimulatorGateway(_RecordingGateway):
    """Demo gateway: records sends and echoes a delivery receipt for each one."""

    def __init__(self, on_record: RecordSink, on_status: StatusSink | None = None, *,
                 device_jids: Mapping[str, str] | None = None,
                 members: Mapping[str, list[str]] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 new_id: Callable[[], str] = web_message_id) -> None:
        super().__init__(on_record, on_status, new_id)
        self.device_jids = dict(device_jids or {})
        self.members = dict(members or {})
        self._now = now

    def _jid(self, device: str) -> str:
        if device in self.device_jids:
            return self.device_jids[device]
        return device if "@" in device else "15550100001@s.whatsapp.net"

    def _after_send(self, sent: SentMessage) -> None:
        own = self._jid(sent.device)
        recipient, from_me = sent.chat, False
        if is_group(sent.chat):
            known = self.members.get(sent.chat) or []
            # Without a known member the echo is the server's ack, reported by our own account.
            recipient, from_me = (known[0], False) if known else (own, True)
        receipt = ReceiptRecord(
            id=f"receipt-{sent.id}", chat=sent.chat, sender=recipient, from_me=from_me,
            timestamp=self._now(), device=own, target_ids=[sent.id], type="delivered",
        )
        if self.on_record is not None:
            self.on_record(receipt)
