"""Rate limits (Flask-Limiter): per user on the API, stricter per IP on sign-in and sign-up.

Moving window: "60/minute" means at most 60 requests in any 60 seconds (a fixed window lets a
burst of 120 straddle a minute boundary). Storage: Redis when REDIS_URL is set, so the limit
holds across processes and hosts; otherwise `mf-memory://` below, kept per process: with N
gunicorn workers a user can make up to N x the limit (set REDIS_URL to make it exact).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from flask import Flask, Response, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MovingWindowSupport, Storage

from webapp.config import Settings
from webapp.http.api import REGISTRY

SWEEP_EVERY_S = 30.0


class LockedMemoryStorage(Storage, MovingWindowSupport):
    """In-process rate-limit storage: every operation under one lock, expiry done lazily.

    Replaces limits' `memory://` (limits 5.8.0), which restarts a `threading.Timer` from request
    threads without a lock: two threads can both find the timer dead and one ends up calling
    `start()` on the timer the other just started, "RuntimeError: threads can only be started
    once" -> a 500 (upstream alisaifee/limits#352). It also started a thread roughly every 10 ms
    under load, which cost more than the rest of the limit check. Here nothing runs in the
    background: expired keys are dropped when touched and by a sweep at most every 30 s.
    """

    STORAGE_SCHEME = ["mf-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:  # noqa: D107
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._windows: dict[str, tuple[float, deque[float]]] = {}  # key -> (expiry, hit times)
        self._next_sweep = time.time() + SWEEP_EVERY_S

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """Nothing here talks to a server; there is no storage-specific error."""
        return RuntimeError

    def _sweep(self, now: float) -> None:
        # Caller holds the lock.
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        for key, (expiry, hits) in list(self._windows.items()):
            _drop_old(hits, now - expiry)
            if not hits:
                del self._windows[key]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed/sliding windows: add to the key's counter (a new window once expired)."""
        now = time.time()
        with self._lock:
            self._sweep(now)
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + expiry
            count += amount
            self._counters[key] = (count, expires)
            return count

    def decr(self, key: str, amount: int = 1) -> int:
        """Take back from the key's counter (never below zero)."""
        now = time.time()
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                return 0
            count = max(count - amount, 0)
            self._counters[key] = (count, expires)
            return count

    def get(self, key: str) -> int:
        """The key's counter (0 once expired)."""
        count, expires = self._counters.get(key, (0, 0.0))
        return count if expires > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the key's counter expires (now when it has)."""
        now = time.time()
        expires = self._counters.get(key, (0, now))[1]
        return max(expires, now)

    def check(self) -> bool:
        """Always healthy."""
        return True

    def reset(self) -> int | None:
        """Forget every key; how many there were."""
        with self._lock:
            count = len(self._counters) + len(self._windows)
            self._counters.clear()
            self._windows.clear()
            return count

    def clear(self, key: str) -> None:
        """Forget one key."""
        with self._lock:
            self._counters.pop(key, None)
            self._windows.pop(key, None)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Moving window: record `amount` hits unless that would pass `limit` in `expiry` s."""
        if amount > limit:
            return False
        now = time.time()
        with self._lock:
            self._sweep(now)
            _, hits = self._windows.setdefault(key, (float(expiry), deque()))
            _drop_old(hits, now - expiry)
            if len(hits) + amount > limit:
                return False
            hits.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(time of the oldest hit still in the window, hits in the window)."""
        now = time.time()
        with self._lock:
            entry = self._windows.get(key)
            if entry is None:
                return now, 0
            hits = entry[1]
            _drop_old(hits, now - expiry)
            return (hits[0], len(hits)) if hits else (now, 0)


def _drop_old(hits: deque[float], before: float) -> None:
    while hits and hits[0] < before:
        hits.popleft()


def _caller_key() -> str:
    """The signed-in user (from a valid access token) or else the client IP."""
    token = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[7:]
    else:
        token = request.cookies.get("access_token_cookie")
    if token:
        try:
            claims = decode_token(token)
            return f"user:{claims['tid']}:{claims['sub']}"
        except Exception:  # noqa: BLE001 - an invalid token is limited by IP
            pass
    return f"ip:{get_remote_address()}"


RETRY_AFTER_STATUSES = frozenset({429, 503})


def _retry_after_only_when_refused(response: Response) -> Response:
    """Drop Retry-After from responses that were not refused (429, 503).

    Flask-Limiter 4.1 adds Retry-After next to X-RateLimit-* on every response it counts and has
    no option to limit it to refusals; on a 200 or a 404 it reads as "come back in 60 s".
    """
    if response.status_code not in RETRY_AFTER_STATUSES:
        response.headers.pop("Retry-After", None)
    return response


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app; Redis storage when REDIS_URL is set so limits hold across processes."""
    app.config.update(RATELIMIT_HEADERS_ENABLED=True)
    # Registered before the Limiter so it runs after the Limiter's own header hook (Flask runs
    # after_request hooks in reverse order).
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(
        key_func=_caller_key,
        app=app,
        default_limits=[settings.rate_limit],
        storage_uri=settings.redis_url or "mf-memory://",
        strategy="moving-window",
        key_prefix="mf-rl",
    )

    @limiter.request_filter
    def _only_api() -> bool:
        return not request.path.startswith("/api/v1/") or request.method == "OPTIONS"

    for spec in REGISTRY:
        if spec.rate_limited and spec.name in app.view_functions:
            wrapped = limiter.limit(
                settings.auth_rate_limit, key_func=get_remote_address, override_defaults=False
            )(app.view_functions[spec.name])
            app.view_functions[spec.name] = wrapped  # type: ignore[assignment]
    return limiter
