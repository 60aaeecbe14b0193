"""Many WebSocket clients in one asyncio process, for bench/test_ws_fanout.py.

`python -m bench.bench_ws_clients CONFIG OUT`: CONFIG is JSON {"url": ws base, "clients":
[[tenant_id, token], ...]}. Prints READY once every client is subscribed, records every frame
until a line STOP arrives on stdin, then writes OUT (JSON lines, one per client) and exits.

The clients speak just enough RFC 6455 (handshake, unmasked server frames, masked pongs and
close) to stay cheap: the load generator shares two cores with the server it measures.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from typing import Any
from urllib.parse import urlsplit

CONNECT_CONCURRENCY = 50


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask); payloads here are < 126 bytes."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + body


class Probe(asyncio.Protocol):
    """One client: what it received, and when message.created frames arrived."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.ids: list[int] = []
        self.created: list[tuple[int, float]] = []  # (message id, receive time)
        self.ready = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Parse the 101 response, then frames."""
        now = time.time()
        self._buf += data
        if not self._upgraded:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(RuntimeError(bytes(self._buf[:200]).decode()))
                return
            del self._buf[: end + 4]
            self._upgraded = True
        while self._frame(now):
            pass

    def _frame(self, now: float) -> bool:
        buf = self._buf
        if len(buf) < 2:
            return False
        opcode, size, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(buf[2:4], "big"), 4
        elif size == 127:
            size, start = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < start + size:
            return False
        payload = bytes(buf[start:start + size])
        del buf[: start + size]
        if opcode == 0x1:
            self._text(payload, now)
        elif opcode == 0x9 and self.transport is not None:
            self.transport.write(_masked(0xA, payload))  # pong
        elif opcode == 0x8 and not self.closed.done():
            self.closed.set_result(None)
        return True

    def _text(self, payload: bytes, now: float) -> None:
        frame = json.loads(payload)
        if "id" in frame:
            self.ids.append(frame["id"])
            if frame["type"] == "message.created":
                self.created.append((frame["data"]["id"], now))
        elif frame["type"] == "presence" and not self.ready.done():
            self.ready.set_result(None)  # the presence snapshot: subscribed

    def connection_lost(self, exc: Exception | None) -> None:
        """A dropped socket shows up as lost events."""
        if not self.closed.done():
            self.closed.set_result(None)

    def result(self) -> dict[str, Any]:
        """The JSON line written for this client."""
        return {"tenant": self.tenant_id, "ids": self.ids, "created": self.created}


async def _open(base: str, tenant_id: int, token: str, gate: asyncio.Semaphore) -> Probe:
    url = urlsplit(base)
    async with gate:
        _, probe = await asyncio.get_running_loop().create_connection(
            lambda: Probe(tenant_id), url.hostname, url.port)
        assert probe.transport is not None
        key = base64.b64encode(os.urandom(16)).decode()
        probe.transport.write(
            f"GET /api/v1/ws?token={token} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        await asyncio.wait_for(probe.ready, 60)
        return probe


async def main(config_path: str, out_path: str) -> None:
    """Connect everyone, report READY, record until STOP, write the results."""
    with open(config_path, encoding="utf-8") as fh:
        config = json.load(fh)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    probes = await asyncio.gather(*(_open(config["url"], t, tok, gate)
                                    for t, tok in config["clients"]))
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for p in probes:
        if p.transport is not None:
            p.transport.write(_masked(0x8, (1000).to_bytes(2, "big")))
    await asyncio.wait([asyncio.ensure_future(p.closed) for p in probes], timeout=10)
    with open(out_path, "w", encoding="utf-8") as fh:
        for p in probes:
            fh.write(json.dumps(p.result()) + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
