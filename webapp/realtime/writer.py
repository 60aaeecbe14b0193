"""Every write to one client's TCP socket goes through its Outbox (Flask-free).

The fan-out thread writes pre-encoded frames straight to the socket when the kernel buffer can
take them, so a live frame needs no thread wake-up; what it cannot write without blocking waits,
in order, for the socket's own thread, which blocks on it. simple_websocket's writes (pings,
pongs, close) are routed here too (the Outbox stands in for its `sock`), so frames never
interleave and a slow socket never blocks the fan-out.
"""

from __future__ import annotations

import select
import socket
import threading
from collections import deque
from collections.abc import Callable

DATA_OPCODES = (0x0, 0x1, 0x2)  # continuation, text, binary (RFC 6455 5.2); the rest is control
QUEUE_MAX = 5000  # frames waiting for a slow socket before it is told to reconnect (a batch
# written in one go counts as the frames it holds, so memory per socket stays bounded)


class Outbox:
    """Ordered, thread-safe writes to one socket; stands in for simple_websocket's `sock`."""

    def __init__(self, raw: socket.socket, wake: Callable[[], None] = lambda: None,
                 queue_max: int = QUEUE_MAX):
        self.raw = raw
        self.overflowed = False
        self.broken = False
        self.sealed = False  # no data frame is written any more (the session was revoked)
        self._wake = wake
        self._queue_max = queue_max
        self._lock = threading.Lock()
        self._partial = b""  # the unsent tail of a write (frame or batch) started on the wire
        self._pending: deque[bytes] = deque()
        self._pending_frames = 0  # event frames in _pending (simple_websocket's writes not counted)
        self._busy = False  # a blocking flush is running
        if raw.family in (socket.AF_INET, socket.AF_INET6):
            # Small frames must leave at once: Nagle's algorithm would hold each one back
            # until the previous is acknowledged (and clients delay their ACKs).
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._poll: select.poll | None = None
        if raw.gettimeout() is not None:  # with a timeout, send() would wait for room first
            self._poll = select.poll()
            self._poll.register(raw, select.POLLOUT)

    # the fan-out side: never blocks ------------------------------------------------------------

    def write_nowait(self, data: bytes, frames: int = 1) -> None:
        """Write now if the socket can take it, else queue it for the socket's thread.
        `data` holds `frames` whole frames (a batch is written in one go); the queue bound
        counts frames, not writes."""
        with self._lock:
            if self.broken or self.overflowed or self.sealed:
                return
            if self._busy or self._partial or self._pending:
                self._enqueue(data, frames)
            else:
                sent = self._try_send(data)
                if sent == len(data):
                    return
                self._partial = data[sent:]
        self._wake()

    def _try_send(self, data: bytes) -> int:
        if self._poll is not None and not self._poll.poll(0):
            return 0
        try:
            return self.raw.send(data, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            self.broken = True
            return len(data)

    def _enqueue(self, data: bytes, frames: int) -> None:
        if self._pending_frames + frames > self._queue_max:
            self.overflowed = True  # keep only the started write; the socket closes with 4429
            self._pending.clear()
            self._pending_frames = 0
            return
        self._pending.append(data)
        self._pending_frames += frames

    def seal(self) -> None:
        """Write no more data frames: drop those waiting (a write already started on the wire
        is finished, so the stream stays valid) and refuse new ones; the close frame still
        goes out."""
        with self._lock:
            self.sealed = True
            self._pending.clear()
            self._pending_frames = 0

    # the socket's own thread (and simple_websocket's): blocking, ordered -----------------------

    def send(self, data: bytes) -> int:
        """simple_websocket's `sock.send` (one whole frame per call): queue behind what is
        pending, then flush; once sealed, only control frames (close, ping, pong) pass."""
        with self._lock:
            if self.sealed and data[:1] and (data[0] & 0x0F) in DATA_OPCODES:
                return len(data)
            self._pending.append(bytes(data))
        self.flush()
        return len(data)

    def flush(self) -> None:
        """Send everything pending, blocking; returns at once if another thread is at it."""
        while True:
            with self._lock:
                if self._busy or not (self._partial or self._pending):
                    return
                data = self._partial + b"".join(self._pending)
                self._partial = b""
                self._pending.clear()
                self._pending_frames = 0
                self._busy = True
            try:
                self.raw.sendall(data)
            except OSError:
                self.broken = True
                raise
            finally:
                with self._lock:
                    self._busy = False

    # the rest of the socket interface simple_websocket uses ------------------------------------

    def recv(self, size: int) -> bytes:
        """Read from the socket."""
        return self.raw.recv(size)

    def fileno(self) -> int:
        """The socket's descriptor (for selectors)."""
        return self.raw.fileno()

    def close(self) -> None:
        """Close the socket."""
        self.raw.close()
