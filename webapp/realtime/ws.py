"""The Flask edge of the realtime feed: `GET /api/v1/ws`, authenticated before the upgrade."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_sock import Sock
from pydantic import Field

from webapp.config import Settings
from webapp.errors import Unauthorized
from webapp.http.api import REGISTRY, EndpointSpec, validate
from webapp.http.context import db
from webapp.http.envelope import error_response
from webapp.inputs import IdOrZero, RequestModel
from webapp.realtime.connection import Caller, Connection, Socket
from webapp.realtime.hub import Hub

WS_PATH = "/api/v1/ws"
SOCK_OPTIONS = {"ping_interval": 25, "max_message_size": 64 * 1024}
LISTENER_NAME = "mf-realtime"


class SocketQuery(RequestModel):
    """`?token=<access JWT>&since=<last event id>` (the only route taking a token this way)."""

    token: str | None = Field(None, description="Access JWT (else the access cookie).")
    since: IdOrZero | None = Field(None, description="Replay events after this id first.")


REGISTRY.append(EndpointSpec(
    path=WS_PATH, method="get", name="realtime.realtime_socket",
    summary="WebSocket feed of the tenant's events (upgrade; replay since an id, then live).",
    permission=None, auth=True, body=None, query=SocketQuery, response=None, status=101,
    tags=("realtime",),
    errors=((403, "A cookie-authenticated socket from another origin."),
            (426, "Not a WebSocket upgrade request.")),
))


class _State:
    """Per app: the hub, created when the first socket connects."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hub: Hub | None = None
        self.closed = False


def init_realtime(app: Flask, settings: Settings) -> None:
    """Register the socket route and its pre-upgrade authentication."""
    app.config.setdefault("SOCK_SERVER_OPTIONS", dict(SOCK_OPTIONS))
    app.extensions["mf_realtime"] = _State()
    sock = Sock(app)

    @app.before_request
    def _authenticate_socket() -> Response | None:
        if request.path != WS_PATH:
            return None
        return _authenticate(settings)

    @sock.route(WS_PATH)
    def realtime_socket(ws: Socket) -> None:
        caller: Caller = g.ws_caller
        Connection(ws, get_hub(current_app), db(), caller, g.ws_since).run()


def _authenticate(settings: Settings) -> Response | None:
    """Token from ?token=, a Bearer header, or the access cookie (then Origin must match)."""
    raw: dict[str, Any] = {k: request.args.get(k) for k in request.args}
    query = validate(SocketQuery, raw, "query parameters")
    assert isinstance(query, SocketQuery)
    if query.token is not None:
        verify_jwt_in_request(locations=["query_string"])
    elif request.headers.get("Authorization"):
        verify_jwt_in_request(locations=["headers"])
    else:
        verify_jwt_in_request(locations=["cookies"])
        if not _origin_allowed(settings):
            return error_response(403, "origin_not_allowed",
                                  "Cookie-authenticated sockets must come from this site.")
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("Sign in again.", code="token_revoked")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return error_response(426, "upgrade_required", "Connect with a WebSocket client.")
    claims = get_jwt()
    g.ws_caller = Caller(principal.tenant_id, principal.user_id, principal.session_id,
                         float(claims["exp"]), principal.role)
    g.ws_since = query.since
    # No permessage-deflate: frames are small and compressing each one once per socket is
    # the fan-out's largest CPU cost (simple_websocket negotiates it whenever offered).
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    return None


def _origin_allowed(settings: Settings) -> bool:
    """CSRF does not cover GET upgrades: the Origin must be this host or FRONTEND_ORIGIN."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    if settings.frontend_origin and origin == settings.frontend_origin:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def get_hub(app: Flask) -> Hub:
    """The app's hub, started on first use (so forked workers each start their own)."""
    state: _State = app.extensions["mf_realtime"]
    with state.lock:
        if state.hub is None:
            if state.closed:
                raise RuntimeError("the realtime hub of this app has been stopped")
            database = app.extensions["mf_db"]
            state.hub = Hub(database, database.dsn, application_name=LISTENER_NAME)
            state.hub.start()
        return state.hub


def stop_realtime(app: Flask) -> None:
    """Stop the app's hub, if it was started (tests, shutdown)."""
    state: _State | None = app.extensions.get("mf_realtime")
    if state is None:
        return
    with state.lock:
        state.closed = True
        hub, state.hub = state.hub, None
    if hub is not None:
        hub.stop()
