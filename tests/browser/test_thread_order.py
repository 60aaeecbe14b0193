"""The thread shows messages in WhatsApp time order, not arrival order: history that arrives
after newer messages stays above them, a late live message lands in its place (not at the
bottom), and one older than every loaded message waits for the page it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)

pytestmark = pytest.mark.browser


def bubbles(page: Page) -> list[tuple[datetime, str]]:
    """(time, text) of every message bubble, in DOM order."""
    rows = page.locator("#messages .msg").evaluate_all(
        "els => els.map(e => [e.querySelector('time').getAttribute('datetime'),"
        " e.querySelector('.msg-text').textContent])")
    return [(datetime.fromisoformat(at.replace("Z", "+00:00")), text) for at, text in rows]


def texts(page: Page) -> list[str]:
    """The bubbles' texts, in DOM order."""
    return [text for _, text in bubbles(page)]


def assert_in_time_order(page: Page) -> None:
    """The DOM order is the time order."""
    times = [at for at, _ in bubbles(page)]
    assert times == sorted(times), texts(page)


def test_thread_orders_by_whatsapp_time(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=3)
    # Five recent messages, then a history sync brings 60 older ones (stored after them).
    ingest_records(live_server, tenant, [
        message(f"LIVE-{i}", f"Live {i}", at=now - timedelta(minutes=60 - 10 * i))
        for i in range(1, 6)])
    ingest_records(live_server, tenant, [
        message(f"HIST-{i:02d}", f"History {i}", at=start + timedelta(minutes=5 * i))
        for i in range(60)])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Ana Souza").click()

    # The first page is the newest 50 by time: the live messages at the bottom.
    expect(page.locator("#messages .msg")).to_have_count(50)
    expect(page.locator("#messages .msg").last).to_contain_text("Live 5")
    assert texts(page)[:2] == ["History 15", "History 16"]
    assert_in_time_order(page)

    # The reader scrolls up a little; a late message between Live 3 and Live 4 arrives.
    scroller = page.locator("#thread-scroll")
    scroller.evaluate("el => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; }")
    ingest_records(live_server, tenant, [
        message("LATE-1", "Late, between 3 and 4", at=now - timedelta(minutes=25))])
    expect(page.locator("#messages .msg")).to_have_count(51)
    assert texts(page)[-3:] == ["Late, between 3 and 4", "Live 4", "Live 5"]
    assert_in_time_order(page)
    expect(page.locator("#jump-latest")).to_be_hidden()  # nothing new below

    # One older than everything loaded (between History 2 and 3, not loaded yet), then a new
    # one: only the new one shows now, and it alone counts as new.
    ingest_records(live_server, tenant, [
        message("LATE-2", "Very late, between 2 and 3",
                at=start + timedelta(minutes=12, seconds=30))])
    ingest_records(live_server, tenant, [message("NEW-1", "Brand new", at=now)])
    expect(page.locator("#messages .msg").last).to_contain_text("Brand new")
    expect(page.locator("#jump-latest")).to_have_text("1 new message ↓")
    assert "Very late, between 2 and 3" not in texts(page)
    assert_in_time_order(page)

    # Scrolling back brings the rest of the history, the very late one in its place.
    for _ in range(5):
        scroller.evaluate("el => { el.scrollTop = 0; }")
        if page.locator("#messages .msg").count() == 68:
            break
        page.wait_for_timeout(300)
    expect(page.locator("#messages .msg")).to_have_count(68)
    expect(page.locator("#thread-top")).to_have_text("This is the beginning of the conversation.")
    order = texts(page)
    assert order[:5] == ["History 0", "History 1", "History 2", "Very late, between 2 and 3",
                         "History 3"]
    assert order[-5:] == ["Live 3", "Late, between 3 and 4", "Live 4", "Live 5", "Brand new"]
    assert_in_time_order(page)
