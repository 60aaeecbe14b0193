"""gunicorn's own answers (before the app runs) come in the JSON envelope, never HTML (issue 10,
2.2): the web process exactly as `messageflow serve` starts it, fed raw bytes over a socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_settings
from webapp.commands.children import Ports, web_child


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not come up: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def web(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The web child of `messageflow serve` (one worker) over the module's database."""
    home = tmp_path_factory.mktemp("gunicorn")
    settings = make_settings(database_url, home)
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": settings.jwt_secret,
           "MASTER_KEY": settings.master_key, "MESSAGEFLOW_ENV": "test",
           "MESSAGEFLOW_HOME": str(home), "RATE_LIMIT": settings.rate_limit,
           "AUTH_RATE_LIMIT": settings.auth_rate_limit, "LOG_LEVEL": "WARNING",
           "DB_POOL_MIN": "1", "DB_POOL_MAX": "2", "WEB_WORKERS": "1", "WEB_THREADS": "4"}
    number, log = _free_port(), home / "gunicorn.log"
    child = web_child(Ports(host="127.0.0.1", web=number), env)
    with log.open("wb") as out:
        proc = subprocess.Popen(child.argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(number, proc, log)
        yield number, log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def port(web: tuple[int, Path]) -> int:
    """The port of the web child."""
    return web[0]


def _exchange(port: int, data: bytes) -> tuple[int, dict[str, str], Any]:
    """Send raw bytes; the status, headers (lower-case names) and JSON body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers.get("content-type") == "application/json", received[:300]
    return int(lines[0].split(" ")[1]), headers, json.loads(body)


def _request(target: bytes, *extra: bytes) -> bytes:
    return (b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + b"".join(h + b"\r\n" for h in extra) + b"\r\n")


def _error(body: Any) -> dict[str, Any]:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def test_a_request_line_beyond_the_limit_is_a_414_envelope(port: int) -> None:
    status, headers, body = _exchange(port, _request(b"/api/v1/conversations?q=" + b"a" * 9000))
    assert status == 414 and _error(body)["code"] == "uri_too_long"
    assert "8190" in _error(body)["message"] and headers["connection"] == "close"


def test_a_long_non_latin_search_still_reaches_the_app(port: int) -> None:
    """500 characters x 9 bytes percent-encoded: over gunicorn's default 4,094, within 8,190."""
    status, _, body = _exchange(port, _request(b"/api/v1/messages/search?q=" + b"%E4%BD%A0" * 500))
    assert status == 401 and _error(body)["code"] != "uri_too_long"


@pytest.mark.parametrize("data", [
    _request(b"/api/v1/conversations?q=a b"),  # a query string that is not percent-encoded
    _request(b"/api/v1/conversations?q=\xc3\xa9"),  # raw UTF-8 in the request line
    b"G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n",
    _request(b"/", b"X-Test: a\x00b"),
    _request(b"/", b"Bad Header: x"),
    _request(b"/", b"Content-Length: x"),
    b"garbage\r\n\r\n",
], ids=["unencoded-query", "raw-utf8-query", "bad-method", "bad-version", "nul-header",
        "bad-header-name", "bad-content-length", "garbage"])
def test_malformed_requests_are_a_400_envelope(port: int, data: bytes) -> None:
    status, _, body = _exchange(port, data)
    assert status == 400 and _error(body)["code"] == "bad_request"
    assert "<" not in json.dumps(body)


def test_too_many_headers_is_a_431_envelope(port: int) -> None:
    extra = [f"X-H{i}: v".encode() for i in range(150)]
    status, _, body = _exchange(port, _request(b"/healthz", *extra))
    assert status == 431 and _error(body)["code"] == "headers_too_large"


def test_the_app_guards_answer_through_gunicorn(port: int) -> None:
    status, _, body = _exchange(port, _request(b"/api/v1/messages/search?q=%00"))
    assert status == 400 and _error(body)["details"]["fields"] == {
        "q": "must not contain NUL characters"}
    status, _, body = _exchange(port, _request(b"/api/v1/conversations/99999999999999999999"))
    assert status == 404 and _error(body)["code"] == "not_found"
    deep = b"[" * 1000 + b"]" * 1000
    status, _, body = _exchange(port, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
                                b"Connection: close\r\nContent-Type: application/json\r\n"
                                b"Content-Length: " + str(len(deep)).encode() + b"\r\n\r\n" + deep)
    assert status == 400 and _error(body)["code"] == "too_deep"


def test_a_token_in_a_refused_request_line_never_reaches_the_log(web: tuple[int, Path]) -> None:
    port, log = web
    secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl"
    # A request line without its HTTP version: gunicorn quotes the whole line in its warning.
    line = f"GET /api/v1/ws?since=1&token={secret}\r\nHost: localhost\r\n\r\n".encode()
    status, _, body = _exchange(port, line)
    assert status == 400 and _error(body)["code"] == "bad_request"
    deadline = time.monotonic() + 5
    while "token=[redacted]" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = log.read_text()
    assert "token=[redacted]" in text  # gunicorn logged the refused line, masked
    assert secret not in text and "c2VjcmV0LXRva2Vu" not in text
