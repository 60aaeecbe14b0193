"""Replies and forwards: queue an outbound message for the gateway (Flask-free).

One tenant transaction checks the conversation and its device, stores the from-me message in
state `queued` under a pre-generated WhatsApp-style id (so history sync later finds it instead
of adding a copy), adds the outbox row, bumps the conversation and appends the realtime events.
`webapp.whatsapp.outbox.process_due` then sends it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.errors import Conflict, NotFound
from webapp.media import registry, uploads
from webapp.messaging.rows import MediaJson, MessageJson
from webapp.messaging.simulator import DEFAULT_DEVICE_JID
from webapp.security.principal import Principal

Q = load(__file__)
# Devices that cannot send now and will not by themselves: a person has to (re)pair them.
UNUSABLE = {"logged_out": "logged out", "outdated": "outdated (WhatsApp refused this client)",
            "pending": "not paired yet", "pairing": "still pairing"}


@dataclass(frozen=True, slots=True)
class SendTarget:
    """The conversation a message is sent to, with its device (select_send_target)."""

    id: int
    device_id: int
    chat_jid: str
    device_status: str
    device_name: str
    device_jid: str | None


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """The message a forward copies (select_forward_source)."""

    id: int
    text: str | None
    media: MediaJson | None
    revoked_at: dt.datetime | None


def new_wa_id() -> str:
    """A WhatsApp-Web-style message id: "3EB0" and 20 uppercase hex digits."""
    return "3EB0" + secrets.token_hex(10).upper()


def _target(conn: Conn, conversation_id: int) -> SendTarget:
    """The conversation and its device, or 404; 409 when the device cannot send."""
    target = fetch_one(conn, SendTarget, Q.select_send_target, {"id": conversation_id})
    if target is None:
        raise NotFound("No such conversation.", details={"conversation_id": conversation_id})
    status = target.device_status
    if status in UNUSABLE:
        name = target.device_name or f"#{target.device_id}"
        raise Conflict(
            f"The WhatsApp device \u201c{name}\u201d is {UNUSABLE[status]} (status {status}); "
            "pair it again under WhatsApp devices before sending from this conversation.",
            code="device_unavailable",
            details={"device_id": target.device_id, "device_status": status})
    return target


def _queue(conn: Conn, p: Principal, target: SendTarget, **message: Any) -> MessageJson:
    """Insert the message, its outbox row and events; return the serialized message."""
    row = conn.execute(Q.insert_outbound_message, {
        "device_id": target.device_id, "conversation_id": target.id,
        "wa_id": new_wa_id(), "sender_jid": target.device_jid or DEFAULT_DEVICE_JID,
        "sender_name": p.name, "user_id": p.user_id, "sent_by": "agent", **message,
    }).fetchone()
    assert row is not None
    out = conn.execute(Q.select_message_json, {"id": row["id"]}).fetchone()
    assert out is not None
    result: MessageJson = out["row"]
    return result


def _attachment(conn: Conn, media_id: int, caption: str | None) -> Jsonb:
    """The message JSON's media for an upload (404 for an unknown or another tenant's)."""
    up = uploads.find(conn, media_id)
    shown = {"type": up["type"], "mime": up["mime"], "size": up["size"],
             "filename": up["filename"], "caption": caption, "state": "ready"}
    return Jsonb({k: v for k, v in shown.items() if v is not None})


def reply(db: Database, p: Principal, conversation_id: int, text: str | None,
          quoted_message_id: int | None = None, media_id: int | None = None) -> MessageJson:
    """Queue a reply: text, or an uploaded file with `text` as its caption (quoting a
    message of the same conversation when asked)."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        target = _target(conn, conversation_id)
        quoted_wa_id = None
        if quoted_message_id is not None:
            quoted = conn.execute(Q.select_quoted_wa_id, {
                "id": quoted_message_id, "conversation_id": conversation_id}).fetchone()
            if quoted is None:
                raise NotFound(
                    "The quoted message is not in this conversation.",
                    code="quoted_message_not_found",
                    details={"fields": {"quoted_message_id": "not a message of this "
                                                             "conversation"}})
            quoted_wa_id = quoted["wa_message_id"]
        media = None if media_id is None else _attachment(conn, media_id, text)
        sent = _queue(conn, p, target, text=None if media is not None else text, media=media,
                      quoted_wa_id=quoted_wa_id, forwarded=False, kind="text", source_id=None)
        if media_id is not None:
            registry.register_upload(conn, target.device_id, sent["id"], media_id)
        return sent


def automated_reply(db: Database, p: Principal, conversation_id: int,
                    text: str) -> MessageJson:
    """Queue a text reply sent by a workflow (sent_by 'automation'): the workflow engine's
    loop guard never lets such a message trigger message.received workflows."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        target = _target(conn, conversation_id)
        return _queue(conn, p, target, text=text, media=None, quoted_wa_id=None,
                      forwarded=False, kind="text", source_id=None, sent_by="automation")


def forward(db: Database, p: Principal, message_id: int, conversation_id: int) -> MessageJson:
    """Queue a forward of one of the tenant's messages to one of its conversations."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        source = fetch_one(conn, SourceMessage, Q.select_forward_source, {"id": message_id})
        if source is None:
            raise NotFound("No such message.", details={"message_id": message_id})
        target = _target(conn, conversation_id)
        if source.revoked_at is not None:
            raise Conflict("That message was deleted for everyone; it cannot be forwarded.",
                           code="message_revoked", details={"message_id": message_id})
        media = source.media
        if media is not None and media.get("state") != "ready":
            # The source's file is not here (yet, or at all): the copy shows its metadata only.
            media = media.copy()
            media.pop("state", None)
            media.pop("reason", None)
        sent = _queue(conn, p, target, text=source.text,
                      media=None if media is None else Jsonb(media), quoted_wa_id=None,
                      forwarded=True, kind="forward", source_id=source.id)
        if media is not None:
            registry.copy_media(conn, target.device_id, sent["id"], source.id)
        return sent
