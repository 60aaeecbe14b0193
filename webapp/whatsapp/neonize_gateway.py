"""NeonizeGateway: real WhatsApp through neonize (whatsmeow), one NewClient per device.

- Sessions survive restarts: whatsmeow's Postgres store in its own schema when a DSN is given
  (shared by every device; a paired device is resumed by the JID it is stored under), otherwise
  one SQLite file per device under $MESSAGEFLOW_HOME/whatsapp/. Names derive from the device id
  only, so a restarted gateway finds the same session and needs no new QR.
- Each device has a connect loop on its own thread. `connect()` blocks while the session lives;
  when it fails or ends the loop retries with capped exponential backoff, except after a terminal
  change (logged out, client outdated, session replaced, temporary ban): a person must act first.
- Handlers run on neonize's callback thread (one per client, events in order): they convert
  the event, update this device's state and hand the result to `sink`. For message data the
  sink returns only once it is committed (see webapp.whatsapp.intake for what that does and
  does not guarantee with neonize's own 100-event channel in front of it).
- Sends get their WhatsApp id from whatsmeow: neonize 0.5.2's `send_message(to, message, ...)`
  takes no message id (its Go `SendMessage` passes an empty SendRequestExtra), so a send cannot
  reuse a pre-generated id (`generate_message_id` exists, but nothing accepts it for a normal
  message). See webapp.whatsapp.outbox for what that means for retries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from neonize.client import ClientFactory, NewClient
from neonize.exc import NeonizeError
from neonize.proto.Neonize_pb2 import JID, GetProfilePictureParams, MessageInfo, MessageSource
from neonize.proto.Neonize_pb2 import Message as MessageEv
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import ContextInfo, ExtendedTextMessage
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message as WAMessage
from neonize.utils import build_jid
from neonize.utils.enum import ClientName

from webapp.messaging.records import MessageRecord
from webapp.whatsapp import media_messages
from webapp.whatsapp.address_book import AddressEntry, from_neonize
from webapp.whatsapp.convert import Converted, attach
from webapp.whatsapp.devices import PairingCode, QuotedMessage
from webapp.whatsapp.gateway import DeviceUnavailable, GatewayError, OutgoingMedia, SendFailed
from webapp.whatsapp.intake import Backoff
from webapp.whatsapp.results import DeviceStatus, DeviceStatusChange
from webapp.whatsapp.sessions import SessionStore
from webapp.whatsapp.status import pairing_qr

log = logging.getLogger(__name__)

GatewayEvent = Converted | PairingCode
Sink = Callable[[str, GatewayEvent], None]
Connector = Callable[[Any, threading.Event], None]
QuotedLookup = Callable[[str, str], QuotedMessage | None]


def real_connect(client: Any, ended: threading.Event) -> None:
    """neonize's blocking connect (it returns when `client.stop()` cancels it)."""
    del ended
    client.connect()


def stored_jid(store: SessionStore, device: str, jid: str | None) -> JID | None:
    """The stored device JID of a paired number in the shared store (None: pair anew)."""
    # Only a JID whose session is really stored may reach NewClient: whatsmeow dereferences a
    # missing device (nil pointer) and takes the whole process, every tenant, down.
    if not store.shared or not jid:
        return None
    try:
        stored = ClientFactory.get_all_devices_from_db(store.name(device, "list"))
    except Exception:  # neonize raises ValueError when Go returns an error string
        log.exception("could not list stored WhatsApp sessions")
        return None
    finally:
        store.release(device, "list")
    for found in stored:
        user = found.JID.User.split(":")[0].split(".")[0]
        if f"{user}@{found.JID.Server}" == jid:
            return found.JID
    log.warning("no stored WhatsApp session for %s: the device must pair again", jid)
    return None


@dataclass(eq=False)
class DeviceSession:
    """One device's connect loop and what it knows about its connection."""

    device: str
    jid: str | None
    pair_phone: str | None
    halt: threading.Event = field(default_factory=threading.Event)
    client: Any = None
    client_key: str | None = None
    thread: threading.Thread | None = None
    connected: bool = False
    terminal: bool = False
    pair_requested: bool = False
    attempts: int = 0
    failures: int = 0


