"""The one JSON error envelope for every error the app can produce."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify
from flask_jwt_extended.exceptions import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.errors import DomainError

log = logging.getLogger("webapp.errors")

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    414: "uri_too_long", 415: "unsupported_media_type", 422: "unprocessable",
    429: "rate_limited", 431: "headers_too_large", 503: "dependency_unavailable",
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    """`{"error": {"code", "message", "details"}}` with the given status."""
    resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    resp.status_code = status
    return resp


def register_error_handlers(app: Flask) -> None:
    """Route domain errors, HTTP errors, CSRF and crashes into the envelope (429s of the rate
    limits: webapp/http/limits.py)."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        resp = error_response(exc.status, exc.code, exc.message, exc.details)
        retry_after = getattr(exc, "retry_after", None) if exc.status == 503 else None
        if retry_after:  # e.g. the database is down (webapp/db/errors.py): come back in 3 s
            resp.headers["Retry-After"] = g.mf_retry_after_503 = str(retry_after)
        return resp

    # Registered before the rate limiter's hooks (create_app), so it runs after them: Flask-Limiter
    # sets Retry-After on every response it counted to the larger of the one given and its own
    # window's reset, which on a 503 would tell the client the rate limit's time, not ours.
    @app.after_request
    def _keep_503_retry_after(resp: Response) -> Response:
        retry_after = g.pop("mf_retry_after_503", None)
        if retry_after is not None and resp.status_code == 503:
            resp.headers["Retry-After"] = retry_after
        return resp

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return error_response(403, "csrf_failed", f"CSRF check failed: {exc}.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        resp = error_response(status, code, exc.description or exc.name)
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            resp.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return resp

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")
