"""Domain errors: services raise these; the HTTP edge turns them into the one JSON envelope."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: carries an HTTP status, a snake_case code and details for the envelope."""

    status = 500
    code = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    """The request is well-formed but a field is wrong (400)."""

    status = 400
    code = "validation_error"


class Unauthorized(DomainError):
    """No valid credentials (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """Authenticated but not allowed (403)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """No such entity in this tenant (404) - also for another tenant's ids."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    """Understood but cannot be processed in the current state (422)."""

    status = 422
    code = "unprocessable"


class DependencyDown(DomainError):
    """A dependency (database, provider) is unavailable (503)."""

    status = 503
    code = "dependency_unavailable"


class ConfigError(Exception):
    """The process is misconfigured and must not start."""
