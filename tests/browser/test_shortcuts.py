"""Keyboard shortcuts on the conversation screen: j/k move through the list, r goes to the
reply box (a "j" typed there stays text), a assigns to me, e resolves, s opens the snooze menu,
? shows the sheet; a viewer's sheet lists no write shortcuts."""

from __future__ import annotations

import re
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


def test_keyboard_shortcuts(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                            tenant: Tenant) -> None:
    now = datetime.now(UTC)
    names = ["Ana Lima", "Bruno Melo", "Carla Dias"]
    ingest_records(live_server, tenant, [
        message(f"KB-{i}", f"Hello from {name}", chat=f"55119444400{i:02d}@s.whatsapp.net",
                name=name, at=now - timedelta(minutes=10 - i))
        for i, name in enumerate(names)])
    sign_in(page, live_server, tenant)
    expect(page.locator(".conv-item")).to_have_count(3)
    page.locator("#main").focus()

    page.keyboard.press("j")  # nothing open: the first (newest) conversation
    expect(page.locator("#thread-name")).to_have_text("Carla Dias")
    page.keyboard.press("j")
    expect(page.locator("#thread-name")).to_have_text("Bruno Melo")
    page.keyboard.press("k")
    expect(page.locator("#thread-name")).to_have_text("Carla Dias")

    page.keyboard.press("r")
    box = page.get_by_label("Reply", exact=True)
    expect(box).to_be_focused()
    page.keyboard.type("just")
    expect(box).to_have_value("just")
    expect(page.locator("#thread-name")).to_have_text("Carla Dias")  # "j" was text
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()

    page.keyboard.press("a")
    expect(page.locator("#thread-assignee option:checked")).to_have_text(
        re.compile("Olivia Owner"))
    page.keyboard.press("e")
    expect(page.locator("#thread-status")).to_have_value("resolved")
    page.keyboard.press("s")
    expect(page.locator("#snooze-menu")).to_be_visible()
    page.keyboard.press("Escape")

    page.locator("#main").focus()
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("Assign to me")
    page.screenshot(path="/tmp/shortcuts.png")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    viewer = tenant.invite(live_server, "viewer")
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = errors.watch(context.new_page())
    sign_in(other, live_server, viewer)
    other.locator("#main").focus()
    other.keyboard.press("?")
    viewer_sheet = other.get_by_role("dialog", name="Keyboard shortcuts")
    expect(viewer_sheet).to_contain_text("Next conversation")
    expect(viewer_sheet).not_to_contain_text("Assign to me")
    expect(viewer_sheet).not_to_contain_text("Reply")
    context.close()
