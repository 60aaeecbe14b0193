"""Request ids, JSON access logs, security headers and CORS for FRONTEND_ORIGIN only."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.config import Settings

log = logging.getLogger("webapp.access")
MEDIA_UPLOAD_PATH = "/api/v1/media"  # webapp.media.routes: its own body limit


class JsonFormatter(logging.Formatter):
    """One JSON object per log line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "tenant_id"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def configure_logging(level: str) -> None:
    """Send JSON logs to stderr (once per process)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# The two <style> elements Redoc 2.5.4 inserts while its bundle loads, before it can give them
# the nonce: perfect-scrollbar's stylesheet and an empty one (tests/browser/test_api_docs.py
# fails on any CSP violation, so a new Redoc version that changes them is caught there).
REDOC_STYLE_HASHES = ("'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
                      "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")


def docs_csp(nonce: str) -> str:
    """The API reference page's policy: the site's, except that Redoc's run-time <style>
    elements are allowed by this response's nonce (and the two it inserts at load by their
    hashes), and its search index runs in a blob: worker. Scripts stay 'self' only."""
    styles = " ".join(("'self'", f"'nonce-{nonce}'", *REDOC_STYLE_HASHES))
    return _CSP.replace("style-src 'self'", f"style-src {styles}") + "; worker-src 'self' blob:"


def init_middleware(app: Flask, settings: Settings) -> None:
    """Attach the before/after hooks."""

    @app.before_request
    def _start() -> Response | None:
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()
        limit = settings.max_body_bytes
        if request.method == "POST" and request.path == MEDIA_UPLOAD_PATH:
            # Uploads to send may be up to MEDIA_MAX_BYTES (plus the multipart envelope).
            limit = max(limit, settings.media_max_bytes + 64 * 1024)
            request.max_content_length = limit
        if request.content_length and request.content_length > limit:
            raise RequestEntityTooLarge(f"The body is larger than the {limit} bytes allowed.")
        if request.method == "OPTIONS" and _cors_origin(settings):
            return app.make_default_options_response()
        return None

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-ID"] = g.get("request_id", "")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy", _CSP)
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if settings.production:
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        origin = _cors_origin(settings)
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Credentials"] = "true"
            resp.headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, X-CSRF-Token, X-Request-ID"
            )
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            resp.headers["Vary"] = "Origin"
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "%s %s %s", request.method, request.path, resp.status_code,
            extra={"request_id": g.get("request_id"), "method": request.method,
                   "path": request.path, "status": resp.status_code,
                   "duration_ms": round(elapsed, 2)},
        )
        return resp


def _cors_origin(settings: Settings) -> str | None:
    origin = request.headers.get("Origin")
    if origin and settings.frontend_origin and origin == settings.frontend_origin:
        return origin
    return None
