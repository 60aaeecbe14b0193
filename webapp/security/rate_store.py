"""Rate-limit storage in PostgreSQL (`mf-postgres://`): every process of a deployment shares it.

Without REDIS_URL the limits used to live in each process's memory, so two gunicorn workers
allowed twice the limit and their X-RateLimit-* headers disagreed. PostgreSQL is always there:
the windows live in two UNLOGGED tables (migration 0020) and each check is one call of
`mf_rate_acquire` on the app's pool, atomic under the key's row lock, in one round trip.

Flask-free. Two additions to the `limits` storage contract, both for the web edge:
- `begin_request()` / `end_request()` bracket one request on its thread: while open, the window
  a check returned is remembered, so the X-RateLimit-* headers Flask-Limiter reads after the
  view cost no second round trip (and show the window as this request left it).
- A request may bring a companion (`begin_request(companion)`): statements that go out in the
  same round trip as its first check, on the same connection, once the check has committed. The
  web edge sends the principal's tenant transaction this way (webapp/http/request_tx.py), so an
  API request pays one round trip, not two, before its view runs. The check still commits on
  its own (BEGIN, check, COMMIT inside the pipeline), so the key's row lock is never held for
  the rest of the request.
- After a connection failure the storage fails fast for `DOWN_FOR_S` instead of making every
  request wait for the pool again; the web edge swallows the error (see webapp/http/limits.py).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

import psycopg
from limits.storage import MovingWindowSupport, Storage

from webapp.db import Database
from webapp.db.pool import BEGIN, COMMIT, Conn, roll_back_if_open
from webapp.db.queries import load
from webapp.errors import ConfigError

Q = load(__file__)
log = logging.getLogger("webapp.security.rate_store")

PRUNE_EVERY_S = 60.0  # per process; `mf_rate_prune` lets one pruner run at a time
PRUNE_BATCH = 5000
DOWN_FOR_S = 2.0
UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError)


class StorageUnavailable(Exception):
    """PostgreSQL could not be reached for a rate-limit check (recently, or just now)."""


class Companion(Protocol):
    """Statements that ride along with a request's first check, in its round trip."""

    def send(self, conn: Conn) -> None:
        """Queue the statements on `conn` (in pipeline mode, after the check's COMMIT)."""

    def received(self, conn: Conn) -> None:
        """Read their results; from now on `conn` is the companion's to give back."""


class _Memo(threading.local):
    """Per thread: the windows checked during the current request (None outside a request),
    and the companion of its first check."""

    windows: dict[str, tuple[float, int]] | None = None
    companion: Companion | None = None


