"""flask-jwt-extended wiring: token locations, revocation check, principal loading, errors."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from flask import Flask, Response, g
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config as jwt_config

from webapp.auth import service as auth
from webapp.config import Settings
from webapp.http import request_tx
from webapp.http.context import HOLD_TRANSACTION, base_db
from webapp.http.envelope import error_response


class VerifiedTokenCache:
    """Claims of tokens whose signature was already verified, by (token, CSRF value).

    Verifying a token (three PyJWT parses plus an HMAC in flask-jwt-extended) cost about 0.5 ms,
    and every API request did it twice (rate-limit key, then authentication). The outcome for a
    given token string is fixed except for the expiry, which `get` checks again on every hit;
    revocation is not cached here (the principal is loaded from the database on every request).
    Bounded: when full it is simply emptied (tokens are re-verified, nothing else changes).
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._claims: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, csrf: str | None, leeway: float) -> dict[str, Any] | None:
        """A copy of the cached claims, or None when unknown or expired."""
        claims = self._claims.get((token, csrf))
        if claims is None:
            return None
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= time.time() - leeway:
            with self._lock:
                self._claims.pop((token, csrf), None)
            return None
        return dict(claims)

    def put(self, token: str, csrf: str | None, claims: dict[str, Any]) -> None:
        """Remember a verified token's claims."""
        with self._lock:
            if len(self._claims) >= self.size:
                self._claims.clear()
            self._claims[(token, csrf)] = dict(claims)


class CachingJWTManager(JWTManager):
    """flask-jwt-extended's manager, verifying each distinct token once per process."""

    def __init__(self, app: Flask) -> None:
        self.verified = VerifiedTokenCache()
        super().__init__(app)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value: str | None = None,
                                allow_expired: bool = False) -> dict[str, Any]:
        leeway = float(jwt_config.leeway)
        if not allow_expired:
            cached = self.verified.get(encoded_token, csrf_value, leeway)
            if cached is not None:
                return cached
        claims: dict[str, Any] = super()._decode_jwt_from_config(
            encoded_token, csrf_value, allow_expired)
        if not allow_expired:
            self.verified.put(encoded_token, csrf_value, claims)
        return claims


def init_jwt(app: Flask, settings: Settings) -> JWTManager:
    """Configure JWTs: Bearer header + HttpOnly cookies with double-submit CSRF."""
    app.config.update(
        JWT_SECRET_KEY=settings.jwt_secret,
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers", "cookies", "query_string"],
        JWT_QUERY_STRING_NAME="token",
        JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(seconds=settings.access_token_ttl_s),
        JWT_REFRESH_TOKEN_EXPIRES=dt.timedelta(seconds=settings.refresh_token_ttl_s),
        JWT_COOKIE_SECURE=settings.production,
        JWT_COOKIE_SAMESITE="Lax",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_CSRF_IN_COOKIES=True,
        JWT_ACCESS_CSRF_HEADER_NAME="X-CSRF-Token",
        JWT_REFRESH_CSRF_HEADER_NAME="X-CSRF-Token",
        JWT_REFRESH_COOKIE_PATH="/api/v1/auth/",
        JWT_ERROR_MESSAGE_KEY="message",
    )
    jwt = CachingJWTManager(app)

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        if payload.get("type") != "access":
            return False  # refresh tokens are checked (and rotated) by the refresh service
        principal = request_tx.load_principal(
            base_db(), int(payload["tid"]), int(payload["sub"]), str(payload["sid"]),
            hold=bool(g.get(HOLD_TRANSACTION, False)))
        g.principal = principal
        return principal is None

    @jwt.expired_token_loader
    def _expired(_h: dict[str, Any], _p: dict[str, Any]) -> Response:
        return error_response(401, "token_expired", "The token has expired; refresh or sign in.")

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Response:
        # PyJWT's reason ("Invalid header padding", "Not enough segments", "Signature
        # verification failed"...) describes the decoder, not anything the caller can fix.
        return error_response(401, "invalid_token",
                               "The token is not valid; sign in again for a new one.")

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        return error_response(401, "unauthorized", f"Sign in first: {reason}.")

    @jwt.revoked_token_loader
    def _revoked_response(_h: dict[str, Any], payload: dict[str, Any]) -> Response:
        err = auth.signed_out(base_db(), int(payload["tid"]), int(payload["sub"]),
                              str(payload["sid"]))
        return error_response(401, err.code, err.message)

    @jwt.needs_fresh_token_loader
    def _stale(_h: dict[str, Any], _p: dict[str, Any]) -> Response:
        return error_response(401, "fresh_token_required", "Sign in again to do this.")

    return jwt
