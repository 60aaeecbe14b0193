"""Small real media files for the simulator and tests (made here, no assets, deterministic):
a PNG photo, an Ogg/Opus voice note (WAV where libopus is missing), a one-page PDF and
profile-picture avatars. `ensure_samples` puts them in a store so the simulator's records can
name them by hash and `make up` shows a photo, a playable voice note and a PDF."""

from __future__ import annotations

import functools
import math
import struct
import zlib
from dataclasses import dataclass

from webapp.media import opus
from webapp.media.store import MediaStore, sha256_of


@dataclass(frozen=True)
class Sample:
    """A generated file and the media metadata a record carries for it."""

    type: str
    mime: str
    data: bytes
    filename: str | None = None
    seconds: int | None = None
    voice: bool | None = None

    @property
    def sha256(self) -> str:
        """Its key in the store."""
        return sha256_of(self.data)

    def media(self, caption: str | None = None, filename: str | None = None) -> dict[str, object]:
        """The `media` of a traffic record that names this file."""
        fields = {"type": self.type, "mime": self.mime, "size": len(self.data),
                  "caption": caption, "filename": filename or self.filename,
                  "seconds": self.seconds, "voice": self.voice, "sha256": self.sha256}
        return {k: v for k, v in fields.items() if v is not None}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png(width: int = 160, height: int = 120, hue: int = 0) -> bytes:
    """A photo-like PNG: a sky-to-ground gradient with a sun (RGB, 8 bit)."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            sun = (x - width * 0.7) ** 2 + (y - height * 0.3) ** 2 < (height * 0.12) ** 2
            if sun:
                pixel = (250, 204, 21)
            elif y < height * 0.62:
                t = y / (height * 0.62)
                pixel = (int(56 + 100 * t), int(140 + 60 * t), (235 - hue) % 256)
            else:
                t = (y - height * 0.62) / (height * 0.38)
                pixel = (int(40 + 30 * t + hue) % 256, int(120 - 40 * t), 60)
            row += bytes(pixel)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))


@functools.lru_cache(maxsize=256)
def avatar(name: str, size: int = 64) -> bytes:
    """A small profile-picture PNG for a simulated person: a silhouette (head and shoulders)
    on a background whose colour follows from the name."""
    seed = zlib.crc32(name.encode("utf-8"))
    colour = ((seed >> 16) % 160 + 40, (seed >> 8) % 160 + 40, seed % 160 + 40)
    light = (240, 240, 236)
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")
        for x in range(size):
            head = (x - size / 2) ** 2 + (y - size * 0.38) ** 2 < (size * 0.18) ** 2
            body = (x - size / 2) ** 2 / 1.6 + (y - size * 1.0) ** 2 < (size * 0.36) ** 2
            row += bytes(light if head or body else colour)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))


def _tone(seconds: float, rate: int) -> list[int]:
    """A voice-like warbling tone that fades in and out: 16-bit mono samples."""
    n = int(seconds * rate)
    out = []
    for i in range(n):
        t = i / rate
        envelope = min(1.0, t * 8, (seconds - t) * 8)
        pitch = 220 + 60 * math.sin(2 * math.pi * 3 * t)
        out.append(int(9000 * envelope * math.sin(2 * math.pi * pitch * t)))
    return out


def wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A short voice-note-like WAV (16-bit mono)."""
    frames = struct.pack(f"<{int(seconds * rate)}h", *_tone(seconds, rate))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ogg_opus(seconds: float = 2.0) -> bytes:
    """The same voice note as WhatsApp sends one: Opus in Ogg, mono 48 kHz (libopus)."""
    return opus.ogg_opus(opus.encode(_tone(seconds, opus.RATE)))


def _voice_note() -> Sample:
    """An Ogg/Opus voice note where libopus is installed (Chromium's dependency), else WAV."""
    if opus.available():
        return Sample("audio", "audio/ogg; codecs=opus", ogg_opus(), seconds=2, voice=True)
    return Sample("audio", "audio/wav", wav(), seconds=2, voice=True)


def pdf(title: str = "Invoice", lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF with a title and a few lines of text (Helvetica)."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = [f"BT /F1 20 Tf 72 760 Td ({esc(title)}) Tj ET"]
    text += [f"BT /F1 12 Tf 72 {730 - 18 * i} Td ({esc(line)}) Tj ET"
             for i, line in enumerate(lines)]
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


PHOTOS = tuple(Sample("image", "image/png", png(hue=h * 40)) for h in range(3))
VOICE_NOTE = _voice_note()
INVOICE = Sample("document", "application/pdf",
                 pdf("Invoice", ("MessageFlow demo invoice", "Amount due: see the chat",
                                 "Thank you for your business.")), filename="invoice.pdf")
ALL = (*PHOTOS, VOICE_NOTE, INVOICE)


def ensure_samples(store: MediaStore) -> int:
    """Put every sample in the store (idempotent); return how many there are."""
    for sample in ALL:
        store.put(sample.data)
    return len(ALL)
