"""The content-addressed store, the type sniffer and the generated sample files."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from webapp.media import opus, samples
from webapp.media.kinds import is_inline, sniff
from webapp.media.store import FileStore, MediaMissing, sha256_of
from webapp.media.uploads import clean_filename


def test_file_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "media")
    key = store.put(b"hello")
    assert key == sha256_of(b"hello") and store.put(b"hello") == key
    assert (tmp_path / "media" / key[:2] / key[2:4] / key).read_bytes() == b"hello"
    assert store.exists(key) and store.size(key) == 5 and store.open(key).read() == b"hello"
    assert [p.name for p in (tmp_path / "media").rglob("*") if p.is_file()] == [key]
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(MediaMissing):
        store.open(key)
    for bad in ("../../etc/passwd", "A" * 64, key[:-1], ""):
        assert not store.exists(bad)
        with pytest.raises(MediaMissing):
            store.open(bad)


@pytest.mark.parametrize(("data", "declared", "mime"), [
    (samples.PHOTOS[0].data, None, "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, None, "image/jpeg"),
    (samples.wav(), "audio/ogg", "audio/wav"),
    (samples.VOICE_NOTE.data, None, samples.VOICE_NOTE.mime.split(";")[0]),
    (b"OggS\x00\x02" + b"\x00" * 30, None, "audio/ogg"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8, None, "video/mp4"),
    (samples.INVOICE.data, "image/png", "application/pdf"),
    (b"name,total\nAna,12\n", "text/csv", "text/csv"),
    (b"just a note\n", None, "text/plain"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", None),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8, None, None),
])
def test_sniff_reads_the_bytes_not_the_claim(data: bytes, declared: str | None,
                                             mime: str | None) -> None:
    assert sniff(data, declared) == mime


def test_inline_only_for_images_audio_and_video() -> None:
    assert is_inline("image/png") and is_inline("audio/ogg; codecs=opus")
    assert not is_inline("application/pdf") and not is_inline("image/svg+xml")
    assert not is_inline("text/html") and not is_inline(None)


def test_clean_filename() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\ana\\inv\"oice.pdf") == "invoice.pdf"
    assert clean_filename("  ..  ") is None and clean_filename(None) is None


def test_samples_are_real_files() -> None:
    png = samples.PHOTOS[0].data
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41:41 + idat_len])
    assert (width, height) == (160, 120) and len(raw) == height * (1 + 3 * width)
    assert len({s.sha256 for s in samples.PHOTOS}) == 3

    wav = samples.wav()
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    assert struct.unpack("<I", wav[4:8])[0] == len(wav) - 8
    channels, rate = struct.unpack("<HI", wav[22:28])
    assert (channels, rate) == (1, 8000) and len(wav) > rate * 2 * 1.9

    pdf = samples.INVOICE.data
    assert pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF\n")
    start = int(re.findall(rb"startxref\n(\d+)", pdf)[0])
    assert pdf[start:start + 4] == b"xref"
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", pdf)]
    assert [pdf[o:o + 7] for o in offsets] == [f"{i} 0 obj".encode() for i in range(1, 6)]


def test_ensure_samples_puts_them_in_the_store(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    assert samples.ensure_samples(store) == len(samples.ALL)
    assert all(store.exists(s.sha256) for s in samples.ALL)
    assert samples.INVOICE.media("here")["sha256"] == samples.INVOICE.sha256


def _ogg_pages(data: bytes) -> list[tuple[int, int, list[bytes]]]:
    """(flags, granule, packets) of each Ogg page, every checksum verified."""
    pages, at = [], 0
    while at < len(data):
        assert data[at:at + 4] == b"OggS"
        flags, granule, _serial, _seq, crc, count = struct.unpack("<BqIIIB", data[at + 5:at + 27])
        lacing = data[at + 27:at + 27 + count]
        end = at + 27 + count + sum(lacing)
        page = bytearray(data[at:end])
        struct.pack_into("<I", page, 22, 0)
        assert opus.ogg_crc(bytes(page)) == crc
        packets, body, current = [], at + 27 + count, b""
        for lace in lacing:
            current += data[body:body + lace]
            body += lace
            if lace < 255:
                packets.append(current)
                current = b""
        pages.append((flags, granule, packets))
        at = end
    return pages


@pytest.mark.skipif(not opus.available(), reason="libopus is not installed: WAV voice notes")
def test_the_voice_note_is_ogg_opus_like_whatsapps() -> None:
    note = samples.VOICE_NOTE
    assert note.mime == "audio/ogg; codecs=opus" and note.voice and note.seconds == 2
    pages = _ogg_pages(note.data)
    head, tags = pages[0][2][0], pages[1][2][0]
    assert pages[0][0] == 0x02 and head[:8] == b"OpusHead"
    version, channels, pre_skip, rate = struct.unpack("<BBHI", head[8:16])
    assert (version, channels, rate) == (1, 1, 48_000)
    assert tags[:8] == b"OpusTags"
    audio = [p for page in pages[2:] for p in page[2]]
    assert len(audio) == 100 and all(p and len(p) < 400 for p in audio)  # 20 ms frames
    assert pages[-1][0] == 0x04 and (pages[-1][1] - pre_skip) / 48_000 == 2.0
    assert len(note.data) < 20_000
