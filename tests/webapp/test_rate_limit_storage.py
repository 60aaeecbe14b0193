"""The in-process rate-limit storage (webapp.http.limits.LockedMemoryStorage) and the moving
window under concurrent requests: exact counts, no background threads, no 500s."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from tests.webapp.conftest import make_settings, register_owner
from webapp.app import close_app, create_app
from webapp.http import limits as limits_module
from webapp.http.limits import LockedMemoryStorage


class Clock:
    """A settable time.time() for the storage module."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(limits_module, "time", c)
    return c


def test_scheme_is_registered() -> None:
    assert isinstance(storage_from_string("mf-memory://"), LockedMemoryStorage)


def test_moving_window_counts_any_60_seconds(clock: Clock) -> None:
    limiter = MovingWindowRateLimiter(LockedMemoryStorage())
    limit = parse("3/minute")
    assert [limiter.hit(limit, "u") for _ in range(4)] == [True, True, True, False]
    clock.now += 59.0
    assert not limiter.hit(limit, "u")  # the first three are still within 60 s
    clock.now += 1.5  # the first three left the window; the refused ones never entered it
    assert [limiter.hit(limit, "u") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "someone else")
    assert limiter.storage.get_moving_window("unknown", 3, 60) == (clock.now, 0)
    stats = limiter.get_window_stats(limit, "u")
    assert stats.remaining == 0 and stats.reset_time > clock.now


def test_fixed_window_counter_and_expiry(clock: Clock) -> None:
    storage = LockedMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("2/minute")
    assert [limiter.hit(limit, "k") for _ in range(3)] == [True, True, False]
    clock.now += 61
    assert limiter.hit(limit, "k")
    assert storage.decr(limiter_key(limit, "k")) == 0 and storage.get("nope") == 0


def limiter_key(limit: object, ident: str) -> str:
    return limit.key_for(ident)  # type: ignore[attr-defined, no-any-return]


def test_expired_keys_are_swept(clock: Clock) -> None:
    storage = LockedMemoryStorage()
    for i in range(100):
        storage.acquire_entry(f"w{i}", 5, 60)
        storage.incr(f"c{i}", 60)
    clock.now += limits_module.SWEEP_EVERY_S + 61
    storage.incr("fresh", 60)  # any touch after the sweep interval sweeps
    assert set(storage._counters) == {"fresh"} and storage._windows == {}
    assert storage.reset() == 1


def test_concurrent_hits_are_exact_and_start_no_threads() -> None:
    storage = LockedMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    limit = parse("500/minute")
    threads_before = threading.active_count()
    results: Counter[bool] = Counter()
    lock = threading.Lock()

    def hammer() -> None:
        mine = Counter(limiter.hit(limit, "shared") for _ in range(100))
        with lock:
            results.update(mine)

    workers = [threading.Thread(target=hammer) for _ in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results == Counter({True: 500, False: 1100})
    assert threading.active_count() == threads_before


@pytest.fixture(scope="module")
def limited_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = make_settings(database_url, Path(tmp_path_factory.mktemp("rls")),
                             rate_limit="60/minute")
    application = create_app(settings)
    yield application
    close_app(application)


def test_api_limit_under_concurrent_requests(limited_app: Flask) -> None:
    """Two users, 8 threads, 90 requests each: exactly 60 pass per user, the rest are 429,
    nothing else (the old memory storage could raise from request threads -> 500)."""
    users = [register_owner(limited_app.test_client()) for _ in range(2)]

    def call(i: int) -> tuple[int, int]:
        user = users[i % 2]
        r = limited_app.test_client().get("/api/v1/auth/me", headers=user.headers)
        return user.user_id, r.status_code

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(call, range(180)))
    for user in users:
        assert outcomes[(user.user_id, 200)] == 60
        assert outcomes[(user.user_id, 429)] == 30
    assert sum(outcomes.values()) == 180
