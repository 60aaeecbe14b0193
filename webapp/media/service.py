"""Media of messages as the API serves them (Flask-free): which file a message has, checked
in the caller's tenant; the bytes come from the store, never from a path the client names."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.config import Settings
from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.errors import NotFound
from webapp.media.store import MediaStore, store_for
from webapp.security.principal import Principal

Q = load(__file__)
_STORES: dict[str, MediaStore] = {}


@dataclass(frozen=True, slots=True)
class MessageFile:
    """A message's media file as far as the database knows it."""

    message_id: int
    type: str
    mime: str | None
    filename: str | None
    size: int | None
    state: str
    sha256: str | None
    last_error: str | None


def store(settings: Settings) -> MediaStore:
    """The process's store for these settings (one per media directory)."""
    key = str(settings.media_dir)
    if key not in _STORES:
        _STORES[key] = store_for(settings)
    return _STORES[key]


def message_file(db: Database, p: Principal, message_id: int) -> MessageFile:
    """The stored file of a message of the caller's tenant; 404 when there is none (another
    tenant's message included), with the reason when the download has not succeeded."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = fetch_one(conn, MessageFile, Q.select_message_file, {"id": message_id})
    if row is None:
        raise NotFound("No such message with media.", details={"message_id": message_id})
    if row.state != "ready" or row.sha256 is None:
        reason = "still downloading" if row.state == "pending" else (
            row.last_error or "the download failed")
        raise NotFound(f"This message's media is not available: {reason}.",
                       code="media_unavailable",
                       details={"message_id": message_id, "state": row.state})
    return row


def outgoing_file(db: Database, tenant_id: int, message_id: int) -> MessageFile | None:
    """The stored file an outgoing message sends (None when it has none ready)."""
    with db.tenant(tenant_id) as conn:
        row = fetch_one(conn, MessageFile, Q.select_message_file, {"id": message_id})
    return row if row is not None and row.state == "ready" else None


def default_filename(row: MessageFile) -> str:
    """A file name for the download: the sender's, or one made from the type."""
    if row.filename:
        return row.filename
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4",
           "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/wav": "wav",
           "application/pdf": "pdf"}.get((row.mime or "").split(";")[0], "bin")
    return f"{row.type}-{row.message_id}.{ext}"
