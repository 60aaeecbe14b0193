"""Reuse of an expensive tenant read while nothing it depends on has changed.

Every write the desk shows (a message in or out, a conversation's status or assignee, an action
item, a comment, an important message, a device) commits with an event row in the same
transaction, and a tenant's events commit in id order (migration 0013). So the highest event id
a tenant can see (of every type, or of the types a read depends on) is a watermark: a result
computed after reading watermark W holds every change up to W and stays right until the
watermark moves. Entries also expire after `max_age` seconds, so that what changes without such
an event (a user's display name, a retention job, a hand-made SQL fix) is seen within that
bound. Each entry's age limit is drawn between 3/4 of `max_age` and `max_age`: entries stored
together (a worker's first requests, one for every tenant) would otherwise all expire in
the same second, and every tenant's recomputation would land at once, once per `max_age`.

Users: the dashboard (webapp/desk_home/dashboard.py, every event) and the action-item list
(webapp/actions/service.py, action-item and comment events). One cache per app and read (tenant
ids are only unique within a database), per process: each web worker keeps its own, and the
tenant id is the first part of every key, so nothing crosses tenants.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


# Each entry lives between (1 - EXPIRY_SPREAD) * max_age and max_age seconds.
EXPIRY_SPREAD = 0.25


@dataclass(frozen=True)
class _Entry(Generic[V]):
    mark: int
    expires: float
    value: V


class WatermarkCache(Generic[V]):
    """A bounded LRU of values keyed by (tenant id, ...), each valid for one watermark."""

    def __init__(self, max_entries: int = 2048, max_age: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[tuple[int, Hashable], _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._max_age = max_age
        self._clock = clock
        self._spread = random.Random()
        self.hits = 0
        self.misses = 0

    def get(self, tenant_id: int, key: Hashable, mark: int) -> V | None:
        """The value stored for this key at this watermark, if it is still fresh."""
        full = (tenant_id, key)
        with self._lock:
            entry = self._entries.get(full)
            if entry is None or entry.mark != mark or self._clock() > entry.expires:
                self.misses += 1
                return None
            self._entries.move_to_end(full)
            self.hits += 1
            return entry.value

    def put(self, tenant_id: int, key: Hashable, mark: int, value: V) -> None:
        """Keep a value computed after reading watermark `mark` (a newer one is never replaced
        by an older one)."""
        full = (tenant_id, key)
        with self._lock:
            old = self._entries.get(full)
            if old is not None and old.mark > mark:
                return
            age = self._max_age * (1 - EXPIRY_SPREAD * self._spread.random())
            self._entries[full] = _Entry(mark, self._clock() + age, value)
            self._entries.move_to_end(full)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def get_or_compute(self, tenant_id: int, key: Hashable, mark: int,
                       compute: Callable[[], V]) -> V:
        """The cached value, or `compute()` (run after the watermark was read) kept for it."""
        value = self.get(tenant_id, key, mark)
        if value is None:
            value = compute()
            self.put(tenant_id, key, mark, value)
        return value
