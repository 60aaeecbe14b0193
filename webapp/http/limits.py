"""Rate limits (Flask-Limiter): per user on the API, stricter per IP on sign-in and sign-up, and
failed sign-ins per account (webapp/auth/lockout.py).

Moving window: "60/minute" means at most 60 requests in any 60 seconds (a fixed window lets a
burst of 120 straddle a minute boundary). The windows live where every process of the
deployment sees them, so a limit holds as configured whatever the number of workers and hosts:
Redis when REDIS_URL is set, otherwise PostgreSQL (`mf-postgres://`,
webapp/security/rate_store.py, one round trip per check on the app's pool). The X-RateLimit-*
headers and Retry-After come from that shared store too, so every worker tells a client the
same thing.

When the store cannot be reached, the check is skipped and logged (`swallow_errors`), never a
500: without Redis the store is the app's own database, which the request then needs anyway and
answers 503 for; with Redis down, the API stays up unlimited rather than down. Sign-in is the
exception: its per-account count fails closed (503, see lockout.py). Flask-Limiter's in-memory
fallback was not taken: it counts per process again (the bug this fixes) in limits'
`MemoryStorage`, which starts timer threads from request threads (alisaifee/limits#352).
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from webapp.auth.lockout import LoginLocked, LoginLockout
from webapp.config import Settings
from webapp.http import request_tx
from webapp.http.api import REGISTRY, EndpointSpec
from webapp.http.context import base_db
from webapp.http.envelope import error_response
from webapp.security.rate_store import PostgresStorage

KEY_PREFIX = "mf-rl"


def _caller_key() -> str:
    """The signed-in user (from a valid access token) or else the client IP."""
    token = request_tx.request_token()
    if token:
        try:
            claims = decode_token(token)
            return f"user:{claims['tid']}:{claims['sub']}"
        except Exception:  # noqa: BLE001 - an invalid token is limited by IP
            pass
    return f"ip:{get_remote_address()}"


RETRY_AFTER_STATUSES = frozenset({429, 503})


def refused(retry_after: int, message: str, details: dict[str, Any]) -> Response:
    """A 429 in the envelope whose `details.retry_after` and Retry-After header agree."""
    g.mf_retry_after = retry_after
    resp = error_response(429, "rate_limited", message, {**details, "retry_after": retry_after})
    resp.headers["Retry-After"] = str(retry_after)
    return resp


def _retry_after_only_when_refused(response: Response) -> Response:
    """Retry-After only on refusals (429, 503), and on a 429 the value its body gives.

    Flask-Limiter 4.1 adds Retry-After next to X-RateLimit-* on every response it counts and has
    no option to limit it to refusals; on a 200 or a 404 it reads as "come back in 60 s". On a
    429 it also rounds the time down and takes the larger of its own and ours, so the header
    is set again here from the value the envelope carries.
    """
    if response.status_code not in RETRY_AFTER_STATUSES:
        response.headers.pop("Retry-After", None)
    elif response.status_code == 429 and "mf_retry_after" in g:
        response.headers["Retry-After"] = str(g.mf_retry_after)
    return response


def _storage_uri(settings: Settings, app: Flask) -> tuple[str, dict[str, Any]]:
    """Redis when configured, otherwise the app's own PostgreSQL pool."""
    if settings.redis_url:
        return settings.redis_url, {}
    return "mf-postgres://", {"database": app.extensions["mf_db"]}


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app over the shared store, the 429 envelope, and the sign-in lockout."""
    app.config.update(RATELIMIT_HEADERS_ENABLED=True)
    # Registered before the Limiter so it runs after the Limiter's own header hook (Flask runs
    # after_request hooks in reverse order).
    app.after_request(_retry_after_only_when_refused)
    uri, options = _storage_uri(settings, app)
    content = {spec.name for spec in REGISTRY if _is_content(spec)}
    limiter = Limiter(
        key_func=_caller_key,
        application_limits=[settings.rate_limit],  # one count per caller across the API
        # ...but files (pictures, media, QR codes) count under their own limit (below).
        application_limits_exempt_when=lambda: request.endpoint in content,
        storage_uri=uri,
        storage_options=options,
        strategy="moving-window",
        key_prefix=KEY_PREFIX,
        swallow_errors=True,
    )
    _bracket_requests(app, limiter)
    limiter.init_app(app)

    @limiter.request_filter
    def _only_api() -> bool:
        return not request.path.startswith("/api/v1/") or request.method == "OPTIONS"

    for spec in REGISTRY:
        if _is_content(spec) and spec.name in app.view_functions:
            # Pictures, media and QR codes are loaded by <img>/<audio> tags, one per row or
            # bubble (and revalidated on every render): counted apart, under their own limit,
            # so a long conversation list cannot spend the API's whole minute.
            view = app.view_functions[spec.name]
            app.view_functions[spec.name] = limiter.shared_limit(  # type: ignore[assignment]
                settings.media_rate_limit, scope="content", key_func=_caller_key,
                override_defaults=False)(view)
        if spec.rate_limited and spec.name in app.view_functions:
            wrapped = limiter.limit(
                settings.auth_rate_limit, key_func=get_remote_address, override_defaults=False
            )(app.view_functions[spec.name])
            app.view_functions[spec.name] = wrapped  # type: ignore[assignment]
    _init_refusals(app, limiter)
    app.extensions["mf_login_lockout"] = LoginLockout(
        limiter.storage, settings.login_failure_limit, settings.master_key)
    return limiter


def _is_content(spec: EndpointSpec) -> bool:
    """A GET answering a file (a picture, media, a QR code) rather than JSON."""
    return spec.method == "get" and spec.media_type != "application/json"


def _bracket_requests(app: Flask, limiter: Limiter) -> None:
    """Let the PostgreSQL store remember this request's windows for the response headers, and
    send the principal's statements in the round trip of the request's check.

    Registered before Limiter.init_app, so it runs before the Limiter's own check."""
    authenticated = {spec.name: spec.reuse_transaction for spec in REGISTRY if spec.auth}

    @app.before_request
    def _begin() -> None:
        if isinstance(limiter.storage, PostgresStorage):
            hold = authenticated.get(request.endpoint or "")
            companion = None
            if hold is not None and request.path.startswith("/api/v1/"):
                companion = request_tx.prefetch(base_db(), hold)
            limiter.storage.begin_request(companion)

    @app.teardown_request
    def _end(exc: BaseException | None) -> None:
        if isinstance(limiter.storage, PostgresStorage):
            limiter.storage.end_request()
        request_tx.release(exc)  # a transaction the view never ran to end (a 429, a bad token)


def _init_refusals(app: Flask, limiter: Limiter) -> None:
    """429s of the limiter and of the sign-in lockout, with the wait from the shared store."""

    @app.errorhandler(RateLimitExceeded)
    def _limited(exc: RateLimitExceeded) -> Response:
        return refused(_retry_after(limiter, exc), f"Too many requests: limit is "
                       f"{exc.description}.", {"limit": str(exc.description)})

    @app.errorhandler(LoginLocked)
    def _locked(exc: LoginLocked) -> Response:
        return refused(exc.retry_after, exc.message, exc.details)


def _retry_after(limiter: Limiter, exc: RateLimitExceeded) -> int:
    """Seconds until the breached window has room again (at least 1), from the shared store."""
    breached = limiter.current_limit
    try:
        if breached is not None:
            return max(1, math.ceil(breached.window.reset_time - time.time()))
    except Exception:  # noqa: BLE001 - a store failing now must not fail the 429 itself
        pass
    return max(1, int(exc.limit.limit.get_expiry()))
