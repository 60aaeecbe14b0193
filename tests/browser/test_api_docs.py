"""The API reference at /api/v1/docs: vendored Redoc renders the OpenAPI document under the
site's CSP (its run-time styles carry the response's nonce), with no console error and no CSP
violation, and nothing is loaded from another origin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleWatch, LiveServer

pytestmark = pytest.mark.browser

VIOLATIONS = """() => new Promise((resolve) => {
  window.__csp = window.__csp || [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
  resolve(true);
})"""


def test_the_reference_renders_under_the_csp(page: Page, errors: ConsoleWatch,
                                             live_server: LiveServer) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.add_init_script(f"({VIOLATIONS})()")
    resp = page.goto(live_server.url + "/api/v1/docs")
    assert resp is not None and resp.status == 200
    csp = resp.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and "script-src 'self';" in csp and "unsafe-inline" not in csp
    # Redoc has rendered the document: the title, an operation and the realtime protocol.
    expect(page.get_by_role("heading", name=re.compile("MessageFlow API"))).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Sign in with email and password").first).to_be_attached()
    expect(page.get_by_text("WebSocketServerFrame").first).to_be_attached()
    styles = page.evaluate("() => [...document.querySelectorAll('style')]"
                           ".map(s => s.nonce || s.getAttribute('nonce') || '')")
    assert nonce.group(1) in styles, styles  # Redoc's styles carry this response's nonce
    assert page.evaluate("() => window.__csp") == []
    others = [u for u in requested if not u.startswith((live_server.url, "data:", "blob:"))]
    assert others == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path="/tmp/api-docs-1280.png")
    page.goto(live_server.url + "/api/v1/docs#tag/realtime")
    expect(page.get_by_text("Close codes").first).to_be_visible(timeout=60_000)
    page.screenshot(path="/tmp/api-docs-realtime.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/api-docs-390.png")


def test_a_second_load_gets_another_nonce(page: Page, live_server: LiveServer) -> None:
    first = page.request.get(live_server.url + "/api/v1/docs")
    second = page.request.get(live_server.url + "/api/v1/docs")
    assert first.headers["content-security-policy"] != second.headers["content-security-policy"]
    assert "redoc-2.5.4/redoc.standalone.js" in first.text()
    assert page.request.get(
        live_server.url + "/static/vendor/redoc-2.5.4/redoc.standalone.js").ok


