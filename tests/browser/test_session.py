"""Session upkeep in the browser: expired access cookies are refreshed once for all tabs
(refresh tokens are single-use, and a reused one signs the whole session out)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, serve, sign_in

pytestmark = pytest.mark.browser
ACCESS_TTL_S = 3


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[LiveServer]:
    """This module's app hands out access tokens that expire within seconds."""
    yield from serve(database_url, tmp_path_factory.mktemp("home"),
                     access_token_ttl_s=ACCESS_TTL_S)


def test_two_tabs_refresh_an_expired_session_once(
    page: Page, context: BrowserContext, errors: ConsoleWatch, live_server: LiveServer,
    tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(401)  # the expired-token answers that trigger the refresh
    refreshes: list[str] = []

    def slow_refresh(route: Route) -> None:
        # Hold each refresh a moment so the two tabs' attempts overlap for sure.
        refreshes.append(route.request.url)
        time.sleep(0.3)
        route.continue_()

    context.route(re.compile(r"/api/v1/auth/refresh$"), slow_refresh)
    sign_in(page, live_server, tenant)
    other = errors.watch(context.new_page())
    other.goto(live_server.url + "/app/conversations")
    expect(other.locator("#conv-list-state")).to_contain_text("No conversations yet")

    page.wait_for_timeout((ACCESS_TTL_S + 1) * 1000)
    for tab in (page, other):
        tab.get_by_role("button", name="Unread").click()
    for tab in (page, other):
        expect(tab.get_by_role("button", name="Unread")).to_have_attribute("aria-pressed", "true")
        expect(tab.locator("#conv-list-state")).to_contain_text("No conversations match")
        expect(tab).to_have_url(re.compile(r"/app/conversations\?unread=1$"))
    assert refreshes  # the expired access cookie was refreshed (and not reused: still signed in)

    # The session survived: a fresh page load works without signing in again.
    other.reload()
    expect(other).to_have_url(re.compile(r"/app/conversations"))
    expect(other.locator("#user-name")).to_have_text("Olivia Owner")
