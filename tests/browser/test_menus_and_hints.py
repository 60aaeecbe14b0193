"""Small things a newcomer noticed (issue 10, 4.7): on a Sunday the snooze menu offers Monday
09:00 once, not as both "Tomorrow" and "Next Monday"; a viewer's disabled composer shows no
keyboard hint about sending."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
VIEWER_ZONE = ZoneInfo("America/Sao_Paulo")  # conftest's browser_context_args


def next_weekday_at(weekday: int, hour: int) -> datetime:
    """The next `weekday` (Monday 0) at `hour`:00 in the viewer's zone, at least a day ahead
    (the server refuses a snooze time in the past, so the page's clock runs ahead of it)."""
    now = datetime.now(VIEWER_ZONE)
    days = (weekday - now.weekday()) % 7 or 7
    day = (now + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIEWER_ZONE)


def open_snooze_menu(page: Page, live_server: LiveServer, tenant: Tenant) -> None:
    """Sign in, open the conversation, choose Snoozed."""
    ingest_records(live_server, tenant, [message("M-1", "Can you call me on Monday?")])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page).to_have_url(re.compile(r"/app/conversations/\d+$"))
    page.get_by_label("Conversation status").select_option("snoozed")


def test_sunday_offers_monday_morning_once(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    sunday = next_weekday_at(6, 15)
    page.clock.set_fixed_time(sunday)
    open_snooze_menu(page, live_server, tenant)
    menu = page.get_by_role("group", name="Snooze until")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("button", name="Tomorrow 09:00")).to_be_visible()
    expect(menu.get_by_role("button", name="Next Monday 09:00")).to_be_hidden()
    visible = [t.strip() for t in menu.locator(".snooze-option:visible").all_inner_texts()]
    whens = [t for t in visible if "09:00" in t]
    assert len(whens) == 1, visible
    # The arrow keys walk only the offered choices.
    expect(menu.get_by_role("button", name="1 hour")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("button", name="Tomorrow 09:00")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("button", name="Until they reply")).to_be_focused()
    # The one choice is Monday 09:00 in the viewer's zone.
    page.keyboard.press("ArrowUp")
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        page.keyboard.press("Enter")
    body = sent.value.post_data_json
    assert isinstance(body, dict)
    until = datetime.fromisoformat(body["snoozed_until"].replace("Z", "+00:00"))
    assert until.astimezone(VIEWER_ZONE) == sunday.replace(hour=9) + timedelta(days=1)


def test_a_weekday_offers_both_mornings(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.clock.set_fixed_time(next_weekday_at(2, 15))  # a Wednesday
    open_snooze_menu(page, live_server, tenant)
    menu = page.get_by_role("group", name="Snooze until")
    for choice in ("1 hour", "Tomorrow 09:00", "Next Monday 09:00", "Until they reply"):
        expect(menu.get_by_role("button", name=choice)).to_be_visible()


def test_the_keyboard_hint_is_only_for_those_who_can_send(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    ingest_records(live_server, tenant, [message("H-1", "Hello?")])
    viewer = tenant.invite(live_server, "viewer")
    sign_in(page, live_server, viewer)
    page.locator(".conv-item", has_text="Ana Souza").click()
    box = page.get_by_label("Reply", exact=True)
    expect(box).to_be_disabled()
    expect(page.get_by_text("Enter to send")).to_be_hidden()
    assert box.get_attribute("aria-describedby") is None

    # Leave the page first: a live page whose cookies vanish under it fails its next call.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, live_server, tenant)  # the owner may send: the hint is there
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page.get_by_label("Reply", exact=True)).to_be_enabled()
    expect(page.get_by_text("Enter to send")).to_be_visible()
