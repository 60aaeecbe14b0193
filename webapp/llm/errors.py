"""Turn provider exceptions into ledger-ready facts without leaking secrets.

Works on litellm's exception classes by name and status code, so this module never imports
litellm itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

FailureStatus = Literal["error", "timeout", "rate_limited"]

MAX_ERROR_CHARS = 500
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",}]+"),
    re.compile(r"(?i)((?:x-)?api[-_]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}"),
)
_TIMEOUT_CLASSES = {"Timeout", "APITimeoutError", "TimeoutException", "ReadTimeout"}


@dataclass(frozen=True)
class Failure:
    """What the ledger records about a failed call."""

    status: FailureStatus
    error_class: str
    message: str
    retry_after_s: float | None = None


def scrub(text: str, *secrets: str | None) -> str:
    """Remove the given secrets and anything shaped like a credential from `text`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "***", text)
    return text[:MAX_ERROR_CHARS]


def parse_retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    try:
        value = headers.get(name)
    except AttributeError:
        return None
    return str(value) if value is not None else None


def retry_after_from(exc: BaseException) -> float | None:
    """Find a Retry-After (or retry-after-ms) value on a provider exception."""
    sources = (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
        getattr(exc, "headers", None),
    )
    for headers in sources:
        millis = _header(headers, "retry-after-ms")
        if millis is not None:
            seconds = parse_retry_after(millis)
            if seconds is not None:
                return seconds / 1000
        seconds = parse_retry_after(_header(headers, "retry-after"))
        if seconds is not None:
            return seconds
    return None


def _is_timeout(exc: BaseException) -> bool:
    if type(exc).__name__ in _TIMEOUT_CLASSES or isinstance(exc, TimeoutError):
        return True
    return any(type(c).__name__ in _TIMEOUT_CLASSES for c in (exc.__cause__, exc.__context__))


def classify_exception(exc: BaseException, api_key: str | None = None) -> Failure:
    """Map a provider exception onto a ledger status, class name and scrubbed message."""
    name = type(exc).__name__
    message = scrub(str(exc) or name, api_key)
    if getattr(exc, "status_code", None) == 429 or name == "RateLimitError":
        return Failure("rate_limited", name, message, retry_after_from(exc))
    if _is_timeout(exc):
        return Failure("timeout", name, message)
    return Failure("error", name, message)
