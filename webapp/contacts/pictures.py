"""Contacts' profile pictures (Flask-free): fetched by the gateway, served by the API.

The gateway's requests loop calls `refresh_due` for each connected device it holds: contacts
with a direct chat on that device whose picture was never checked, or not for `max_age`
(a day by default), are claimed (marked checked, FOR UPDATE SKIP LOCKED), and their picture
is asked of WhatsApp with no transaction open (`fetch`: the device's `profile_picture`, None
when the contact has none or hides it). Found bytes go to the content-addressed media store;
contacts.picture_key names them (a changed picture re-renders the contact's chats through
conversation.updated). The API serves them only to the tenant's members.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import NotFound
from webapp.media.store import MediaMissing, MediaStore
from webapp.security.principal import Principal

Q = load(__file__)
log = logging.getLogger(__name__)
MAX_AGE_SECONDS = 24 * 3600
RETRY_SECONDS = 600
MAX_BYTES = 1024 * 1024
FetchPicture = Callable[[str], bytes | None]


@dataclass(frozen=True, slots=True)
class DueContact:
    """A contact whose picture is to be checked."""

    id: int
    jid: str
    picture_key: str | None


def claim(db: Database, tenant_id: int, device_id: int, *, max_age: float = MAX_AGE_SECONDS,
          limit: int = 5) -> list[DueContact]:
    """The device's contacts due for a picture check, now marked checked."""
    with db.tenant(tenant_id, events=True) as conn:
        return fetch_all(conn, DueContact, Q.claim_due_pictures,
                         {"device_id": device_id, "max_age": max_age, "limit": limit})


def refresh_due(db: Database, store: MediaStore, tenant_id: int, device_id: int,
                fetch: FetchPicture, *, max_age: float = MAX_AGE_SECONDS,
                limit: int = 5) -> int:
    """Check the due contacts' pictures; how many were checked."""
    due = claim(db, tenant_id, device_id, max_age=max_age, limit=limit)
    for contact in due:
        try:
            data = fetch(contact.jid)
            if data is not None and len(data) > MAX_BYTES:
                raise ValueError(f"the picture is too large ({len(data)} bytes)")
            key = store.put(data) if data else None
        except Exception as exc:  # noqa: BLE001 - the device went away, a CDN error: later
            log.warning("profile picture of contact %s not fetched: %s", contact.id, exc)
            with db.tenant(tenant_id, events=True) as conn:
                conn.execute(Q.check_later, {"id": contact.id, "max_age": max_age,
                                             "delay": RETRY_SECONDS})
            continue
        with db.tenant(tenant_id, events=True) as conn:
            conn.execute(Q.set_picture, {"id": contact.id, "key": key})
    return len(due)


def picture(db: Database, store: MediaStore, p: Principal, contact_id: int) -> tuple[bytes, str]:
    """A contact's picture and its key (404 when the contact is not the caller's tenant's or
    has no picture)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = conn.execute(Q.select_picture, {"id": contact_id}).fetchone()
    if row is None or row["picture_key"] is None:
        raise NotFound("This contact has no profile picture.", code="no_picture",
                       details={"contact_id": contact_id})
    try:
        with store.open(row["picture_key"]) as handle:
            return handle.read(), str(row["picture_key"])
    except MediaMissing:
        raise NotFound("This contact has no profile picture.", code="no_picture",
                       details={"contact_id": contact_id}) from None


def image_type(data: bytes) -> str:
    """The picture's content type from its first bytes (WhatsApp's are JPEG)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"
