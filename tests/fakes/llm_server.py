"""A loopback fake of the OpenAI, Anthropic and Cohere v2 chat APIs, with injectable faults.

Providers in tests point their api_base at it, so litellm's real request and response code runs:

    with FakeLLMServer(usage=(1000, 500)) as fake:
        ProviderConfig("openai", api_base=fake.openai_base, api_key="sk-test")
        fake.faults = FaultPlan(["rate_limit_429", None])   # change at run time
        fake.requests[-1].headers["authorization"]

Endpoints: POST /v1/chat/completions (OpenAI and compatible), POST /v1/messages (Anthropic: a
tool_use block when the request carries tools, which is how litellm asks claude-3 for JSON),
POST /v2/chat (Cohere v2). Faults, chosen per request by a FaultPlan: http_500,
rate_limit_429 (with Retry-After), timeout (hang past the client's timeout), invalid_json,
truncated_output, missing_ids (drop every other result of a batch reply). `canned` answers every
chat request with a fixed status, body and headers instead (a redirect, a "metadata" document).
`host` binds another loopback address (127.0.0.2 is outside the tests' OUTBOUND_ALLOW).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.fakes.fault_plan import FAULTS, FaultPlan
from tests.fakes.responders import (
    Responder,
    default_responder,
    drop_every_other_result,
    request_text,
)
from tests.fakes.wire_formats import WIRE_BUILDERS, Reply, error_body

__all__ = ["FAULTS", "Canned", "FakeLLMServer", "FaultPlan", "RecordedRequest",
           "default_responder"]

MAX_BODY_BYTES = 8 * 1024 * 1024
PATHS = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic", "/v2/chat": "cohere"}


@dataclass(frozen=True)
class Canned:
    """A fixed answer to every chat request: status, raw body and extra headers."""

    status: int
    body: bytes
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it (header names lower-cased)."""

    path: str
    wire: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    fault: str | None
    received_at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    fake: FakeLLMServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # idle keep-alive connections close on their own
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Track the connection so stop() can close it."""
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Stay quiet: tests read recorded requests instead."""
        return

    def do_POST(self) -> None:  # stdlib naming
        """Serve one chat request (the client may give up mid-way)."""
        try:
            self.server.fake._handle(self)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True  # the client gave up (e.g. its own timeout)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Write one JSON response with a Content-Length (keep-alive friendly)."""
        self.send_raw(status, json.dumps(payload).encode(), headers)

    def send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        """Write one response body as application/json."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class FakeLLMServer:
    """One threaded HTTP server on loopback speaking three providers' chat wire formats."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        latency_s: float = 0.0,
        usage: tuple[int, int] | None = None,
        responder: Responder | None = None,
        faults: FaultPlan | None = None,
        retry_after_s: float = 2.0,
        hang_s: float = 10.0,
        echo_credentials: bool = False,
        max_recorded: int = 10_000,
    ) -> None:
        self.host = host
        self.latency_s = latency_s
        self.canned: Canned | None = None
        self.usage = usage  # None: computed from prompt and reply length (~4 chars a token)
        self.responder: Responder = responder or default_responder
        self.faults = faults or FaultPlan()
        self.retry_after_s = retry_after_s
        self.hang_s = hang_s
        # Like real providers ("Incorrect API key provided: sk-..."), put the received
        # credentials into error bodies, so tests can prove they are scrubbed downstream.
        self.echo_credentials = echo_credentials
        self._recorded: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeLLMServer:
        """Bind a free loopback port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"fake-llm-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake hanging handlers, close open connections; bounded to ~2 s."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (raises before start)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """http://HOST:PORT (127.0.0.1 unless another host was given)"""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base(self) -> str:
        """api_base for openai / openai_compatible providers."""
        return f"{self.base_url}/v1"

    @property
    def anthropic_base(self) -> str:
        """api_base for anthropic providers (litellm appends /v1/messages)."""
        return self.base_url

    @property
    def cohere_base(self) -> str:
        """api_base for cohere providers (the full endpoint URL)."""
        return f"{self.base_url}/v2/chat"

    # -- inspection --------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the recorded requests, oldest first."""
        with self._lock:
            return list(self._recorded)

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._recorded.clear()

    def reset(self) -> None:
        """Back to defaults (no latency, no faults, computed usage) and no recorded requests."""
        self.latency_s, self.usage, self.responder = 0.0, None, default_responder
        self.faults, self.echo_credentials, self.canned = FaultPlan(), False, None
        self.clear()

    # -- request handling --------------------------------------------------------------------
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the server is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def _handle(self, handler: _Handler) -> None:
        path = handler.path.split("?", 1)[0]
        declared = int(handler.headers.get("Content-Length") or 0)
        if declared > MAX_BODY_BYTES:
            handler.close_connection = True  # the unread rest would poison a kept-alive socket
        length = min(declared, MAX_BODY_BYTES)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        wire = PATHS.get(path, "unknown")
        fault = self.faults.next() if wire != "unknown" else None
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._recorded.append(RecordedRequest(path, wire, headers, body, fault, time.time()))
        if wire == "unknown" or not isinstance(body, dict):
            status = 404 if wire == "unknown" else 400
            handler.send_json(status, {"error": "not found" if status == 404 else "bad json"})
            return
        if self._wait(self.latency_s):
            return
        if self.canned is not None:
            handler.send_raw(self.canned.status, self.canned.body, self.canned.headers)
            return
        if fault == "timeout" and self._wait(self.hang_s):
            return
        if fault in ("http_500", "rate_limit_429"):
            credentials = headers.get("authorization") or headers.get("x-api-key") or ""
            self._send_error(handler, wire, 500 if fault == "http_500" else 429, credentials)
            return
        try:
            reply = self._reply(body, fault)
        except Exception as exc:  # a broken test responder is a 500, not a hung client
            handler.send_json(500, {"error": {"message": f"responder failed: {exc!r}"}})
            return
        handler.send_json(200, WIRE_BUILDERS[wire](reply, body))

    def _send_error(self, handler: _Handler, wire: str, status: int, credentials: str) -> None:
        kind = "rate_limit_error" if status == 429 else "api_error"
        message = "rate limited by fake" if status == 429 else "fake internal error"
        if self.echo_credentials:
            message += f" (request credentials: {credentials})"
        payload = error_body(wire, kind, message)
        headers = {}
        if status == 429:
            seconds = self.retry_after_s
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        handler.send_json(status, payload, headers)

    def _reply(self, body: dict[str, Any], fault: str | None) -> Reply:
        content = self.responder(body)
        if fault == "missing_ids":
            content = drop_every_other_result(content)
        elif fault == "invalid_json":
            content = "Sure! Here is the analysis you asked for: {results: [oops"
        elif fault == "truncated_output":
            content = content[: max(1, len(content) // 2)]
        if self.usage is not None:
            tokens_in, tokens_out = self.usage
        else:
            tokens_in = max(1, len(request_text(body)) // 4)
            tokens_out = max(1, len(content) // 4)
        model = str(body.get("model", "fake-model"))
        return Reply(content, tokens_in, tokens_out, fault == "truncated_output", model)
