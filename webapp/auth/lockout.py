"""Failed sign-ins per account: after too many, sign-in is refused for a while (Flask-free).

On top of the per-IP limit on login: an attacker spreading guesses over many addresses still gets
`LOGIN_FAILURE_LIMIT` (default 10 per 15 minutes, a moving window) wrong passwords per account.
Counted in the rate-limit storage every web process shares (Redis when REDIS_URL is set,
otherwise PostgreSQL), under a key that is an HMAC of the normalized address, so the store
never holds an address (nor a hash a dictionary reverses).

Rules, all deliberate:
- a failure is a wrong password or an unknown address, counted alike, so a lockout looks the
  same whether or not the account exists;
- while locked, the password is not checked at all: even the right one gets the same 429;
- a successful sign-in does not erase failures (otherwise every sign-in of the owner would give
  someone guessing at the address 10 more tries);
- the check and the count are two round trips, so guesses already past the check when the
  last allowed failure lands are still answered (a burst exceeds the limit by those in flight);
- when the store cannot be reached, sign-in answers 503 (fails closed) instead of going on
  uncounted.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from webapp.config import Settings
from webapp.db import Database
from webapp.errors import DependencyDown, DomainError
from webapp.security.rate_store import PostgresStorage

KEY_PREFIX = "mf-login-fail"
_HKDF_INFO = b"messageflow login lockout key v1"


class LoginLocked(DomainError):
    """429: too many failed sign-ins for this address; `retry_after` seconds to wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, limit: str) -> None:  # noqa: D107
        super().__init__(
            "Too many failed sign-ins for this account; try again later.",
            details={"limit": limit, "retry_after": retry_after},
        )
        self.retry_after = retry_after


def normalize_email(email: str) -> str:
    """The form failures are counted under: trimmed, lower case."""
    return email.strip().lower()


class LoginLockout:
    """Counts failed sign-ins per address in a `limits` storage shared by every process."""

    def __init__(self, storage: Storage, limit: str, secret: str) -> None:  # noqa: D107
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = parse(limit)
        # Its own key, derived from the deployment's secret: every process computes the same.
        self._hmac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                              info=_HKDF_INFO).derive(secret.encode())

    @property
    def limit(self) -> str:
        """The limit in words, e.g. "10 per 15 minute"."""
        return str(self._item)

    def key(self, email: str) -> str:
        """The storage key of an address: an HMAC, never the address."""
        digest = hmac.new(self._hmac_key, normalize_email(email).encode(), hashlib.sha256)
        return digest.hexdigest()

    def check(self, email: str) -> None:
        """Raise LoginLocked while the address has used up its failures (one round trip)."""
        try:
            reset, remaining = self._limiter.get_window_stats(self._item, KEY_PREFIX,
                                                              self.key(email))
        except self._storage.base_exceptions as exc:
            raise DependencyDown("Sign-in is unavailable for a moment; try again.") from exc
        if remaining <= 0:
            raise LoginLocked(max(1, math.ceil(reset - time.time())), self.limit)

    def record_failure(self, email: str) -> None:
        """Count one failed sign-in for the address (one round trip)."""
        try:
            self._limiter.hit(self._item, KEY_PREFIX, self.key(email))
        except self._storage.base_exceptions as exc:
            raise DependencyDown("Sign-in is unavailable for a moment; try again.") from exc


def lockout_for(settings: Settings, database: Database) -> LoginLockout:
    """A lockout over the deployment's shared store (Redis when REDIS_URL is set, otherwise
    PostgreSQL through `database`), for sign-in doors outside the web app (Streamlit)."""
    storage = (storage_from_string(settings.redis_url) if settings.redis_url
               else PostgresStorage(database=database))
    assert isinstance(storage, Storage)
    return LoginLockout(storage, settings.login_failure_limit, settings.master_key)
