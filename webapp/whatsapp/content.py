"""Reading WhatsApp protobufs: JIDs, timestamps and message content as record fields."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message as Proto
from neonize.proto.Neonize_pb2 import JID
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message as WAMessage
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import ProtocolMessage

from webapp.messaging.records import SERVER_ALIASES, InvalidRecord, Record, validate_record
from webapp.whatsapp.media_messages import keys_of

log = logging.getLogger(__name__)

Fields = dict[str, Any]
SKIPPED_SERVERS = ("broadcast", "newsletter")
_WRAPPERS = (
    "deviceSentMessage", "ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2",
    "viewOnceMessageV2Extension", "documentWithCaptionMessage", "editedMessage",
)
_MEDIA = (
    ("imageMessage", "image"), ("videoMessage", "video"), ("audioMessage", "audio"),
    ("documentMessage", "document"), ("stickerMessage", "sticker"),
)


def jid_str(jid: JID) -> str | None:
    """The JID as `user@server` without its device part, or None when empty."""
    if not jid.Server or jid.IsEmpty and not jid.User:
        return None
    server = SERVER_ALIASES.get(jid.Server, jid.Server)
    return f"{jid.User}@{server}" if jid.User else server


def to_datetime(value: int) -> datetime:
    """A WhatsApp timestamp (unix seconds, or milliseconds as some neonize builds send) in UTC."""
    if value <= 0:
        return datetime.now(UTC)
    seconds = value / 1000 if value > 100_000_000_000 else value
    return datetime.fromtimestamp(seconds, UTC)


def unwrap(message: WAMessage) -> WAMessage:
    """Strip the wrappers (ephemeral, view-once, device-sent, edited...) around the content."""
    for _ in range(6):
        inner = next((getattr(message, w).message for w in _WRAPPERS if message.HasField(w)), None)
        if inner is None:
            break
        message = inner
    return message


def _context(part: Proto) -> Fields:
    if "contextInfo" not in part.DESCRIPTOR.fields_by_name or not part.HasField("contextInfo"):
        return {}
    ctx = part.contextInfo
    return {"quoted_id": ctx.stanzaID or None,
            "forwarded": bool(ctx.isForwarded or ctx.forwardingScore > 0)}


def _media(message: WAMessage) -> Fields | None:
    for name, kind in _MEDIA:
        if message.HasField(name):
            part = getattr(message, name)
            media = {
                "type": kind, "mime": part.mimetype or None,
                "caption": getattr(part, "caption", "") or None,
                "size": part.fileLength if part.HasField("fileLength") else None,
                "filename": getattr(part, "fileName", "") or None,
                "seconds": getattr(part, "seconds", 0) or None,
                "voice": True if getattr(part, "PTT", False) else None,
                "download": keys_of(part),
            }
            media = {k: v for k, v in media.items() if v is not None}
            return {"media": media, **_context(part)}
    return None


def _text(message: WAMessage) -> Fields | None:
    if message.conversation:
        return {"text": message.conversation}
    if message.HasField("extendedTextMessage"):
        part = message.extendedTextMessage
        return {"text": part.text, **_context(part)} if part.text else None
    if message.HasField("locationMessage"):
        loc = message.locationMessage
        label = " ".join(x for x in (loc.name, loc.address) if x)
        where = f"({loc.degreesLatitude:.6f}, {loc.degreesLongitude:.6f})"
        return {"text": f"📍 {label} {where}".replace("  ", " "), **_context(loc)}
    if message.HasField("contactMessage"):
        contact = message.contactMessage
        return {"text": f"👤 {contact.displayName or 'contact'}", **_context(contact)}
    return None


def plain_text(message: WAMessage) -> str | None:
    """The text or caption a person reads in a message, if any."""
    message = unwrap(message)
    found = _text(message) or _media(message) or {}
    return found.get("text") or (found.get("media") or {}).get("caption")


def content_fields(message: WAMessage) -> Fields | None:
    """Kind-specific record fields for a WhatsApp message, or None if MessageFlow skips it."""
    message = unwrap(message)
    if message.HasField("protocolMessage"):
        proto = message.protocolMessage
        target = proto.key.ID or None
        if proto.type == ProtocolMessage.REVOKE and target:
            return {"kind": "revoke", "target_id": target}
        if proto.type == ProtocolMessage.MESSAGE_EDIT and target:
            text = plain_text(proto.editedMessage)
            return {"kind": "edit", "target_id": target, "text": text} if text else None
        return None
    if message.HasField("reactionMessage"):
        reaction = message.reactionMessage
        if not reaction.key.ID:
            return None
        return {"kind": "reaction", "target_id": reaction.key.ID, "emoji": reaction.text}
    found = _text(message) or _media(message)
    return {"kind": "message", **found} if found else None


def build(fields: Fields) -> Record | None:
    """Validate record fields (None values dropped); log and return None when invalid."""
    try:
        return validate_record({k: v for k, v in fields.items() if v is not None})
    except InvalidRecord as exc:
        log.warning("dropped WhatsApp %s %s: %s", fields.get("kind"), fields.get("id"), exc)
        return None


