"""The web process's gunicorn worker: gthread, with gunicorn's own error answers in the envelope.

gunicorn answers some requests itself, before the app runs: a request line longer than
limit_request_line (414), too many or too large headers (431), a malformed request line or header
(400; e.g. a query string that is not percent-encoded, a NUL in a header). Its answer is an HTML
page; this worker lets gunicorn decide the status (and log as usual) and sends the one JSON
envelope instead. Its log lines never carry an access token: the WebSocket route takes the JWT
as `?token=`, and gunicorn's "Error handling request <uri>" and "Invalid request" warnings quote
the raw request line, so a filter on its error log masks every `token=` value. Started by
`messageflow serve` / `up` (webapp/commands/children.py) as `-k webapp.http.worker.EnvelopeWorker`.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
          431: "headers_too_large", 501: "not_implemented"}
_MESSAGES = {
    400: "The request is not valid HTTP (percent-encode the URL; headers must be well-formed).",
    414: "The request line is longer than the {limit} bytes allowed.",
    431: "The request headers are too many or too large.",
}


class _Captured:
    """Stands in for the client socket while gunicorn writes its HTML error: keeps the bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.data = b""

    def gettimeout(self) -> float:
        """Non-blocking, so gunicorn writes straight through (util.write_nonblock)."""
        return 0.0

    def sendall(self, data: bytes) -> None:
        """Keep what gunicorn would have sent."""
        self.data += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


_TOKEN_VALUE = re.compile(r"(token=)[^&\s'\"]+", re.IGNORECASE)


class ScrubTokens(logging.Filter):
    """Masks `token=<value>` in a log record's message (the record is otherwise unchanged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message when it quotes a token; never drops a record."""
        message = record.getMessage()
        scrubbed = _TOKEN_VALUE.sub(r"\1[redacted]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


class EnvelopeWorker(ThreadWorker):
    """gthread worker whose own error answers are `{"error": {"code", "message", "details"}}`."""

    def init_process(self) -> None:
        """Mask tokens in gunicorn's error log of this worker, then run as gthread does."""
        self.log.error_log.addFilter(ScrubTokens())
        super().init_process()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Let gunicorn pick the status and log, then answer with the envelope."""
        captured = _Captured(client)
        super().handle_error(req, captured, addr, exc)
        if not captured.data:
            return
        status_line = captured.data.split(b"\r\n", 1)[0].decode("latin-1")
        _, status, reason = (status_line.split(" ", 2) + ["", ""])[:3]
        try:
            util.write_nonblock(client, envelope(int(status), reason, exc,
                                                 self.cfg.limit_request_line))
        except Exception:  # noqa: BLE001 - as gunicorn: the client may be gone already
            self.log.debug("Failed to send error message.")


def envelope(status: int, reason: str, exc: BaseException, limit: int) -> bytes:
    """A complete HTTP/1.1 response carrying the envelope (the connection then closes)."""
    client_error = 400 <= status < 500 or status == 501
    if client_error:
        message = _MESSAGES.get(status, reason or "The request was refused.").format(limit=limit)
        details = {"reason": type(exc).__name__}
    else:
        message, details = "Something went wrong on our side.", {}
    code = _CODES.get(status, "bad_request" if client_error else "internal_error")
    body = json.dumps({"error": {"code": code, "message": message, "details": details}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body
