"""Dashboard pages: thin shells; the data comes from /api/v1 through static/js/core/api.js.

Pages never query the database: they only decide between the sign-in page and the app (a session
cookie is present), and hand the page its parameters as data attributes (the CSP forbids inline
scripts). The API checks every request, so a stale cookie at worst shows a shell that redirects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from webapp.security import rbac

bp = Blueprint("dashboard", __name__)

# Cookies that show a browser session exists: the access cookie, or the readable CSRF cookie of
# the refresh token (the refresh cookie itself is scoped to /api/v1/auth/, so pages never see it).
SESSION_COOKIES = ("access_token_cookie", "csrf_refresh_token")
HOME = "dashboard.conversations"


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation; later screens append theirs to NAV."""

    endpoint: str
    label: str
    section: str
    permission: str | None = None  # the link shows only to roles allowed this action


NAV: list[NavItem] = [NavItem(HOME, "Conversations", "conversations")]
NAV.append(NavItem("dashboard.action_items", "Action items", "action_items"))
NAV.append(NavItem("dashboard.activity", "Activity", "activity", "team.activity.read"))


def has_session() -> bool:
    """Whether the browser holds session cookies (validity is the API's business)."""
    return any(request.cookies.get(name) for name in SESSION_COOKIES)


def safe_next(target: str | None) -> str | None:
    """A same-origin path to return to after sign-in, or None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\t") or target.startswith("/login"):
        return None
    return target


def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    return resp


def page(template: str, section: str, **context: Any) -> Response:
    """Render an app page inside the layout (navigation, permission table for the client)."""
    html = render_template(
        template, nav=NAV, section=section,
        permissions=json.dumps(rbac.PERMISSIONS), roles=",".join(rbac.ROLES), **context,
    )
    return _no_store(Response(html, mimetype="text/html"))


def _to_login() -> ResponseReturnValue:
    target = safe_next(request.full_path.rstrip("?"))
    login_url = url_for("dashboard.login")
    return redirect(f"{login_url}?{urlencode({'next': target})}" if target else login_url)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The front door: the app when a session exists, else the sign-in page."""
    return redirect(url_for(HOME) if has_session() else url_for("dashboard.login"))


@bp.get("/login")
def login() -> Response:
    """The sign-in form."""
    target = safe_next(request.args.get("next")) or url_for(HOME)
    html = render_template("login.html", next_url=target)
    return _no_store(Response(html, mimetype="text/html"))


@bp.get("/app")
@bp.get("/app/")
def app_home() -> ResponseReturnValue:
    """The app's first screen."""
    return redirect(url_for(HOME))


@bp.get("/app/conversations")
@bp.get("/app/conversations/<int:conversation_id>")
def conversations(conversation_id: int | None = None) -> ResponseReturnValue:
    """The conversations screen: sidebar list, the selected thread and the reply box."""
    if not has_session():
        return _to_login()
    return page("conversations.html", "conversations", conversation_id=conversation_id or "")


@bp.get("/app/action-items")
@bp.get("/app/action-items/<int:item_id>")
def action_items(item_id: int | None = None) -> ResponseReturnValue:
    """Action items: the kanban board or the list, and one item's detail panel."""
    if not has_session():
        return _to_login()
    return page("action_items.html", "action_items", item_id=item_id or "")


@bp.get("/app/activity")
def activity() -> ResponseReturnValue:
    """The team's activity timeline (managers and up; the API refuses the others)."""
    if not has_session():
        return _to_login()
    return page("activity.html", "activity")
