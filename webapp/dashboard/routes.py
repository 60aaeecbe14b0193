"""Dashboard pages: thin shells; the data comes from /api/v1 through static/js/core/api.js.

Pages never query the database: they only decide between the sign-in page and the app (a session
cookie is present), and hand the page its parameters as data attributes (the CSP forbids inline
scripts). The API checks every request, so a stale cookie at worst shows a shell that redirects.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from webapp.security import rbac

bp = Blueprint("dashboard", __name__)

# Cookies that show a browser session exists: the access cookie, or the readable CSRF cookie of
# the refresh token (the refresh cookie itself is scoped to /api/v1/auth/, so pages never see it).
SESSION_COOKIES = ("access_token_cookie", "csrf_refresh_token")
HOME = "dashboard.home"  # the signed-in landing page


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation; later screens append theirs to NAV."""

    endpoint: str
    label: str
    section: str
    permission: str | None = None  # the link shows only to roles allowed this action


NAV: list[NavItem] = [NavItem(HOME, "Home", "home"),
                      NavItem("dashboard.conversations", "Conversations", "conversations"),
                      NavItem("dashboard.important", "Important", "important")]
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


@bp.get("/invite")
def invite() -> Response:
    """The invitation page: register, or sign in and accept (the token is in the fragment)."""
    return _no_store(Response(render_template("invite.html"), mimetype="text/html"))


@bp.get("/forgot-password")
def forgot_password() -> Response:
    """Ask for a password-reset e-mail."""
    html = render_template("password_reset.html", mode="request")
    return _no_store(Response(html, mimetype="text/html"))


@bp.get("/reset-password")
def reset_password() -> Response:
    """Choose a new password with the e-mailed link (its token is in the URL fragment)."""
    html = render_template("password_reset.html", mode="confirm")
    resp = _no_store(Response(html, mimetype="text/html"))
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


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


@bp.get("/app/saved-replies")
def saved_replies() -> ResponseReturnValue:
    """The team's canned responses: a settings screen now (old links keep working)."""
    return redirect(url_for("dashboard.settings_screen", name="saved-replies"))


@bp.get("/app/integrations")
def integrations() -> ResponseReturnValue:
    """Integrations: a settings screen now (old links keep working)."""
    return redirect(url_for("dashboard.settings_screen", name="integrations"))


@bp.get("/app/home")
def home() -> ResponseReturnValue:
    """The Home screen: the day digest, the window's counters, what needs attention."""
    if not has_session():
        return _to_login()
    return page("home.html", "home")


@bp.get("/app/important")
def important() -> ResponseReturnValue:
    """The important messages flagged by the analysis: acknowledge, dismiss, re-prioritise."""
    if not has_session():
        return _to_login()
    return page("important.html", "important")
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


# -- settings screens (issue 14): reached from the settings menu in the top bar ---------------
@dataclass(frozen=True)
class SettingsItem:
    """One entry of the settings menu (every role sees every entry: each screen opens and
    says what the role may do there)."""

    path: str
    template: str
    label: str
    section: str


SETTINGS: list[SettingsItem] = [
    SettingsItem("whatsapp", "settings/whatsapp.html", "WhatsApp numbers", "whatsapp"),
    SettingsItem("team", "settings/team.html", "Team", "team"),
    SettingsItem("llm", "settings/llm.html", "LLM providers", "llm"),
    SettingsItem("labels", "settings/labels.html", "Labels", "labels"),
    SettingsItem("audit", "settings/audit.html", "Audit log", "audit"),
    SettingsItem("saved-replies", "canned.html", "Saved replies", "saved-replies"),
    SettingsItem("integrations", "integrations.html", "Integrations", "integrations"),
    SettingsItem("workflows", "settings/workflows.html", "Workflows", "workflows"),
    SettingsItem("tenant", "settings/tenant.html", "Workspace settings", "tenant"),
]
PROFILE = SettingsItem("profile", "settings/profile.html", "Your profile", "profile")
_BY_PATH = {item.path: item for item in SETTINGS}


@bp.app_context_processor
def _settings_menu() -> dict[str, Any]:
    """Every layout renders the settings menu (the conversations page included)."""
    return {"settings_menu": SETTINGS}


@bp.get("/app/settings")
@bp.get("/app/settings/")
def settings_home() -> ResponseReturnValue:
    """The settings menu's first screen."""
    return redirect(url_for("dashboard.settings_screen", name=SETTINGS[0].path))


@bp.get("/app/settings/<name>")
def settings_screen(name: str) -> ResponseReturnValue:
    """One settings screen (an unknown name is the app's not-found page)."""
    if not has_session():
        return _to_login()
    item = _BY_PATH.get(name)
    if item is None:
        return not_found_page()
    return page(item.template, item.section, activity_page=_activity_page(),
                analytics_url=_analytics_url())


@bp.get("/app/settings/workflows/new")
@bp.get("/app/settings/workflows/<int:workflow_id>")
def workflow_builder(workflow_id: int | None = None) -> ResponseReturnValue:
    """The workflow builder: a new workflow, or one of the team's (the API checks which)."""
    if not has_session():
        return _to_login()
    return page("settings/workflow_builder.html", "workflows", workflow_id=workflow_id or "")


# The team activity timeline is another screen's (issue 12); the Team screen links to it when
# this app has it.
ACTIVITY_PAGES = ("/app/activity", "/app/team/activity", "/app/timeline")


def _analytics_url() -> str:
    """The Streamlit analytics app: ANALYTICS_URL, else this host on STREAMLIT_PORT."""
    configured = os.environ.get("ANALYTICS_URL")
    if configured:
        return configured
    port = os.environ.get("STREAMLIT_PORT", "8501")
    return f"{request.scheme}://{request.host.rsplit(':', 1)[0]}:{port}/"


def _activity_page() -> str | None:
    rules = {rule.rule for rule in current_app.url_map.iter_rules()}
    return next((path for path in ACTIVITY_PAGES if path in rules), None)


@bp.get("/app/profile")
def profile() -> ResponseReturnValue:
    """The signed-in person's own name, password and sessions."""
    if not has_session():
        return _to_login()
    return page(PROFILE.template, PROFILE.section)


def not_found_page() -> Response:
    """The dashboard's own not-found page (never the API's JSON envelope)."""
    resp = page("not_found.html", "not-found", path=request.path)
    resp.status_code = 404
    return resp


@bp.get("/app/<path:rest>")
def app_not_found(rest: str) -> ResponseReturnValue:
    """Any other /app/... path: the not-found page inside the app shell."""
    if not has_session():
        return _to_login()
    return not_found_page()
