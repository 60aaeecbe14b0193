"""History sync: the past messages WhatsApp sends a newly paired device, as records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neonize.events import HistorySyncEv
from neonize.proto.waWeb.WAWebProtobufsWeb_pb2 import WebMessageInfo

from webapp.messaging.records import Record, is_group
from webapp.whatsapp.content import SKIPPED_SERVERS, build, content_fields, to_datetime
from webapp.whatsapp.results import HistoryBatch


@dataclass(frozen=True, slots=True)
class _HistoryChat:
    chat: str
    chat_name: str | None
    device: str | None
    own_jid: str | None
    alts: dict[str, str]
    names: dict[str, str]


def _history_message(info: WebMessageInfo, where: _HistoryChat) -> Record | None:
    key, chat = info.key, where.chat
    content = content_fields(info.message) if info.HasField("message") else None
    if content is None or not key.ID:
        return None
    if key.fromMe:
        sender = where.own_jid
    else:
        sender = (key.participant or info.participant) if is_group(chat) else chat
    if not sender:
        return None
    return build({**content, "id": key.ID, "chat": chat, "chat_name": where.chat_name,
                  "sender": sender, "from_me": key.fromMe, "device": where.device,
                  "sender_name": info.pushName or where.names.get(sender),
                  "sender_alt": where.alts.get(sender),
                  "chat_alt": None if is_group(chat) else where.alts.get(chat),
                  "timestamp": to_datetime(info.messageTimestamp)})


def _alt_map(data: Any) -> dict[str, str]:
    alts: dict[str, str] = {}
    pairs = [(p.pnJID, p.lidJID) for p in data.phoneNumberToLidMappings]
    pairs += [(c.pnJID, c.lidJID) for c in data.conversations if c.pnJID and c.lidJID]
    for phone, lid in pairs:
        alts[phone], alts[lid] = lid, phone
    return alts


def history_to_batch(ev: HistorySyncEv, device: str | None = None,
                     own_jid: str | None = None) -> HistoryBatch:
    """Convert a history-sync chunk into its message records (oldest first) and progress."""
    data = ev.Data
    alts, names = _alt_map(data), {p.ID: p.pushname for p in data.pushnames if p.pushname}
    records: list[Record] = []
    skipped = 0
    for conv in data.conversations:
        where = _HistoryChat(conv.ID, conv.name or conv.displayName or None,
                             device or own_jid, own_jid, alts, names)
        for item in conv.messages:
            record = None
            if conv.ID.rpartition("@")[2] not in SKIPPED_SERVERS:
                record = _history_message(item.message, where)
            if record is None:
                skipped += 1
            else:
                records.append(record)
    records.sort(key=lambda r: r.timestamp)
    return HistoryBatch(records=records, skipped=skipped,
                        progress=data.progress if data.HasField("progress") else None,
                        sync_type=data.HistorySyncType.Name(data.syncType),
                        chunk_order=data.chunkOrder if data.HasField("chunkOrder") else None)


