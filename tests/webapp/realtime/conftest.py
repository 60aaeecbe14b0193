"""Realtime fixtures: a real HTTP server in a thread, real WebSocket clients, traffic helpers."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import websocket
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from webapp.db import Database
from webapp.messaging.service import ingest
from webapp.messaging.simulator import generate
from webapp.realtime import service as svc
from webapp.realtime.hub import Hub
from webapp.realtime.ws import LISTENER_NAME

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
TIMEOUT = 10.0
_FENCES = itertools.count(10_000)


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    """The module's app on a real threaded server; yields its ws:// base URL."""
    srv: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


class Closed(Exception):
    """The server closed the socket with this code and reason."""

    def __init__(self, code: int | None, reason: str):
        super().__init__(f"closed {code} {reason!r}")
        self.code, self.reason = code, reason


class Client:
    """A blocking WebSocket client that returns JSON frames and surfaces close codes."""

    def __init__(self, url: str, *, header: list[str] | None = None, cookie: str | None = None):
        self.ws = websocket.create_connection(url, timeout=TIMEOUT, header=header or [],
                                              cookie=cookie)
        self.frames: list[dict[str, Any]] = []

    def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next text frame as JSON; raises Closed or TimeoutError."""
        self.ws.settimeout(timeout)
        while True:
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException as exc:
                raise TimeoutError("no frame within the timeout") from exc
            if opcode == websocket.ABNF.OPCODE_TEXT:
                frame: dict[str, Any] = json.loads(data)
                self.frames.append(frame)
                return frame
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                raise Closed(code, data[2:].decode("utf-8", "replace"))

    def send(self, obj: Any) -> None:
        """Send a frame (JSON-encoded unless already text)."""
        self.ws.send(obj if isinstance(obj, str) else json.dumps(obj))

    def events_until(self, wanted: set[int], timeout: float = TIMEOUT) -> list[int]:
        """Event ids received (in order, duplicates kept) until every wanted id has arrived."""
        got: list[int] = []
        deadline = time.monotonic() + timeout
        while not wanted <= set(got):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"missing events {sorted(wanted - set(got))[:10]}")
            frame = self.recv(remaining)
            if "id" in frame:
                got.append(frame["id"])
        return got

    def first(self, predicate: Callable[[dict[str, Any]], bool],
              timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first frame matching the predicate (others are skipped but kept in .frames)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.01, deadline - time.monotonic()))
            if predicate(frame):
                return frame

    def close(self) -> None:
        """Close politely."""
        try:
            self.ws.close(timeout=1)
        except Exception:  # noqa: BLE001 - already gone is fine
            pass


def connect(base: str, token: str, since: int | None = None) -> Client:
    """A client on /api/v1/ws with ?token= (and ?since=)."""
    url = f"{base}/api/v1/ws?token={token}"
    if since is not None:
        url += f"&since={since}"
    return Client(url)


def hub_of(app: Flask) -> Hub:
    """The app's running hub."""
    hub = app.extensions["mf_realtime"].hub
    assert hub is not None
    return hub


@contextmanager
def listener_held_down(hub: Hub) -> Iterator[list[int]]:
    """While inside, the listener's reconnect attempts fail (as if the database refused them);
    yields the count of refused attempts."""
    real, refused = hub.listener.connect, [0]

    def gated(*args: Any, **kwargs: Any) -> Any:
        if gate_closed.is_set():
            refused[0] += 1
            raise psycopg.OperationalError("held down by the test")
        return real(*args, **kwargs)

    gate_closed = threading.Event()
    gate_closed.set()
    hub.listener.connect = gated
    try:
        yield refused
    finally:
        gate_closed.clear()


def terminate_listener(admin_dsn: str) -> int:
    """pg_terminate_backend on this database's realtime listener(s); how many were killed."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where application_name = %s and datname = current_database()",
            (LISTENER_NAME,)).fetchall()
    return len(rows)


def closed_within(ws: Client, since: float, seconds: float = 2.0) -> Closed:
    """The close that ends the socket (frames before it are kept in ws.frames); it must come
    within `seconds` of `since` (time.monotonic())."""
    with pytest.raises(Closed) as info:
        while True:
            ws.recv(max(0.01, since + seconds - time.monotonic()))
    assert time.monotonic() - since < seconds
    return info.value


def send_traffic(db: Database, tenant_id: int, seed: int, count: int) -> list[int]:
    """Ingest simulated records into the tenant; return the event ids that produced, in order."""
    before = svc.last_event_id(db, tenant_id)
    result = ingest(db, tenant_id, generate(seed, start=T0, count=count))
    assert result.rejected == []
    return svc.event_ids_since(db, tenant_id, before, 1_000_000)


def fence(db: Database, tenant_id: int) -> set[int]:
    """Ingest one more message and return its event ids: once a client has them, every earlier
    notification of the process has been fanned out (one fan-out thread, FIFO queues)."""
    seed = next(_FENCES)
    before = svc.last_event_id(db, tenant_id)
    records = [r for r in generate(seed, start=T0 + dt.timedelta(days=seed), count=40)
               if r.kind == "message"][:1]
    ingest(db, tenant_id, records)
    ids = set(svc.event_ids_since(db, tenant_id, before, 1000))
    assert ids
    return ids


def wait_for(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll until the predicate holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)
