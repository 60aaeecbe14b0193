"""One connected client as the hub sees it: the event ids it has had, and where frames go."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Protocol

SEEN_MAX = 4096  # ids remembered exactly; older ones are folded into `floor`
HELD_MAX = 5000  # live frames held during a replay before the client is told to reconnect


class Send(Protocol):
    """Where a subscriber's frames go (the socket's Outbox.write_nowait): `data` holds
    `frames` whole frames, so the receiver can bound what it queues by frames."""

    def __call__(self, data: bytes, frames: int = 1) -> None:
        """Write or queue the bytes without blocking."""


def discard(data: bytes, frames: int = 1) -> None:
    """The default Send: drop everything."""


class Subscriber:
    """Dedupes event frames by id and hands them to `send` (the socket's Outbox.write_nowait,
    which never blocks the fan-out thread)."""

    def __init__(self, tenant_id: int, user_id: int, floor: int,
                 send: Send = discard,
                 wake: Callable[[], None] = lambda: None, *,
                 session_id: str | None = None, role: str | None = None,
                 seal: Callable[[], None] = lambda: None):
        self.id = uuid.uuid4().hex[:16]
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.session_id = session_id  # the socket's sign-in session (None: not checked)
        self.role = role  # the member's role when the socket opened (None: not checked)
        self.floor = floor  # every id <= floor counts as delivered
        self.last_id = floor
        self.closed = False
        self.overflowed = False
        self.revoked: tuple[int, str] | None = None  # (close code, reason) once revoked
        self._held: list[bytes] | None = []  # live frames held while the socket replays
        self._send = send
        self._wake = wake
        self._seal = seal  # stops every further data frame to the socket (Outbox.seal)
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def accept(self, event_id: int) -> bool:
        """Claim an event id for delivery: True exactly once per id (dedupe)."""
        with self._lock:
            return self._accept(event_id)

    def _accept(self, event_id: int) -> bool:
        if event_id <= self.floor or event_id in self._seen:
            return False
        self._seen.add(event_id)
        self.last_id = max(self.last_id, event_id)
        if len(self._seen) > SEEN_MAX:
            old = sorted(self._seen)[: SEEN_MAX // 2]
            self._seen.difference_update(old)
            self.floor = old[-1]
        return True

    def wants(self, event_id: int) -> bool:
        """Whether this id has not been delivered yet (no claim is made)."""
        with self._lock:
            return event_id > self.floor and event_id not in self._seen

    def offer(self, event_id: int, frame: bytes) -> bool:
        """Send an event frame (wire bytes) unless already delivered; while the socket is still
        replaying history, hold it so that live frames follow the replay. True when taken."""
        return self.offer_many([(event_id, frame)]) == 1

    def offer_many(self, frames: list[tuple[int, bytes]]) -> int:
        """`offer` for frames in id order, written to the socket in one go (one write per
        batch, not per frame); the number taken."""
        with self._lock:  # sending under the lock keeps this subscriber's frames in order
            if self.overflowed or self.revoked:
                return 0
            taken = [frame for event_id, frame in frames if self._accept(event_id)]
            if not taken:
                return 0
            if self._held is None:
                self._send(taken[0] if len(taken) == 1 else b"".join(taken), frames=len(taken))
            elif len(self._held) + len(taken) <= HELD_MAX:
                self._held.extend(taken)
            else:
                self.overflowed = True  # live traffic outran the replay: reconnect with since
                self._held.clear()
        return len(taken)

    def go_live(self) -> None:
        """The replay is done: send the held live frames, then send live frames as they come."""
        with self._lock:
            held, self._held = self._held or [], None
            if self.revoked:
                return
            for frame in held:
                self._send(frame)

    def push(self, frame: bytes) -> None:
        """Send an ephemeral frame (typing, presence): no id, no dedupe."""
        with self._lock:
            if not self.revoked:
                self._send(frame)

    def revoke(self, code: int, reason: str) -> bool:
        """The session or membership behind the socket ended: no frame from now on, and wake
        the socket's thread to close it with `code`. A removal (4403) outranks a sign-out (4401)
        that arrives with it. True when this call changed the close."""
        with self._lock:  # no offer is mid-send once this holds the lock
            if self.revoked is not None and self.revoked[0] >= code:  # 4403 > 4401
                return False
            if self.revoked is None:
                self._seal()  # under the lock: never revoked yet writable
            self.revoked = (code, reason)
        self._wake()
        return True

    def close(self) -> None:
        """Mark closed (the hub is stopping) and wake the socket's thread."""
        self.closed = True
        self._wake()
