"""Turn provider exceptions into ledger-ready facts without leaking secrets.

A failure is reported as a status, the exception's class and a short message of our own built
from the HTTP status code: never the exception's text, which carries the provider's response
body. That body is whatever the destination answered (a cloud metadata document, an internal
page, a key echoed back), and the message reaches API responses and the ledger.
Works on litellm's exception classes by name and status code, so this module never imports
litellm itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from pydantic import ValidationError

from webapp.security.outbound import OutboundRefused

FailureStatus = Literal["error", "timeout", "rate_limited"]

MAX_ERROR_CHARS = 500
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",}]+"),
    re.compile(r"(?i)((?:x-)?api[-_]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}"),
)
_TIMEOUT_CLASSES = {"Timeout", "APITimeoutError", "TimeoutException", "ReadTimeout"}
_CONNECT_CLASSES = {"ConnectError", "ConnectTimeout"}
_STATUS_TEXT = {
    400: "the provider rejected the request", 401: "the provider rejected the API key",
    402: "the provider requires payment", 403: "the provider refused access",
    404: "not found: check api_base and model", 408: "the provider timed out",
    413: "the request is too large for the provider", 422: "the provider rejected the request",
    429: "rate limited by the provider",
}


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


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (litellm wraps the transport's error, often twice)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _refusal(exc: BaseException) -> OutboundRefused | None:
    return next((e for e in _chain(exc) if isinstance(e, OutboundRefused)), None)


def _http_status(exc: BaseException) -> int | None:
    """The status of the HTTP response the provider really sent, if any.

    Taken from httpx's HTTPStatusError in the chain: litellm also puts made-up codes on its
    exceptions (500 for a refused connection or an unreadable answer)."""
    for error in _chain(exc):
        if type(error).__name__ == "HTTPStatusError":
            code = getattr(getattr(error, "response", None), "status_code", None)
            if isinstance(code, int):
                return code
    return None


def _connect_failed(exc: BaseException) -> bool:
    return any(type(e).__name__ in _CONNECT_CLASSES or isinstance(e, ConnectionError)
               for e in _chain(exc))


def describe_status(code: int) -> str:
    """A short message for an HTTP status from a provider (nothing from its body)."""
    if 300 <= code < 400:
        text = "the provider answered with a redirect, which is not followed"
    elif code >= 500:
        text = "the provider had an internal error"
    else:
        text = _STATUS_TEXT.get(code, "the provider refused the request")
    return f"HTTP {code}: {text}."


def classify_exception(exc: BaseException, api_key: str | None = None) -> Failure:
    """Map a provider exception onto a ledger status, class name and a message of our own."""
    name = type(exc).__name__
    refused = _refusal(exc)
    if refused is not None:  # our own message: the host and why, never what DNS answered
        return Failure("error", "OutboundRefused", scrub(refused.message, api_key))
    code = _http_status(exc)
    if code == 429 or getattr(exc, "status_code", None) == 429 or name == "RateLimitError":
        return Failure("rate_limited", name, describe_status(429), retry_after_from(exc))
    if _is_timeout(exc):
        return Failure("timeout", name, "The provider did not answer in time.")
    if _connect_failed(exc):
        return Failure("error", name, "Could not connect to the provider.")
    if code is not None:
        return Failure("error", name, describe_status(code))
    return Failure("error", name, f"No usable answer from the provider ({name}).")


def validation_summary(exc: ValidationError, limit: int = 3) -> str:
    """Where and why a model's output failed its schema, without the output itself."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:limit]:
        # Field names only, shortened: a name can come from the output (an unexpected key).
        where = ".".join(str(p)[:40] for p in error.get("loc", ())) or "output"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    more = exc.error_count() - limit
    suffix = f" (and {more} more)" if more > 0 else ""
    return scrub(f"The output does not match the schema: {'; '.join(parts)}{suffix}.")