class NeonizeGateway:
    """The WhatsAppGateway over neonize; `device` is the devices row id as text."""

    def __init__(self, store: SessionStore, sink: Sink, *, connector: Connector = real_connect,
                 backoff: Backoff | None = None, quoted: QuotedLookup | None = None,
                 fetch_picture: Callable[[str], bytes] | None = None) -> None:
        self.store = store
        self._fetch_picture = fetch_picture or fetch_url
        self._sink = sink
        self._connector = connector
        self._backoff = backoff or Backoff()
        self._quoted = quoted
        self._sessions: dict[str, DeviceSession] = {}
        self._retired: list[DeviceSession] = []
        self._lock = threading.Lock()

    def start(self, device: str, *, jid: str | None = None, pair_phone: str | None = None) -> None:
        """Run the device's connect loop (pairing first when it has no stored session)."""
        with self._lock:
            if device in self._sessions:
                return
            s = DeviceSession(device, jid, pair_phone)
            s.thread = threading.Thread(target=self._run, args=(s,), daemon=True,
                                        name=f"mf-device-{device}")
            self._sessions[device] = s
        s.thread.start()

    def stop(self, device: str) -> None:
        """End the device's connection and loop, keeping its stored session."""
        with self._lock:
            s = self._sessions.pop(device, None)
            if s is not None:
                self._retired.append(s)
        if s is not None:
            s.halt.set()
            _stop_client(s.client)

    def close(self, timeout: float = 10.0) -> None:
        """Stop every device and wait for their loops to end."""
        for device in list(self._sessions):
            self.stop(device)
        for s in self._retired:
            if s.thread is not None:
                s.thread.join(timeout)
            _retire(s.client)

    def session(self, device: str) -> DeviceSession | None:
        """The device's current (or last) session: its client, attempts, thread and state."""
        return self._sessions.get(device) or next(
            (r for r in reversed(self._retired) if r.device == device), None)

    def _run(self, s: DeviceSession) -> None:
        while not s.halt.is_set():
            error = self._attempt(s)
            if s.halt.is_set() or s.terminal:
                break
            status: DeviceStatus = "disconnected" if s.jid else "pairing"
            self._emit(s, DeviceStatusChange(status, s.jid, error[:500], "connect_error"))
            delay = self._backoff.delay(s.failures)
            s.failures += 1
            log.info("device %s: reconnecting in %.1fs", s.device, delay,
                     extra={"device_id": s.device, "error": error[:200]})
            s.halt.wait(delay)

    def _attempt(self, s: DeviceSession) -> str:
        """One connection: connect until it ends, then release what neonize leaked."""
        self._prepare_client(s)
        if s.halt.is_set():  # stopped while the client was being built
            return ""
        s.attempts += 1
        s.pair_requested = False
        tag = str(s.attempts)
        s.client.name = self.store.name(s.device, tag)
        try:
            self._connector(s.client, s.halt)
            return "the connection ended"
        except Exception as exc:  # offline, refused, store errors: all retried
            return str(exc) or type(exc).__name__
        finally:
            s.connected = False
            self.store.release(s.device, tag)

    def _prepare_client(self, s: DeviceSession) -> None:
        """(Re)build the NewClient when what it must resume changed (e.g. after pairing)."""
        stored = stored_jid(self.store, s.device, s.jid)
        key = f"{stored.User}@{stored.Server}" if stored is not None else None
        if s.client is not None and s.client_key == key:
            return
        _retire(s.client)
        client = NewClient(self.store.name(s.device), jid=stored, uuid=f"mf-device-{s.device}",
                           new_device=self.store.shared and stored is None)
        client.uuid = f"mf-device-{s.device}".encode()  # one Go-side key per device, paired or not
        attach(client, lambda result: self._emit(s, result))
        client.event.qr(lambda c, data: self._on_qr(s, c, data))
        s.client, s.client_key = client, key

    def _emit(self, s: DeviceSession, result: GatewayEvent) -> None:
        if isinstance(result, DeviceStatusChange):
            self._track(s, result)
        self._sink(s.device, result)

    def _track(self, s: DeviceSession, change: DeviceStatusChange) -> None:
        if change.status == "connected":
            s.connected, s.failures = True, 0
            s.jid = change.jid or s.jid
        elif change.status != "pairing":
            s.connected = False
        if change.terminal and not s.terminal:
            s.terminal = True
            s.halt.set()
            threading.Thread(target=_stop_client, args=(s.client,), daemon=True).start()

    def _on_qr(self, s: DeviceSession, client: Any, data: bytes) -> None:
        self._emit(s, pairing_qr(data, s.jid))
        if s.pair_phone and not s.pair_requested:
            s.pair_requested = True
            threading.Thread(target=self._pair_phone, args=(s, client), daemon=True).start()

    def _pair_phone(self, s: DeviceSession, client: Any) -> None:
        """PairPhone must run off the callback thread, once the connection has started."""
        try:
            self._emit(s, PairingCode(str(client.PairPhone(s.pair_phone, True, ClientName.LINUX))))
        except Exception as exc:
            log.warning("device %s: pairing by phone failed: %s", s.device, exc)
            self._emit(s, DeviceStatusChange("pairing", s.jid, f"pairing by phone failed: {exc}",
                                             "pair_code_error"))

    def _live(self, device: str) -> Any:
        s = self._sessions.get(device)
        if s is None or s.terminal or s.halt.is_set():
            raise DeviceUnavailable(f"device {device} is not running")
        if not s.connected or s.client is None:
            raise SendFailed(f"device {device} is not connected to WhatsApp right now")
        return s.client

    def send_text(self, device: str, chat: str, text: str, reply_to: str | None = None) -> str:
        """Send text; with reply_to, a quoted reply built by neonize's build_reply_message."""
        client = self._live(device)
        to = to_jid(chat)
        if reply_to is None:
            return _send(client, to, text)
        quoted = self._quoted_event(device, client, to, reply_to)
        return _send(client, to, client.build_reply_message(text, quoted))

    def forward(self, device: str, chat: str, message: MessageRecord) -> str:
        """Resend a stored text message marked as forwarded (the forwarded context)."""
        client = self._live(device)
        if message.media is not None or not message.text:
            raise GatewayError("only text can be forwarded: media keys are not stored")
        context = ContextInfo(isForwarded=True, forwardingScore=1)
        content = WAMessage(extendedTextMessage=ExtendedTextMessage(text=message.text,
                                                                    contextInfo=context))
        return _send(client, to_jid(chat), content)

    def send_media(self, device: str, chat: str, media: OutgoingMedia,
                   reply_to: str | None = None) -> str:
        """Upload the file to WhatsApp's media servers (neonize's `upload`), then send the
        media message pointing at it (quoting `reply_to` the way build_reply_message does)."""
        client = self._live(device)
        to = to_jid(chat)
        try:
            upload = client.upload(media.data, media_messages.upload_type(media.type))
        except NeonizeError as exc:
            raise SendFailed(f"uploading the file failed: {exc}") from exc
        context = ContextInfo(isForwarded=True, forwardingScore=1) if media.forwarded else None
        if reply_to is not None:
            quoted = self._quoted_event(device, client, to, reply_to)
            built = client.build_reply_message("", quoted)
            context = built.extendedTextMessage.contextInfo
        message = media_messages.outgoing_message(
            media.type, upload, mime=media.mime, caption=media.caption,
            filename=media.filename, voice=media.voice, context=context)
        return _send(client, to, message)

    def can_download(self, device: str) -> bool:
        """Whether the device is connected now (downloads wait for it otherwise)."""
        s = self._sessions.get(device)
        return bool(s and s.connected and s.client is not None and not s.terminal)

    def download(self, device: str, kind: str, mime: str | None, size: int | None,
                 keys: dict[str, Any]) -> bytes:
        """A message's file from WhatsApp's media servers, with its stored keys
        (neonize's `download_any`, which decrypts and checks the hashes)."""
        client = self._live(device)
        data = client.download_any(media_messages.download_message(kind, mime, size, keys))
        if not isinstance(data, bytes | bytearray):
            raise GatewayError("WhatsApp returned no file")
        return bytes(data)

    def address_book(self, device: str) -> list[AddressEntry]:
        """The paired phone's address book: whatsmeow's contact store, filled by the app-state
        sync after pairing (neonize's `client.contact.get_all_contacts()`)."""
        client = self._live(device)
        try:
            return from_neonize(client.contact.get_all_contacts())
        except NeonizeError as exc:
            raise GatewayError(f"reading the contact store failed: {exc}") from exc

    def profile_picture(self, device: str, jid: str) -> bytes | None:
        """A contact's profile picture (the preview size), where WhatsApp allows it: neonize's
        `get_profile_picture` answers a ProfilePictureInfo whose URL is fetched through the
        outbound policy. None when the contact has none or hides it from us."""
        client = self._live(device)
        try:
            info = client.get_profile_picture(to_jid(jid), GetProfilePictureParams(Preview=True))
        except NeonizeError as exc:  # not set, or not allowed (privacy): no picture
            log.info("device %s: no profile picture for %s: %s", device, jid, exc)
            return None
        if not info.URL:
            return None
        return self._fetch_picture(info.URL)

    def logout(self, device: str) -> None:
        """Unlink the device from the phone (whatsmeow forgets the session) and stop it."""
        s = self._sessions.get(device)
        if s is None or s.client is None:
            raise DeviceUnavailable(f"device {device} is not running")
        s.terminal = True
        try:
            s.client.logout()
        except NeonizeError as exc:
            raise GatewayError(f"logout of device {device} failed: {exc}") from exc
        finally:
            self.stop(device)

    def _quoted_event(self, device: str, client: Any, chat: JID, wa_id: str) -> MessageEv:
        """The quoted message as neonize expects it: its id, chat, author and content."""
        ref = self._quoted(device, wa_id) if self._quoted is not None else None
        from_me = bool(ref and ref.from_me)
        me = client.me.JID if from_me and client.me is not None else None
        sender = me or (to_jid(ref.sender_jid) if ref else chat)
        source = MessageSource(Chat=chat, Sender=sender, IsFromMe=from_me,
                               IsGroup=chat.Server == "g.us")
        text = (ref.text if ref else None) or ""
        return MessageEv(Info=MessageInfo(ID=wa_id, MessageSource=source),
                         Message=WAMessage(conversation=text))


