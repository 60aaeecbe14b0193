"""The process's one LISTEN connection: a daemon thread that reconnects with backoff."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from webapp.db import APP_ROLE

log = logging.getLogger(__name__)

Connect = Callable[..., "psycopg.Connection[Any]"]


Notes = list[tuple[str, str]]  # (channel, payload)


class Listener:
    """LISTEN on channels and hand the notifications to `on_batch`, all that arrived together
    in one call, on this thread; call `on_connect` after each (re)connection, once LISTEN is
    in place, so the caller can catch up on what it missed; `on_idle` at least twice a second."""

    def __init__(self, dsn: str, channels: Sequence[str], on_batch: Callable[[Notes], None],
                 on_connect: Callable[[], None], on_idle: Callable[[], None], *,
                 application_name: str = "mf-realtime", connect: Connect = psycopg.connect,
                 backoff: tuple[float, float] = (0.1, 5.0), idle_check_s: float = 10.0):
        self.dsn = dsn
        self.channels = tuple(channels)
        self.application_name = application_name
        self.connected = threading.Event()
        self.connections = 0  # successful (re)connections, for tests and health
        self._on_batch = on_batch
        self._on_connect = on_connect
        self._on_idle = on_idle
        self.connect = connect  # replaceable: tests hold the listener down with it
        self._backoff = backoff
        self._idle_check_s = idle_check_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mf-realtime-listener",
                                        daemon=True)

    def start(self) -> None:
        """Start the thread (once)."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._stop.is_set():
            try:
                with self._open() as conn:
                    self.connections += 1
                    self.connected.set()
                    delay = self._backoff[0]
                    self._on_connect()
                    self._pump(conn)
            except Exception as exc:  # noqa: BLE001 - any failure means: reconnect
                log.warning("realtime listener lost its connection (%s); retrying in %.1fs",
                            exc.__class__.__name__, delay)
            finally:
                self.connected.clear()
            if self._stop.wait(delay * random.uniform(0.8, 1.2)):
                break
            delay = min(delay * 2, self._backoff[1])

    def _open(self) -> psycopg.Connection[Any]:
        conn = self.connect(
            self.dsn, autocommit=True, application_name=self.application_name,
            connect_timeout=5, keepalives=1, keepalives_idle=30, keepalives_interval=10,
            keepalives_count=3,
        )
        try:
            conn.execute(sql.SQL("set role {}").format(sql.Identifier(APP_ROLE)))
            for channel in self.channels:
                conn.execute(sql.SQL("listen {}").format(sql.Identifier(channel)))
        except BaseException:
            conn.close()
            raise
        return conn

    def _pump(self, conn: psycopg.Connection[Any]) -> None:
        """Deliver notifications until stopped; probe the connection when idle."""
        idle_since = time.monotonic()
        while not self._stop.is_set():
            # stop_after=1 still yields everything that arrived in the same read: a batch
            notes = [(n.channel, n.payload) for n in conn.notifies(timeout=0.5, stop_after=1)]
            if notes:
                self._on_batch(notes)
            self._on_idle()
            now = time.monotonic()
            if notes:
                idle_since = now
            elif now - idle_since > self._idle_check_s:
                conn.execute("select 1")  # a dead peer shows up here, not in a silent wait
                idle_since = now
