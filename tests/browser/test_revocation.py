"""Revocations reach an open dashboard at once: signed out elsewhere, it goes to the sign-in page;
removed from the team, it goes there and says why; after a role change it reconnects and stays."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, sign_in, wait_until

pytestmark = pytest.mark.browser
PROMPT_MS = 3000  # the server closes the socket within 2 s; the page then needs a request or two


def sign_out_elsewhere(page: Page, server: LiveServer) -> None:
    """POST /auth/logout with this browser's session cookies from another HTTP client (the
    browser keeps its cookies, as when the sign-out happens on another device)."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    req = urllib.request.Request(
        server.url + "/api/v1/auth/logout", method="POST",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                 "X-CSRF-Token": cookies["csrf_access_token"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read()) == {"status": "signed_out"}


def test_signed_out_in_another_process_the_dashboard_goes_to_sign_in(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(401)  # the refresh and the session check that find it gone
    sign_in(page, live_server, tenant)
    sign_out_elsewhere(page, live_server)
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=PROMPT_MS)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_removed_from_the_team_the_dashboard_goes_to_sign_in_and_says_why(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(401)  # a request of the screen may find the membership gone first
    member = tenant.invite(live_server, "member")
    sign_in(page, live_server, member)
    owner = live_server.app.test_client()
    r = owner.delete(f"/api/v1/members/{member.user_id}", headers=tenant.owner.headers)
    assert r.status_code == 200, r.get_json()
    expect(page).to_have_url(re.compile(r"/login\?next=.*&reason=removed$"), timeout=PROMPT_MS)
    expect(page.locator("#login-error")).to_have_text(
        "You no longer have access to that team. Sign in again to continue.")


def test_after_a_role_change_the_dashboard_reconnects_and_stays(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    member = tenant.invite(live_server, "member")
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    sign_in(page, live_server, member)
    opened = len(sockets)
    owner = live_server.app.test_client()
    r = owner.patch(f"/api/v1/members/{member.user_id}", headers=tenant.owner.headers,
                    json={"role": "viewer"})
    assert r.status_code == 200, r.get_json()
    wait_until(page, lambda: len(sockets) > opened, timeout_s=PROMPT_MS / 1000)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    expect(page).to_have_url(re.compile(r"/app/conversations"))
    assert sockets[opened - 1].is_closed()