PICTURE_MAX_BYTES = 1024 * 1024


def fetch_url(url: str) -> bytes:
    """A profile picture's bytes from WhatsApp's CDN, through the outbound policy (at most
    PICTURE_MAX_BYTES)."""
    from webapp.security.outbound_http import policy_client

    with policy_client(timeout=20.0) as http, http.stream("GET", url) as resp:
        resp.raise_for_status()
        data = bytearray()
        for chunk in resp.iter_bytes():
            data += chunk
            if len(data) > PICTURE_MAX_BYTES:
                raise GatewayError("the profile picture is too large")
        return bytes(data)


def to_jid(value: str) -> JID:
    """A neonize JID for `user@server` (person, LID or group)."""
    user, _, server = value.partition("@")
    return build_jid(user, server or "s.whatsapp.net")


def _send(client: Any, to: JID, message: Any) -> str:
    try:
        return str(client.send_message(to, message).ID)
    except NeonizeError as exc:
        raise SendFailed(str(exc)) from exc


def _stop_client(client: Any) -> None:
    if client is not None:
        try:
            client.stop()
        except Exception:  # stopping must never take the gateway down
            log.exception("stopping a WhatsApp client failed")


def _retire(client: Any) -> None:
    """Stop a client for good and drop neonize's GC hook."""
    # The hook would call Go's Stop on the key ("mf-device-<id>") a successor client reuses.
    _stop_client(client)
    finalizer = getattr(client, "_stop_finalizer", None)
    if finalizer is not None:
        finalizer.detach()
