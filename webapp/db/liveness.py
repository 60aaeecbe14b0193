"""A pool that notices a restarted or stopped PostgreSQL (used by webapp.db.Database).

psycopg_pool alone handles neither case well:

- After PostgreSQL restarts, every idle pooled connection is dead, yet the pool hands each one out
  once and its first statement fails: one failed request per stale connection. Here a connection
  is checked on checkout without a round trip: a server that ended the session (restart,
  shutdown, pg_terminate_backend) sent a FATAL message and closed the socket, so the socket has
  input while an idle, healthy one has none. Only then is the connection probed (an empty query),
  and the first dead one found makes the pool check all its idle connections at once
  (`ConnectionPool.check`), so the pool reconnects them together instead of handing them out one
  by one (psycopg_pool also sleeps 1, 2, 4 s between consecutive failed checks of one checkout).
  The normal checkout costs one poll(2) call, not the extra round trip of
  `check=ConnectionPool.check_connection`, on a read path whose p99 budget is 50 ms.
- While PostgreSQL is down, a checkout waits the pool's whole timeout (10 s) for a connection
  that never comes. Here a checkout that got nothing within PROBE_AFTER_S asks the server
  directly (one connection attempt, shared by every waiting thread): when it does not accept
  connections the checkout fails at once (`DatabaseDown`, a 503 with Retry-After), and so does
  every checkout after it without waiting, until a probe (at most one per RECHECK_S, and at most
  one at a time) or a new pooled connection finds the server back. When the server does accept
  connections, all connections are simply busy (a load spike): the checkout keeps waiting, up to
  the pool's timeout as before.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from typing import Any

import psycopg
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool, PoolTimeout

from webapp.db.errors import connect_reason, describe_dsn, is_connect_failure

log = logging.getLogger("webapp.db")

Conn = psycopg.Connection[DictRow]

PROBE_AFTER_S = 1.0  # a checkout waiting this long asks whether the server is there at all
RECHECK_S = 0.25  # while it is not, ask again at most this often
PROBE_CONNECT_TIMEOUT_S = 2  # libpq's connect_timeout for that question (whole seconds, >= 2)


class DatabaseDown(PoolTimeout):
    """The database did not accept a connection just now; the message is libpq's reason."""


def has_input(conn: Conn) -> bool:
    """Whether the server sent something, or closed the socket, while the connection sat idle."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class Outage:
    """Whether the database accepts connections, as a probe last saw it."""

    def __init__(self, dsn: str, *, recheck_s: float = RECHECK_S,
                 connect_timeout: int = PROBE_CONNECT_TIMEOUT_S) -> None:  # noqa: D107
        self.dsn = dsn
        self.recheck_s = recheck_s
        self.connect_timeout = connect_timeout
        self.reason: str | None = None  # set while the database is down
        self._probed_at = float("-inf")
        self._lock = threading.Lock()

    def refuse_if_down(self) -> bool:
        """Raise DatabaseDown while the database is known to be down; once the last probe is
        RECHECK_S old, probe again first (see probe). True when this call found it back."""
        reason = self.reason
        if reason is None:
            return False
        if time.monotonic() - self._probed_at < self.recheck_s:
            raise DatabaseDown(reason)  # asked a moment ago
        return self.probe()

    def probe(self) -> bool:
        """Ask the server, one thread at a time (the others wait for its answer, at most the
        probe's connect timeout, and take it); raise DatabaseDown when it does not accept
        connections. True when it is back from down."""
        with self._lock:
            return self._probe_locked()

    def up(self) -> None:
        """A connection succeeded (the pool made one): the database is there."""
        if self.reason is not None:
            self.reason = None
            log.warning("database at %s is reachable again", describe_dsn(self.dsn))

    def _probe_locked(self) -> bool:
        was = self.reason
        if time.monotonic() - self._probed_at >= self.recheck_s:
            self.reason = self._connect()
            self._probed_at = time.monotonic()
        if self.reason is not None:
            if was is None:
                log.warning("database at %s is unreachable (%s); answering 503 until it is "
                            "back", describe_dsn(self.dsn), self.reason)
            raise DatabaseDown(self.reason)
        if was is not None:
            log.warning("database at %s is reachable again", describe_dsn(self.dsn))
        return was is not None

    def _connect(self) -> str | None:
        """None when the server accepts a connection, else libpq's reason."""
        try:
            psycopg.connect(self.dsn, connect_timeout=self.connect_timeout,
                            application_name="mf-probe").close()
        except psycopg.OperationalError as exc:
            if not is_connect_failure(exc):
                return None  # it answered (e.g. too many clients): up, only busy
            return connect_reason(exc)
        return None


class LivePool(ConnectionPool[Conn]):
    """psycopg_pool's ConnectionPool with the checkout check and the outage gate above."""

    def __init__(self, dsn: str, **kwargs: Any) -> None:  # noqa: D107
        self.outage = Outage(dsn)
        configure = kwargs.pop("configure", None)

        def configured(conn: Conn) -> None:
            if configure is not None:
                configure(conn)
            self.outage.up()

        super().__init__(dsn, check=self._check_idle, configure=configured, **kwargs)

    def getconn(self, timeout: float | None = None) -> Conn:
        """A connection; DatabaseDown at once while the database is known to be down, or after
        PROBE_AFTER_S when a probe finds it so; otherwise as ConnectionPool.getconn."""
        timeout = self.timeout if timeout is None else timeout
        if self.outage.refuse_if_down():
            self.check()  # back: reconnect now, not at the pool's next backoff step
        first = min(timeout, PROBE_AFTER_S)
        try:
            return super().getconn(first)
        except PoolTimeout:
            if timeout <= first:
                raise
        if self.outage.probe():
            self.check()
        try:
            return super().getconn(timeout - first)
        except PoolTimeout:
            raise PoolTimeout(f"couldn't get a connection after {timeout:.2f} sec") from None

    def _check_idle(self, conn: Conn) -> None:
        """The checkout check: free unless the socket has input (see the module docstring)."""
        if not (conn.closed or conn.broken or has_input(conn)):
            return
        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            log.warning("a pooled connection was found dead (database restarted?); checking "
                        "the idle ones")
            self.check()
            raise
