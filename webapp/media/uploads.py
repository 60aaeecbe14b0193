"""Files agents upload to send (Flask-free): checked (size, real type), stored by hash, and
recorded for the tenant; a reply names the upload by its id (`media_id`)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import DomainError, NotFound
from webapp.media.kinds import SENDABLE, sniff
from webapp.media.store import MediaStore
from webapp.security.principal import Principal

Q = load(__file__)


class TooLarge(DomainError):
    """The file is over the size limit (413)."""

    status = 413
    code = "payload_too_large"


class UnsupportedType(DomainError):
    """The file is not a type that can be sent (415)."""

    status = 415
    code = "unsupported_media_type"


def clean_filename(name: str | None) -> str | None:
    """The file name without directories or control characters, at most 200 characters."""
    if not name:
        return None
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|*?:').strip(" .")
    return base[:200] or None


def check(data: bytes, declared: str | None, max_bytes: int) -> tuple[str, str]:
    """The upload's (mime, type), or TooLarge / UnsupportedType with a clear message."""
    if len(data) > max_bytes:
        raise TooLarge(f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.",
                       details={"size": len(data), "max_bytes": max_bytes})
    if not data:
        raise UnsupportedType("The file is empty.", details={"size": 0})
    mime = sniff(data, declared)
    if mime is None or mime not in SENDABLE:
        allowed = sorted({m.split("/")[0] for m in SENDABLE} - {"application", "text"})
        raise UnsupportedType(
            "This type of file cannot be sent. Send images, video, audio, PDF, Office "
            "documents, text or ZIP files.",
            details={"detected": mime or "unknown", "declared": declared,
                     "allowed": [*allowed, "application/pdf", "text/plain"]})
    return mime, SENDABLE[mime]


def upload(db: Database, store: MediaStore, p: Principal, data: bytes, *,
           filename: str | None, declared: str | None, max_bytes: int) -> dict[str, Any]:
    """Check, store and record an upload; return it as the API shows it."""
    mime, kind = check(data, declared, max_bytes)
    sha = store.put(data)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.insert_upload, {
            "type": kind, "mime": mime, "filename": clean_filename(filename),
            "size": len(data), "sha256": sha, "user_id": p.user_id}).fetchone()
    assert row is not None
    return dict(row)


def find(conn: Any, upload_id: int) -> dict[str, Any]:
    """An upload of the caller's tenant (inside its transaction), or 404."""
    row = conn.execute(Q.select_upload, {"id": upload_id}).fetchone()
    if row is None:
        raise NotFound("No such upload.", details={"media_id": upload_id})
    return dict(row)
