"""The page shells without a browser: redirects, safe `next`, the CSP-friendly markup, and a
module graph with no broken imports (there is no build step to catch one)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from webapp.dashboard.routes import safe_next

STATIC = Path(__file__).resolve().parents[3] / "webapp" / "static"
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}/[^"']+)["']""", re.M)


class _Audit(HTMLParser):
    """Collects what a strict CSP would block, and the assets a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record assets; flag inline scripts, style attributes and handlers."""
        found = dict(attrs)
        for name in found:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}>")
        if tag == "script":
            if not found.get("src"):
                self.inline.append("<script> without src")
            else:
                self.assets.append(str(found["src"]))
        if tag == "style":
            self.inline.append("<style>")
        if tag in ("link", "img") and (found.get("href") or found.get("src")):
            self.assets.append(str(found.get("href") or found.get("src")))


def test_front_door_redirects(client: FlaskClient) -> None:
    assert client.get("/").headers["Location"] == "/login"
    r = client.get("/app/conversations/7?status=open")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fapp%2Fconversations%2F7%3Fstatus%3Dopen"
    client.set_cookie("csrf_refresh_token", "x")
    assert client.get("/").headers["Location"] == "/app/home"  # Home is the landing page
    assert client.get("/app").headers["Location"] == "/app/home"
    assert client.get("/app/conversations").status_code == 200
    assert client.get("/app/home").status_code == 200


@pytest.mark.parametrize("target, expected", [
    ("/app/conversations/3?q=x", "/app/conversations/3?q=x"),
    ("//evil.example", None), ("/\\evil.example", None), ("https://evil.example", None),
    ("/login?next=/x", None), ("/app\r\nSet-Cookie: x", None), ("", None), (None, None),
])
def test_next_is_same_origin_only(target: str | None, expected: str | None) -> None:
    assert safe_next(target) == expected


def test_login_page_echoes_only_a_safe_next(client: FlaskClient) -> None:
    body = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert 'data-next="/app/home"' in body
    body = client.get("/login?next=/app/conversations/9").get_data(as_text=True)
    assert 'data-next="/app/conversations/9"' in body


@pytest.mark.parametrize("path", ["/login", "/app/conversations", "/app/conversations/5",
                                  "/app/home", "/app/important"])
def test_pages_are_csp_clean_and_their_assets_exist(client: FlaskClient, path: str) -> None:
    client.set_cookie("access_token_cookie", "x")
    r = client.get(path)
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    audit = _Audit()
    audit.feed(r.get_data(as_text=True))
    assert audit.inline == []
    assert audit.assets
    for asset in audit.assets:
        assert asset.startswith("/static/"), asset
        res = client.get(asset)
        assert res.status_code == 200, asset
        if asset.endswith(".js"):
            assert "javascript" in (res.mimetype or ""), (asset, res.mimetype)


def test_every_module_import_resolves() -> None:
    modules = sorted(STATIC.rglob("*.js"))
    assert modules
    broken = [f"{path.relative_to(STATIC)} -> {spec}"
              for path in modules for spec in IMPORT.findall(path.read_text())
              if not (path.parent / spec).resolve().is_file()]
    assert broken == []


SETTINGS_PATHS = ["/app/settings/whatsapp", "/app/settings/team", "/app/settings/llm",
                  "/app/settings/labels", "/app/settings/audit", "/app/settings/tenant",
                  "/app/profile", "/app/settings/workflows/new", "/app/settings/workflows/7"]


@pytest.mark.parametrize("path", SETTINGS_PATHS)
def test_settings_screens_are_csp_clean_and_need_a_session(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    client.set_cookie("access_token_cookie", "x")
    r = client.get(path)
    assert r.status_code == 200
    audit = _Audit()
    audit.feed(r.get_data(as_text=True))
    assert audit.inline == []
    for asset in audit.assets:
        assert client.get(asset).status_code == 200, asset
    assert 'id="settings-menu"' in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/app/nowhere", "/app/settings/nothing", "/app/a/b/c",
                                  "/app/conversations/abc"])
def test_unknown_app_paths_are_the_apps_not_found_page(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 302  # no session: sign in first
    client.set_cookie("access_token_cookie", "x")
    r = client.get(path)
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "This page does not exist" in body and f"<code>{path}</code>" in body
    assert client.get("/api/v1/nowhere").mimetype == "application/json"  # the API keeps JSON
    assert client.get("/app/settings").headers["Location"] == "/app/settings/whatsapp"


def test_llm_screen_links_the_analytics_app(client: FlaskClient,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client.set_cookie("access_token_cookie", "x")
    monkeypatch.delenv("ANALYTICS_URL", raising=False)
    monkeypatch.setenv("STREAMLIT_PORT", "8599")
    body = client.get("/app/settings/llm").get_data(as_text=True)
    assert 'href="http://localhost:8599/"' in body
    monkeypatch.setenv("ANALYTICS_URL", "https://analytics.example.com/")
    body = client.get("/app/settings/llm").get_data(as_text=True)
    assert 'href="https://analytics.example.com/"' in body
