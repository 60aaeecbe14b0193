"""Loopback receivers for the integration tests: an HTTP server that records requests and
answers from a script, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records every request; answers `statuses` in turn (then 200) with `reply` as body."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    reply: bytes = b"ok"
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    """A threaded HTTP server on 127.0.0.1 (a free port) for the duration."""
    state = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with state.lock:
                state.requests.append(Received(self.path, {k.lower(): v for k, v in
                                                           self.headers.items()}, body))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("content-type", "application/json" if state.reply[:1] == b"{"
                             else "text/plain")
            self.send_header("content-length", str(len(state.reply)))
            self.end_headers()
            self.wfile.write(state.reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpReceiver:
    """A running aiosmtpd server and what it received."""

    port: int
    sink: _Sink

    @property
    def messages(self) -> list[Message]:
        """Every message received, in order."""
        return self.sink.messages

    def to(self, address: str) -> list[Message]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if address in str(m["To"])]


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """aiosmtpd on 127.0.0.1 for the duration."""
    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpReceiver(port, sink)
    finally:
        controller.stop()


def body_of(mail: Message) -> str:
    """The decoded text of a single-part message."""
    raw = mail.get_payload(decode=True)
    assert isinstance(raw, bytes)
    return raw.decode(mail.get_content_charset() or "utf-8")
