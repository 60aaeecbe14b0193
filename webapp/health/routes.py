"""GET /healthz (process up) and GET /readyz (database reachable, migrations current)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from webapp.health import service
from webapp.http.context import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: 200, or 503 with what is missing."""
    ready, details = service.readiness(db())
    resp = jsonify({"status": "ready" if ready else "not_ready", **details})
    resp.status_code = 200 if ready else 503
    return resp
