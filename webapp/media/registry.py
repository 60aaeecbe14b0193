"""Ingest's hook: a stored message with media gets its message_media row in the same
transaction (the WhatsApp media keys to download it, or the hash of bytes already stored)."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.messaging.records import Media

Q = load(__file__)


def register(conn: Conn, device_id: int, stored: Sequence[tuple[int, Media]]) -> int:
    """Record the media of newly stored messages (those with keys or a hash); return how many."""
    rows = [(mid, m) for mid, m in stored if m.download is not None or m.sha256 is not None]
    if not rows:
        return 0
    conn.execute(Q.insert_message_media, {
        "device_id": device_id,
        "ids": [mid for mid, _ in rows],
        "types": [m.type for _, m in rows],
        "mimes": [m.mime for _, m in rows],
        "filenames": [m.filename for _, m in rows],
        "sizes": [m.size for _, m in rows],
        "states": ["ready" if m.sha256 else "pending" for _, m in rows],
        "keys": [None if m.sha256 or m.download is None
                 else Jsonb(m.download.model_dump(exclude_none=True)) for _, m in rows],
        "hashes": [m.sha256 for _, m in rows],
    })
    return len(rows)


def register_upload(conn: Conn, device_id: int, message_id: int, upload_id: int) -> None:
    """An outgoing message's attachment: the uploaded bytes, ready to send and to serve."""
    conn.execute(Q.insert_upload_media, {"device_id": device_id, "message_id": message_id,
                                         "upload_id": upload_id})


def copy_media(conn: Conn, device_id: int, message_id: int, source_id: int) -> None:
    """A forward's copy of its source's stored bytes (when the source's are stored)."""
    conn.execute(Q.copy_ready_media, {"device_id": device_id, "message_id": message_id,
                                      "source_id": source_id})
