"""Who is online, across processes: local socket counts plus other processes' announcements."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

TTL_S = 75.0  # another process's announcement expires unless refreshed (it heartbeats every 30 s)

Key = tuple[int, int]  # (tenant_id, user_id)


@dataclass(frozen=True)
class Change:
    """A user of a tenant went online or offline (as this process sees it)."""

    tenant_id: int
    user_id: int
    online: bool


class PresenceBoard:
    """Not thread-safe on its own: the hub calls it under its registry lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl_s: float = TTL_S):
        self._clock = clock
        self._ttl = ttl_s
        self._local: dict[Key, int] = {}
        self._remote: dict[Key, dict[str, float]] = {}

    def _online(self, key: Key) -> bool:
        return self._local.get(key, 0) > 0 or bool(self._remote.get(key))

    def connect(self, tenant_id: int, user_id: int) -> tuple[bool, Change | None]:
        """A local socket opened: (announce to other processes?, visible change)."""
        key = (tenant_id, user_id)
        before = self._online(key)
        self._local[key] = self._local.get(key, 0) + 1
        first = self._local[key] == 1
        return first, None if before else Change(tenant_id, user_id, True)

    def disconnect(self, tenant_id: int, user_id: int) -> tuple[bool, Change | None]:
        """A local socket closed: (announce to other processes?, visible change)."""
        key = (tenant_id, user_id)
        count = self._local.get(key, 0) - 1
        if count > 0:
            self._local[key] = count
            return False, None
        self._local.pop(key, None)
        return True, None if self._online(key) else Change(tenant_id, user_id, False)

    def apply(self, origin: str, tenant_id: int, users: list[int], online: bool) -> list[Change]:
        """Another process said these users are (or are no longer) online there."""
        changes = []
        for user_id in users:
            key = (tenant_id, user_id)
            before = self._online(key)
            procs = self._remote.setdefault(key, {})
            if online:
                procs[origin] = self._clock()
            else:
                procs.pop(origin, None)
            if not procs:
                del self._remote[key]
            if self._online(key) != before:
                changes.append(Change(tenant_id, user_id, not before))
        return changes

    def expire(self) -> list[Change]:
        """Forget announcements not refreshed within the TTL (a process died)."""
        limit = self._clock() - self._ttl
        changes = []
        for key, procs in list(self._remote.items()):
            for origin, seen in list(procs.items()):
                if seen < limit:
                    del procs[origin]
            if not procs:
                del self._remote[key]
                if not self._online(key):
                    changes.append(Change(key[0], key[1], False))
        return changes

    def local_users(self) -> dict[int, list[int]]:
        """{tenant_id: user ids with a socket in this process}, for heartbeats."""
        out: dict[int, list[int]] = {}
        for tenant_id, user_id in self._local:
            out.setdefault(tenant_id, []).append(user_id)
        return out

    def online_users(self, tenant_id: int) -> list[int]:
        """Every user of the tenant online in any process, sorted."""
        keys = set(self._local) | set(self._remote)
        return sorted(u for t, u in keys if t == tenant_id and self._online((t, u)))
