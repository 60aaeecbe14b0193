"""Media endpoints (/api/v1): a message's file (tenant-checked, ranges) and uploads to send."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel
from werkzeug.wsgi import wrap_file

from webapp.config import Settings
from webapp.errors import NotFound, ValidationFailed
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.media import service, uploads
from webapp.media.kinds import is_inline
from webapp.media.store import MediaMissing
from webapp.messaging.rows import MessageJson
from webapp.messaging.schemas import Message

bp = Blueprint("media", __name__, url_prefix="/api/v1")
# Served bytes are never a page: no scripts, no plugins, even if a browser were to render them.
_MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


class Upload(BaseModel):
    """A stored upload: send it with POST /messages/reply {media_id}."""

    id: int
    type: str
    mime: str
    filename: str | None
    size: int
    created_at: str


def _settings() -> Settings:
    settings: Settings = current_app.extensions["mf_settings"]
    return settings


def disposition(inline: bool, filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@endpoint(bp, "/messages/<int:message_id>/media", permission="conversations.read",
          media_type="*/*", errors={206: "Partial content (a Range request).",
                                    416: "The requested range is not in the file."})
def message_media(call: Call[None, None], message_id: int) -> Response:
    """A message's image, audio, video, document or sticker: the bytes, for members of the
    message's tenant only (404 otherwise). Images, audio and video are `inline`, everything
    else an `attachment` with its file name; `Range` requests get 206 (seeking in players)."""
    row = service.message_file(db(), call.who, message_id)
    assert row.sha256 is not None
    store = service.store(_settings())
    try:
        size = store.size(row.sha256)
        stream = store.open(row.sha256)
    except MediaMissing:
        raise NotFound("This message's media is not available: the file is missing.",
                       code="media_unavailable",
                       details={"message_id": message_id, "state": "missing"}) from None
    mime = row.mime or "application/octet-stream"
    inline = is_inline(mime)
    resp = Response(wrap_file(request.environ, stream), mimetype=mime, direct_passthrough=True)
    resp.content_length = size
    resp.headers["Content-Disposition"] = disposition(inline, service.default_filename(row))
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.headers["Content-Security-Policy"] = _MEDIA_CSP
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    resp.set_etag(row.sha256)
    resp.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    return resp


@endpoint(bp, "/media", method="POST", permission="messages.send", response=Upload, status=201,
          media_type="application/json", upload_field="file",
          errors={413: "The file is over MEDIA_MAX_BYTES.",
                  415: "The file's type (judged from its bytes) is not accepted."})
def upload_media(call: Call[None, None]) -> dict[str, Any]:
    """Upload a file to send (multipart/form-data, field `file`): at most MEDIA_MAX_BYTES
    (413), images, video, audio, PDF, Office, text or ZIP by their real content (415); then
    `POST /messages/reply {conversation_id, media_id, text?}` sends it with an optional caption."""
    part = request.files.get("file")
    if part is None:
        raise ValidationFailed("Send the file as multipart/form-data in the field 'file'.",
                               details={"fields": {"file": "required"}})
    settings = _settings()
    data = part.stream.read(settings.media_max_bytes + 1)
    return uploads.upload(db(), service.store(settings), call.who, data,
                          filename=part.filename, declared=part.mimetype or None,
                          max_bytes=settings.media_max_bytes)


@endpoint(bp, "/messages/<int:message_id>/media/retry", method="POST",
          permission="messages.send", response=Message, status=202,
          errors={409: "The download has not given up (still trying, or done), or cannot be "
                       "retried."})
def retry_media(call: Call[None, None], message_id: int) -> MessageJson:
    """Try a given-up media download again ("media unavailable"): the gateway starts over with
    a fresh attempt count; the message shows "Downloading…" and turns ready (or unavailable
    again, with the reason) live through `message.updated`."""
    return service.retry_download(db(), call.who, message_id, call.meta)
