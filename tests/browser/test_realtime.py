"""Live feed resilience in the browser: a dropped WebSocket reconnects with ?since=<last event
id> and the messages that arrived meanwhile show up; older history loads on scroll back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
    wait_until,
)

pytestmark = pytest.mark.browser
WS = re.compile(r"/api/v1/ws(\?.*)?$")


class SocketGate:
    """Routes the page's WebSockets: proxied to the server while open, held silent while shut."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.routes: list[WebSocketRoute] = []
        self.shut = False

    def handle(self, ws: WebSocketRoute) -> None:
        """Called for every socket the page opens."""
        self.urls.append(ws.url)
        self.routes.append(ws)
        if not self.shut:
            ws.connect_to_server()

    def drop(self) -> None:
        """Close the page's current socket (as a network blip would)."""
        self.routes[-1].close(code=1011, reason="test drop")


def test_reconnect_catches_up_with_since(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    gate = SocketGate()
    page.route_web_socket(WS, gate.handle)
    ingest_records(live_server, tenant, [message("RC-1", "First message")])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page.locator(".msg-in")).to_have_count(1)
    ingest_records(live_server, tenant, [message("RC-2", "Second, seen live")])
    expect(page.locator(".msg-in")).to_have_count(2)

    # The socket drops; the reconnect is held (the page believes it is connected but hears
    # nothing) while a message arrives, then let through.
    gate.shut = True
    connections = len(gate.urls)
    gate.drop()
    wait_until(page, lambda: len(gate.urls) > connections)
    ingest_records(live_server, tenant, [message("RC-3", "Third, sent while away")])
    page.wait_for_timeout(500)
    expect(page.locator(".msg-in")).to_have_count(2)

    gate.shut = False
    connections = len(gate.urls)
    gate.drop()
    expect(page.locator(".msg-in").last).to_have_text(re.compile("Third, sent while away"))
    assert len(gate.urls) > connections
    assert re.search(r"\?since=\d+$", gate.urls[-1]), gate.urls
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    expect(page.locator(".msg-in")).to_have_count(3)


def test_scrolling_back_loads_older_pages(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    history = [message(f"H-{i:03d}", f"History message {i}", at=start + timedelta(minutes=7 * i))
               for i in range(130)]
    ingest_records(live_server, tenant, history)
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page.locator(".msg-in").last).to_contain_text("History message 129")
    expect(page.locator(".msg")).to_have_count(50)
    scroller = page.locator("#thread-scroll")
    for expected in (100, 130):
        scroller.evaluate("el => { el.scrollTop = 0; }")
        expect(page.locator(".msg")).to_have_count(expected)
    expect(page.locator("#thread-top")).to_have_text("This is the beginning of the conversation.")
    expect(page.locator(".msg-in").first).to_contain_text("History message 0")
    zone = ZoneInfo("America/Sao_Paulo")  # the browser's zone (conftest)
    days = {(start + timedelta(minutes=7 * i)).astimezone(zone).date() for i in range(130)}
    expect(page.locator(".day-sep")).to_have_count(len(days))
