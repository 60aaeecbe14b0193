"""One socket's life after the upgrade (Flask-free): replay since the client's last event id,
then live frames and client frames until the token expires, the session or membership is
revoked (the hub says so), the client leaves or falls behind."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from webapp.db import Database
from webapp.errors import DependencyDown
from webapp.realtime import frames
from webapp.realtime import service as svc
from webapp.realtime.frames import BadFrame, PingFrame
from webapp.realtime.hub import Hub
from webapp.realtime.subscriber import Subscriber
from webapp.realtime.writer import Outbox

REPLAY_PAGE = 500
MAX_WAIT_S = 30.0


class Socket(Protocol):
    """The parts of simple_websocket's server socket used here."""

    event: threading.Event
    sock: Any  # the TCP socket; replaced by an Outbox so that every write goes through it

    def send(self, data: str) -> None:
        """Send a text frame."""

    def receive(self, timeout: float | None = None) -> str | bytes | None:
        """A client frame, or None when none arrived within the timeout."""

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        """Send a close frame."""


@dataclass(frozen=True)
class Caller:
    """Who is on the socket, from the verified access token."""

    tenant_id: int
    user_id: int
    session_id: str
    expires_at: float  # the token's exp (epoch seconds)
    role: str | None = None  # the member's role at the upgrade (a change closes the socket)


class RateLimit:
    """A token bucket for relayed client frames (typing)."""

    def __init__(self, rate: float = 5.0, burst: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._at = burst, clock()

    def allow(self) -> bool:
        """Spend one token if there is one."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Connection:
    """Drives one socket: replay and slow-path writes happen on this thread; live frames are
    written by the hub's thread through the Outbox when the socket can take them."""

    def __init__(self, ws: Socket, hub: Hub, db: Database, caller: Caller, since: int | None,
                 clock: Callable[[], float] = time.time):
        self.ws, self.hub, self.db, self.caller = ws, hub, db, caller
        self.since = since
        self._clock = clock
        self._typing_limit = RateLimit()
        self.outbox = Outbox(ws.sock, wake=ws.event.set)
        ws.sock = self.outbox  # simple_websocket's own writes (pings, close) queue in order

    def run(self) -> None:
        """Subscribe, send the presence snapshot and the replay, then serve live."""
        c = self.caller
        since = self.since if self.since is not None else svc.last_event_id(self.db, c.tenant_id)
        sub = self.hub.subscribe(c.tenant_id, c.user_id, since, send=self.outbox.write_nowait,
                                 wake=self.ws.event.set, session_id=str(uuid.UUID(c.session_id)),
                                 role=c.role, seal=self.outbox.seal)
        try:
            self._verify(sub)
            if self._close_if_needed(sub):
                return
            for user_id in self.hub.online_users(c.tenant_id):
                self.ws.send(frames.presence_frame(user_id, True))
            if self._replay(sub, since):
                sub.go_live()
                self._serve(sub)
        except OSError:
            pass  # the peer vanished under a send; the socket is done
        finally:
            self.hub.unsubscribe(sub)

    def _verify(self, sub: Subscriber) -> None:
        try:
            self.hub.verify(sub)
        except DependencyDown:
            pass  # keep serving: the hub's periodic check decides

    def _replay(self, sub: Subscriber, since: int) -> bool:
        """Send the tenant's events after `since` in id order, page by page; False if closed."""
        cursor = since
        while True:
            page = svc.events_since(self.db, self.caller.tenant_id, cursor, REPLAY_PAGE,
                                   self.caller.user_id)
            for frame in page:
                if sub.accept(frame["id"]):
                    self.ws.send(frames.dumps(frame))
            if len(page) < REPLAY_PAGE:
                return True
            cursor = page[-1]["id"]
            if self._close_if_needed(sub):
                return False

    def _serve(self, sub: Subscriber) -> None:
        """Live frames out, client frames in, until a close condition."""
        while not self._close_if_needed(sub):
            self.ws.event.wait(self._wait_s())
            self.ws.event.clear()  # set again by incoming data or by the hub's wake()
            while sub.revoked is None and (raw := self.ws.receive(timeout=0)) is not None:
                self._handle(sub, raw)
            self.outbox.flush()  # what the hub could not write without blocking

    def _wait_s(self) -> float:
        until = self.caller.expires_at - self._clock()
        return max(0.0, min(until, MAX_WAIT_S))

    def _close_if_needed(self, sub: Subscriber) -> bool:
        """Close the socket with a clear code when it must end; True when closed."""
        reason = self._close_reason(sub)
        if reason is None:
            return False
        self.ws.close(*reason)
        return True

    def _close_reason(self, sub: Subscriber) -> tuple[int, str] | None:
        if sub.revoked is not None:  # the hub heard of it: 4401 or 4403, before anything else
            return sub.revoked
        if sub.closed:
            return frames.CLOSE_GOING_AWAY, "server shutting down"
        if self.outbox.overflowed or sub.overflowed:
            return frames.CLOSE_TOO_SLOW, "too slow: reconnect with since"
        if self._clock() >= self.caller.expires_at:
            return frames.CLOSE_TOKEN_EXPIRED, "token expired"
        return None

    def _handle(self, sub: Subscriber, raw: str | bytes) -> None:
        """One client frame: ping -> pong; typing -> relayed to the tenant; else an error."""
        try:
            frame = frames.parse_client_frame(raw)
        except BadFrame as exc:
            self.ws.send(frames.error_frame(exc.code, exc.message, {"fields": exc.fields}))
            return
        if isinstance(frame, PingFrame):
            self.ws.send(frames.PONG)
            return
        if not self._typing_limit.allow():
            self.ws.send(frames.error_frame("rate_limited", "Too many typing frames."))
            return
        try:
            relayed = self.hub.typing(sub, frame.conversation_id, frame.state)
        except DependencyDown:
            self.ws.send(frames.error_frame("dependency_unavailable", "Try again shortly."))
            return
        if not relayed:
            self.ws.send(frames.error_frame(
                "not_found", "No such conversation.",
                {"conversation_id": frame.conversation_id}))
