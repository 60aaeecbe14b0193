"""Media of messages as the API serves them (Flask-free): which file a message has, checked
in the caller's tenant; the bytes come from the store, never from a path the client names."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.audit import service as audit
from webapp.config import Settings
from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_one
from webapp.errors import Conflict, NotFound
from webapp.media.store import MediaStore, store_for
from webapp.messaging.rows import MessageJson
from webapp.security.principal import Principal, RequestMeta

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


def retry_download(db: Database, p: Principal, message_id: int,
                   meta: RequestMeta | None = None) -> MessageJson:
    """Try a given-up download again: the attempts start over, the gateway's next media pass
    fetches it (with the keys kept for this), the message shows "Downloading…" (a
    message.updated event) and turns ready or unavailable live. Conflict when the download has
    not given up (still trying, or done) or has no keys to try with."""
    with db.tenant(p.tenant_id, p.user_id, events=True) as conn:
        row = conn.execute(Q.lock_media_for_retry, {"id": message_id}).fetchone()
        if row is None:
            raise NotFound("No such message with media.", details={"message_id": message_id})
        if row["state"] != "failed":
            raise Conflict("This message's media has not given up: nothing to retry.",
                           code="media_not_failed",
                           details={"message_id": message_id, "state": row["state"]})
        if not row["has_keys"]:
            raise Conflict("This message's media cannot be downloaded again: WhatsApp's keys "
                           "for it are gone.", code="media_not_retryable",
                           details={"message_id": message_id})
        conn.execute(Q.retry_media, {"id": message_id})
        conn.execute(Q.show_downloading, {"id": message_id})
        audit.record(conn, p.tenant_id, p.user_id, "media.retry", meta, target_type="message",
                     target_id=message_id, before={"state": "failed",
                                                   "reason": row["last_error"]},
                     after={"state": "pending"})
        found = conn.execute(Q.message_json, {"id": message_id}).fetchone()
    assert found is not None
    message: MessageJson = found["message"]
    return message
