"""Downloading incoming media (Flask-free): the gateway's media loop calls `run_due`.

A message whose media came with WhatsApp's keys has a `pending` message_media row. Each pass
claims a device's due rows (FOR UPDATE SKIP LOCKED, the attempt counted and the row leased, so
two gateway processes never fetch the same file), fetches the bytes with no transaction open
(`fetch`: neonize's download through the device's client), checks the size cap, stores them
in the content-addressed store and marks the row `ready` (keys dropped: they are no longer
needed). A failed attempt is retried with exponential backoff; after `max_attempts`, or at
once when the file is over the cap, the row is `failed` (keys kept, so a person could retry)
and the message shows "media unavailable" with the reason. Every outcome the message JSON
shows (ready, unavailable) writes a `message.updated` event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.db import Database
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.media.store import MediaStore

Q = load(__file__)
log = logging.getLogger(__name__)
LEASE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class DownloadJob:
    """One claimed download: which message, what it is, the keys, the attempt number."""

    message_id: int
    device_id: int
    type: str
    mime: str | None
    size: int | None
    keys: dict[str, Any]
    attempts: int


class TooLarge(ValueError):
    """The file is over MEDIA_MAX_BYTES: never downloaded or kept."""


Fetch = Callable[[DownloadJob], bytes]


def default_backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: 10 s, 20 s, 40 s ... capped at 30 min."""
    return float(min(10 * 2 ** max(attempts - 1, 0), 1800))


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(n // 1024, 1)} KB"


def claim(db: Database, tenant_id: int, device_id: int, limit: int = 4) -> list[DownloadJob]:
    """The device's due downloads, each now counted as an attempt and leased to the caller."""
    with db.tenant(tenant_id) as conn:
        return fetch_all(conn, DownloadJob, Q.claim_downloads,
                         {"device_id": device_id, "limit": limit, "lease": LEASE_SECONDS})


def finish(db: Database, tenant_id: int, job: DownloadJob, sha256: str, size: int) -> bool:
    """The bytes are stored: the row is ready, the message shows it; False if the claim went
    stale (another attempt took the row over)."""
    params = {"id": job.message_id, "attempts": job.attempts, "sha256": sha256, "size": size}
    with db.tenant(tenant_id, events=True) as conn:
        if conn.execute(Q.mark_ready, params).fetchone() is None:
            return False
        conn.execute(Q.set_message_media_state, {"id": job.message_id, "state": "ready",
                                                 "reason": None, "size": size})
        return True


def fail(db: Database, tenant_id: int, job: DownloadJob, reason: str, *,
         retry_in: float | None) -> bool:
    """Retry after `retry_in` seconds, or (None) give up: the message shows the reason."""
    params = {"id": job.message_id, "attempts": job.attempts, "error": reason[:500],
              "delay": retry_in}
    with db.tenant(tenant_id, events=True) as conn:
        if retry_in is not None:
            return conn.execute(Q.retry_download, params).fetchone() is not None
        if conn.execute(Q.give_up_download, params).fetchone() is None:
            return False
        conn.execute(Q.set_message_media_state, {"id": job.message_id, "state": "unavailable",
                                                 "reason": reason[:200], "size": None})
        return True


def _fetch_checked(job: DownloadJob, fetch: Fetch, max_bytes: int) -> bytes:
    if job.size is not None and job.size > max_bytes:
        raise TooLarge(f"too large ({_mb(job.size)}; the limit is {_mb(max_bytes)})")
    data = fetch(job)
    if len(data) > max_bytes:
        raise TooLarge(f"too large ({_mb(len(data))}; the limit is {_mb(max_bytes)})")
    if not data:
        raise ValueError("WhatsApp returned an empty file")
    return data


def download_one(db: Database, store: MediaStore, tenant_id: int, job: DownloadJob,
                 fetch: Fetch, *, max_bytes: int, max_attempts: int,
                 backoff: Callable[[int], float] = default_backoff) -> str:
    """Fetch, check and store one claimed download; return its outcome
    (ready | retry | unavailable | stale)."""
    try:
        data = _fetch_checked(job, fetch, max_bytes)
        sha = store.put(data)
    except TooLarge as exc:
        fail(db, tenant_id, job, str(exc), retry_in=None)
        return "unavailable"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        reason = f"download failed: {exc}" if str(exc) else f"download failed: {type(exc).__name__}"
        if job.attempts >= max_attempts:
            log.warning("media of message %s unavailable after %d attempts: %s",
                        job.message_id, job.attempts, exc)
            fail(db, tenant_id, job, f"{reason} (gave up after {job.attempts} attempts)",
                 retry_in=None)
            return "unavailable"
        fail(db, tenant_id, job, reason, retry_in=backoff(job.attempts))
        return "retry"
    return "ready" if finish(db, tenant_id, job, sha, len(data)) else "stale"


def run_due(db: Database, store: MediaStore, tenant_id: int, device_id: int, fetch: Fetch, *,
            max_bytes: int, max_attempts: int, limit: int = 4,
            backoff: Callable[[int], float] = default_backoff) -> list[str]:
    """Download the device's due media (up to `limit`); return each outcome."""
    return [download_one(db, store, tenant_id, job, fetch, max_bytes=max_bytes,
                         max_attempts=max_attempts, backoff=backoff)
            for job in claim(db, tenant_id, device_id, limit)]
