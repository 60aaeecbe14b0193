"""What a file is, from its first bytes (not from what the client claims), and which files
agents may send: images, video, audio and common documents. Anything else is refused (415);
SVG and HTML in particular, which a browser would run."""

from __future__ import annotations

OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
SENDABLE: dict[str, str] = {
    "image/jpeg": "image", "image/png": "image", "image/webp": "image",
    "video/mp4": "video", "video/3gpp": "video",
    "audio/ogg": "audio", "audio/mpeg": "audio", "audio/mp4": "audio", "audio/wav": "audio",
    "application/pdf": "document", "application/zip": "document",
    "text/plain": "document", "text/csv": "document",
    **dict.fromkeys(OFFICE, "document"),
}
# Shown in the browser (Content-Disposition: inline); everything else downloads.
INLINE = {"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/3gpp",
          "video/webm", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav", "audio/aac",
          "audio/amr", "audio/webm"}


def sniff(data: bytes, declared: str | None = None) -> str | None:
    """The MIME type the bytes really have (None: not a kind we recognise)."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"PK\x03\x04"):
        return declared if declared in OFFICE else "application/zip"
    return _text(data, declared)


def _text(data: bytes, declared: str | None) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 4090:  # not just a character cut at the sample's end
            return None
        text = data[:exc.start].decode("utf-8")
    if text.lstrip().startswith("<"):
        return None  # markup (HTML, SVG, XML): never served as ours
    return "text/csv" if declared == "text/csv" else "text/plain"


def is_inline(mime: str | None) -> bool:
    """Whether the browser may show the file in the page (images, audio, video)."""
    return (mime or "").split(";")[0].strip().lower() in INLINE
