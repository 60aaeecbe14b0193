"""Rate limits (Flask-Limiter): per user on the API, stricter per IP on sign-in and sign-up."""

from __future__ import annotations

from flask import Flask, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from webapp.config import Settings
from webapp.http.api import REGISTRY


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


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app; Redis storage when REDIS_URL is set so limits hold across processes."""
    app.config.update(RATELIMIT_HEADERS_ENABLED=True)
    limiter = Limiter(
        key_func=_caller_key,
        app=app,
        default_limits=[settings.rate_limit],
        storage_uri=settings.redis_url or "memory://",
        strategy="fixed-window",
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
