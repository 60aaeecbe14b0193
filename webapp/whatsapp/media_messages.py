"""WhatsApp media messages (neonize protobufs): the keys an incoming one carries, the message
neonize's `download_any` needs to fetch it again later, and an outgoing one built from an
upload (what neonize's own `build_*_message` helpers build, without their ffmpeg/PIL steps:
the thumbnail and duration are optional for WhatsApp)."""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.message import Message as Proto
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import (
    AudioMessage,
    ContextInfo,
    DocumentMessage,
    ImageMessage,
    StickerMessage,
    VideoMessage,
)
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message as WAMessage
from neonize.utils.enum import MediaType

FIELDS = {"image": ("imageMessage", ImageMessage, MediaType.MediaImage),
          "video": ("videoMessage", VideoMessage, MediaType.MediaVideo),
          "audio": ("audioMessage", AudioMessage, MediaType.MediaAudio),
          "document": ("documentMessage", DocumentMessage, MediaType.MediaDocument),
          "sticker": ("stickerMessage", StickerMessage, MediaType.MediaImage)}


def _b64(value: bytes) -> str | None:
    return base64.b64encode(value).decode() if value else None


def keys_of(part: Proto) -> dict[str, Any] | None:
    """The download keys of a media part (None when it cannot be downloaded)."""
    direct_path = getattr(part, "directPath", "")
    media_key = getattr(part, "mediaKey", b"")
    if not direct_path or not media_key:
        return None
    return {"direct_path": direct_path, "media_key": _b64(media_key),
            "file_sha256": _b64(getattr(part, "fileSHA256", b"")),
            "file_enc_sha256": _b64(getattr(part, "fileEncSHA256", b"")),
            "url": getattr(part, "URL", "") or None}


def download_message(kind: str, mime: str | None, size: int | None,
                     keys: dict[str, Any]) -> WAMessage:
    """The message `client.download_any` takes, rebuilt from stored keys."""
    field, cls, _ = FIELDS[kind]

    def raw(name: str) -> bytes:
        value = keys.get(name)
        return base64.b64decode(value) if value else b""

    part = cls(directPath=keys["direct_path"], mediaKey=raw("media_key"),
               fileSHA256=raw("file_sha256"), fileEncSHA256=raw("file_enc_sha256"))
    if keys.get("url"):
        part.URL = keys["url"]
    if mime:
        part.mimetype = mime
    if size is not None:
        part.fileLength = size
    return WAMessage(**{field: part})


def upload_type(kind: str) -> MediaType:
    """neonize's media type for uploading a file of this kind."""
    return FIELDS[kind][2]


def outgoing_message(kind: str, upload: Any, *, mime: str, caption: str | None,
                     filename: str | None, voice: bool = False,
                     context: ContextInfo | None = None) -> WAMessage:
    """A media message pointing at an upload (neonize's UploadResponse)."""
    field, cls, _ = FIELDS[kind]
    part = cls(URL=upload.url, directPath=upload.DirectPath, mediaKey=upload.MediaKey,
               fileEncSHA256=upload.FileEncSHA256, fileSHA256=upload.FileSHA256,
               fileLength=upload.FileLength, mimetype=mime)
    if caption and kind in ("image", "video", "document"):
        part.caption = caption
    if kind == "document" and filename:
        part.fileName = filename
        part.title = filename
    if kind == "audio" and voice:
        part.PTT = True
    if context is not None:
        part.contextInfo.MergeFrom(context)
    return WAMessage(**{field: part})