class PostgresStorage(Storage, MovingWindowSupport):
    """`limits` storage over the app's pool; pass `database=` (the process's `Database`)."""

    STORAGE_SCHEME = ["mf-postgres"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 database: Database | None = None,
                 **options: float | str | bool) -> None:  # noqa: D107
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        if database is None:
            raise ConfigError("mf-postgres:// rate-limit storage needs storage_options "
                              "{'database': <Database>}")
        self._db = database
        self._memo = _Memo()
        self._down_until = 0.0
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        self._prune_lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What a failed check raises: a database error or StorageUnavailable."""
        return (psycopg.Error, StorageUnavailable)

    # -- the request bracket -------------------------------------------------------------------

    def begin_request(self, companion: Companion | None = None) -> None:
        """Start remembering the windows checked on this thread (one request); `companion`
        rides along with its first check."""
        self._memo.windows = {}
        self._memo.companion = companion

    def end_request(self) -> None:
        """Forget them: the next request reads the shared state again."""
        self._memo.windows = None
        self._memo.companion = None

    # -- moving window -------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record `amount` hits unless that would pass `limit` within `expiry` seconds."""
        params = {"key": key, "limit": limit, "expiry": expiry, "amount": amount}
        companion, self._memo.companion = self._memo.companion, None
        if companion is None:
            row = self._one(Q.acquire_window, params)
        else:
            row = self._check_with(companion, params)
        windows = self._memo.windows
        if windows is not None:
            windows[key] = (float(row["oldest"]), int(row["hits"]))
        self._maybe_prune()
        return bool(row["granted"])

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(time of the oldest hit still in the window, hits in the window)."""
        windows = self._memo.windows
        if windows is not None and key in windows:
            return windows[key]
        row = self._one(Q.acquire_window, {"key": key, "limit": limit, "expiry": expiry,
                                           "amount": 0})
        return float(row["oldest"]), int(row["hits"])

    # -- fixed window and housekeeping (the rest of the contract) ------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed window: add to the key's counter (a new window once the last one ended)."""
        return int(self._one(Q.incr_counter, {"key": key, "expiry": expiry,
                                              "amount": amount})["n"])

    def get(self, key: str) -> int:
        """The key's counter (0 once its window ended)."""
        return int(self._one(Q.get_counter, {"key": key})["n"])

    def get_expiry(self, key: str) -> float:
        """When the key's counter window ends (now when it has)."""
        return float(self._one(Q.get_expiry, {"key": key})["expires_at"])

    def check(self) -> bool:
        """True when PostgreSQL answers."""
        try:
            return self._one(Q.check_storage, {})["ok"] == 1
        except (psycopg.Error, StorageUnavailable):
            return False

    def clear(self, key: str) -> None:
        """Forget one key (its row first, so a concurrent check waits and starts afresh)."""
        self._transaction((Q.delete_key, Q.delete_key_hits), {"key": key})

    def reset(self) -> int | None:
        """Forget every key; how many there were."""
        return self._transaction((Q.delete_all_keys, Q.delete_all_hits), {})

    def prune(self) -> int:
        """Forget keys whose hits have all left their window; how many."""
        return int(self._one(Q.prune_keys, {"batch": PRUNE_BATCH})["pruned"])

    # -- plumbing ------------------------------------------------------------------------------

    def _one(self, query: Any, params: dict[str, Any]) -> dict[str, Any]:
        """One statement on a pooled connection (autocommit: one round trip)."""
        self._fail_fast()
        try:
            with self._db.pool.connection() as conn:
                row = conn.execute(query, params).fetchone()
        except UNREACHABLE as exc:
            raise self._unreachable() from exc
        assert row is not None
        return row

    def _fail_fast(self) -> None:
        """Raise at once while PostgreSQL was unreachable a moment ago."""
        if time.monotonic() < self._down_until:
            raise StorageUnavailable("PostgreSQL was unreachable a moment ago")

    def _unreachable(self) -> StorageUnavailable:
        """A connection failed: fail fast for DOWN_FOR_S; the error to raise."""
        self._down_until = time.monotonic() + DOWN_FOR_S
        return StorageUnavailable("PostgreSQL is unreachable")

    def _check_with(self, companion: Companion, params: dict[str, Any]) -> dict[str, Any]:
        """The check in a transaction of its own, then the companion's statements, on one
        connection in one round trip; the connection is then the companion's."""
        self._fail_fast()
        try:
            conn = self._db.pool.getconn()
        except UNREACHABLE as exc:
            raise self._unreachable() from exc
        handed = False
        try:
            with conn.pipeline():
                conn.execute(BEGIN)
                cur = conn.execute(Q.acquire_window, params)
                conn.execute(COMMIT)
                companion.send(conn)
            row = cur.fetchone()
            handed = True
            companion.received(conn)
        except UNREACHABLE as exc:
            raise self._unreachable() from exc
        finally:
            if not handed:  # the pipeline failed: rolled back, the connection goes back
                roll_back_if_open(conn)
                self._db.pool.putconn(conn)
        assert row is not None
        return row

    def _transaction(self, queries: tuple[Any, ...], params: dict[str, Any]) -> int:
        """Several statements in one transaction; the first one's row count."""
        with self._db.pool.connection() as conn, conn.transaction():
            counts = [conn.execute(q, params).rowcount for q in queries]
        return counts[0]

    def _maybe_prune(self) -> None:
        """About once a minute per process, on the thread of the check that comes due."""
        if time.monotonic() < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = time.monotonic() + PRUNE_EVERY_S
            self.prune()
        except (psycopg.Error, StorageUnavailable):
            log.warning("pruning rate-limit keys failed; next try in %s s", PRUNE_EVERY_S)
        finally:
            self._prune_lock.release()
