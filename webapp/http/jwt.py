"""flask-jwt-extended wiring: token locations, revocation check, principal loading, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Response, g
from flask_jwt_extended import JWTManager

from webapp.auth import service as auth
from webapp.config import Settings
from webapp.http.context import db
from webapp.http.envelope import error_response


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
    jwt = JWTManager(app)

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        if payload.get("type") != "access":
            return False  # refresh tokens are checked (and rotated) by the refresh service
        principal = auth.load_principal(
            db(), int(payload["tid"]), int(payload["sub"]), str(payload["sid"])
        )
        g.principal = principal
        return principal is None

    @jwt.expired_token_loader
    def _expired(_h: dict[str, Any], _p: dict[str, Any]) -> Response:
        return error_response(401, "token_expired", "The token has expired; refresh or sign in.")

    @jwt.invalid_token_loader
    def _invalid(reason: str) -> Response:
        return error_response(401, "invalid_token", f"The token is not valid: {reason}.")

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        return error_response(401, "unauthorized", f"Sign in first: {reason}.")

    @jwt.revoked_token_loader
    def _revoked_response(_h: dict[str, Any], _p: dict[str, Any]) -> Response:
        return error_response(401, "token_revoked", "This session has been signed out.")

    @jwt.needs_fresh_token_loader
    def _stale(_h: dict[str, Any], _p: dict[str, Any]) -> Response:
        return error_response(401, "fresh_token_required", "Sign in again to do this.")

    return jwt
