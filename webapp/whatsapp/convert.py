"""Pure conversion of neonize events into traffic records (webapp.messaging.records).

neonize is imported only by the converters (convert, content, history, status) and the neonize
gateway; gateway.py and results.py stay neonize-free. Every converter is pure: it reads a decoded
event protobuf and returns a record, a `HistoryBatch`, a `DeviceStatusChange` or None for events
MessageFlow does not keep (status updates, newsletters, protocol chatter, unsupported message
types). A record that fails validation is logged and dropped, so one odd event never stalls a
device's event loop. `attach` registers the converters on a real neonize client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message as Proto
from neonize.events import ChatPresenceEv, HistorySyncEv, MessageEv, PresenceEv, ReceiptEv
from neonize.proto.Neonize_pb2 import JID, ChatPresence, MessageSource, Receipt

from webapp.messaging.records import Record, is_group
from webapp.whatsapp.content import (
    SKIPPED_SERVERS,
    Fields,
    build,
    content_fields,
    jid_str,
    to_datetime,
)
from webapp.whatsapp.history import history_to_batch
from webapp.whatsapp.results import DeviceStatusChange, HistoryBatch
from webapp.whatsapp.status import STATUS_EVENTS, status_change

log = logging.getLogger(__name__)

Converted = Record | HistoryBatch | DeviceStatusChange
_RECEIPT_TYPES = {
    Receipt.DELIVERED: "delivered", Receipt.READ: "read", Receipt.READ_SELF: "read",
    Receipt.PLAYED: "played", Receipt.PLAYED_SELF: "played",
}


def _alt(primary: str | None, alt: JID) -> str | None:
    other = jid_str(alt) if alt.User else None
    if other is None or primary is None or other.split("@")[1] == primary.split("@")[1]:
        return None
    return other


def _source_fields(src: MessageSource) -> Fields | None:
    chat, sender = jid_str(src.Chat), jid_str(src.Sender)
    if chat is None or chat.rpartition("@")[2] in SKIPPED_SERVERS:
        return None
    sender_alt = _alt(sender, src.SenderAlt)
    fields: Fields = {"chat": chat, "sender": sender or chat, "from_me": src.IsFromMe,
                      "sender_alt": sender_alt}
    if not is_group(chat):
        fields["chat_alt"] = _alt(chat, src.RecipientAlt) if src.IsFromMe else (
            sender_alt if sender == chat else None)
    return fields


def message_to_record(ev: MessageEv, device: str | None = None) -> Record | None:
    """Convert a neonize MessageEv (message, edit, revoke or reaction) into a record."""
    source = _source_fields(ev.Info.MessageSource)
    content = content_fields(ev.Message if ev.HasField("Message") else ev.Raw)
    if source is None or content is None:
        return None
    return build({**source, **content, "id": ev.Info.ID, "device": device,
                  "sender_name": ev.Info.Pushname or None,
                  "timestamp": to_datetime(ev.Info.Timestamp)})


def receipt_to_record(ev: ReceiptEv, device: str | None = None) -> Record | None:
    """Convert a neonize ReceiptEv (delivered, read, played) into a receipt record."""
    kind = _RECEIPT_TYPES.get(ev.Type)
    source = _source_fields(ev.MessageSource)
    if kind is None or source is None or not ev.MessageIDs:
        return None
    return build({**source, "kind": "receipt", "type": kind, "device": device,
                  "target_ids": list(ev.MessageIDs), "timestamp": to_datetime(ev.Timestamp)})


def chat_presence_to_record(ev: ChatPresenceEv, device: str | None = None) -> Record | None:
    """Convert a typing indicator (composing, recording, paused) into a presence record."""
    source = _source_fields(ev.MessageSource)
    if source is None:
        return None
    state = "paused" if ev.State == ChatPresence.PAUSED else (
        "recording" if ev.Media == ChatPresence.AUDIO else "composing")
    return build({**source, "kind": "presence", "state": state, "device": device,
                  "timestamp": datetime.now(UTC)})


def presence_to_record(ev: PresenceEv, device: str | None = None) -> Record | None:
    """Convert an online/offline update into a presence record."""
    who = jid_str(ev.From)
    if who is None or is_group(who):
        return None
    last_seen = to_datetime(ev.LastSeen) if ev.LastSeen > 0 else None
    return build({"kind": "presence", "chat": who, "sender": who, "device": device,
                  "state": "unavailable" if ev.Unavailable else "available",
                  "last_seen": last_seen, "timestamp": datetime.now(UTC)})


def convert(ev: Proto, device: str | None = None, own_jid: str | None = None) -> Converted | None:
    """Convert any neonize event; None for events MessageFlow does not keep."""
    if isinstance(ev, MessageEv):
        return message_to_record(ev, device)
    if isinstance(ev, ReceiptEv):
        return receipt_to_record(ev, device)
    if isinstance(ev, HistorySyncEv):
        return history_to_batch(ev, device, own_jid)
    if isinstance(ev, ChatPresenceEv):
        return chat_presence_to_record(ev, device)
    if isinstance(ev, PresenceEv):
        return presence_to_record(ev, device)
    if isinstance(ev, STATUS_EVENTS):
        return status_change(ev, own_jid)
    return None


HANDLED_EVENTS: tuple[type[Proto], ...] = (
    MessageEv, ReceiptEv, HistorySyncEv, ChatPresenceEv, PresenceEv, *STATUS_EVENTS
)


def own_jid_of(client: Any) -> str | None:
    """The paired account's JID as neonize last reported it (None before pairing)."""
    me = getattr(client, "me", None)
    return jid_str(me.JID) if me is not None and me.HasField("JID") else None


def attach(client: Any, on_result: Callable[[Converted], None],
           device: str | None = None) -> None:
    """Register converters for every handled event on a neonize client (or ClientFactory)."""

    def handle(event_client: Any, ev: Proto) -> None:
        """Convert one event on neonize's callback thread and hand the result on."""
        try:
            own = own_jid_of(event_client)
            result = convert(ev, device or own, own)
            if result is not None:
                on_result(result)
        except Exception:  # a failing sink must not kill the device's event loop
            log.exception("WhatsApp event %s not handled", type(ev).__name__)

    for event_type in HANDLED_EVENTS:
        client.event(event_type)(handle)
