"""Ogg/Opus voice notes, as WhatsApp sends them, for the simulator's samples.

The audio is encoded by the system's libopus (Debian's libopus0, which Chromium depends on),
reached with ctypes: no Python package wraps it here. The Ogg container is written in Python
(RFC 7845: an OpusHead page, an OpusTags page, then audio pages whose granule positions count
48 kHz samples). `available()` says whether libopus could be loaded; without it the caller
keeps a WAV voice note.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import struct
from collections.abc import Sequence

RATE = 48_000
FRAME = 960  # 20 ms at 48 kHz
_APPLICATION_VOIP = 2048
_MAX_PACKET = 4000


@functools.cache
def _lib() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("opus") or "libopus.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_int)]
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int,
                                ctypes.c_char_p, ctypes.c_int32]
    lib.opus_encoder_destroy.restype = None
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    return lib


def available() -> bool:
    """Whether libopus can be loaded on this machine."""
    return _lib() is not None


def encode(samples: Sequence[int]) -> list[bytes]:
    """Opus packets (20 ms each) of 16-bit mono samples at 48 kHz (the last frame padded)."""
    lib = _lib()
    if lib is None:
        raise RuntimeError("libopus is not installed")
    error = ctypes.c_int(0)
    encoder = lib.opus_encoder_create(RATE, 1, _APPLICATION_VOIP, ctypes.byref(error))
    if error.value != 0 or not encoder:
        raise RuntimeError(f"opus_encoder_create failed ({error.value})")
    packets = []
    out = ctypes.create_string_buffer(_MAX_PACKET)
    try:
        for start in range(0, len(samples), FRAME):
            chunk = list(samples[start:start + FRAME])
            chunk += [0] * (FRAME - len(chunk))
            pcm = (ctypes.c_int16 * FRAME)(*chunk)
            n = lib.opus_encode(encoder, pcm, FRAME, out, _MAX_PACKET)
            if n < 0:
                raise RuntimeError(f"opus_encode failed ({n})")
            packets.append(out.raw[:n])
    finally:
        lib.opus_encoder_destroy(encoder)
    return packets


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Ogg's page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, initial 0)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _page(packets: list[bytes], *, granule: int, serial: int, sequence: int,
          flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0,
                         len(lacing))
    page = bytearray(header + lacing + b"".join(packets))
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


def ogg_opus(packets: list[bytes], *, pre_skip: int = 312, serial: int = 0x4D460001,
             per_page: int = 25, vendor: str = "MessageFlow") -> bytes:
    """An Ogg Opus file of 20 ms mono packets (RFC 7845)."""
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, pre_skip, RATE, 0, 0)
    vendor_bytes = vendor.encode()
    tags = b"OpusTags" + struct.pack("<I", len(vendor_bytes)) + vendor_bytes \
        + struct.pack("<I", 0)
    pages = [_page([head], granule=0, serial=serial, sequence=0, flags=0x02),
             _page([tags], granule=0, serial=serial, sequence=1, flags=0)]
    for i in range(0, len(packets), per_page):
        group = packets[i:i + per_page]
        last = i + per_page >= len(packets)
        granule = pre_skip + (i + len(group)) * FRAME
        pages.append(_page(group, granule=granule, serial=serial, sequence=len(pages),
                           flags=0x04 if last else 0))
    return b"".join(pages)
