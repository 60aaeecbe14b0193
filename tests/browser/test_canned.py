"""Saved replies: a manager writes one on its screen (an unknown variable is refused with the
reason), an agent types "/" in a conversation, picks it with the keyboard, and the variables are
filled in for that contact before it is sent; a viewer sees the library read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)

pytestmark = pytest.mark.browser
CHAT = "5511966665555@s.whatsapp.net"


def test_write_a_saved_reply_and_insert_it_with_slash(
    page: Page, browser: Browser, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    ingest_records(live_server, tenant, [
        message("CR-1", "Do you deliver on Sundays?", chat=CHAT, name="Joana Prado",
                at=datetime.now(UTC))])
    sign_in(page, live_server, tenant)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("menuitem", name="Saved replies").click()
    expect(page).to_have_url(re.compile(r"/app/settings/saved-replies$"))
    expect(page.locator(".canned-empty-state")).to_contain_text("No saved replies yet")

    page.get_by_role("button", name="New saved reply").click()
    page.get_by_label("Shortcut").fill("Sunday")
    page.get_by_label("Title").fill("Sunday deliveries")
    page.get_by_label("Text").fill("Hi {{contact.nickname}}")
    errors.allowed_statuses.add(400)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#canned-error")).to_contain_text("Unknown variable {{contact.nickname}}")

    body = page.get_by_label("Text")
    body.fill("Hi ")
    page.get_by_role("button", name="{{contact.first_name}}").click()
    body.press("End")
    body.type(", we deliver on Sundays from 10h. {{agent.first_name}}")
    page.get_by_role("button", name="Save", exact=True).click()
    item = page.locator(".canned-item", has_text="/sunday")
    expect(item).to_contain_text("Sunday deliveries")
    expect(item.locator(".canned-text")).to_have_text(
        "Hi {{contact.first_name}}, we deliver on Sundays from 10h. {{agent.first_name}}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/canned-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path="/tmp/canned.png")

    # In the conversation: "/" opens the list, typing filters, Enter inserts the filled text.
    page.get_by_role("link", name="Conversations").click()
    page.locator(".conv-item", has_text="Joana Prado").click()
    box = page.get_by_label("Reply", exact=True)
    box.type("/")
    options = page.locator("#canned-list [role=option]")
    expect(options).to_have_count(1)
    box.type("sun")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.screenshot(path="/tmp/canned-picker.png")
    box.press("Enter")
    expect(box).to_have_value("Hi Joana, we deliver on Sundays from 10h. Olivia")
    expect(page.locator("#canned-list")).to_be_hidden()
    expect(page.locator(".msg-out")).to_have_count(0)  # inserted, not sent
    box.press("Enter")
    expect(page.locator(".msg-out .msg-text")).to_have_text(
        "Hi Joana, we deliver on Sundays from 10h. Olivia")

    # "/" with no match says so; Esc closes the list and leaves the text.
    box.type("/zzz")
    expect(page.locator("#canned-list")).to_contain_text("No saved reply matches")
    box.press("Escape")
    expect(page.locator("#canned-list")).to_be_hidden()
    expect(box).to_have_value("/zzz")

    # A viewer sees the library but no controls.
    viewer = tenant.invite(live_server, "viewer")
    other = errors.watch(browser.new_context(viewport={"width": 1280, "height": 800}).new_page())
    sign_in(other, live_server, viewer)
    other.get_by_role("button", name="Settings").click()
    other.get_by_role("menuitem", name="Saved replies").click()
    expect(other.locator(".canned-item", has_text="/sunday")).to_be_visible()
    expect(other.get_by_role("button", name="New saved reply")).to_be_hidden()
    expect(other.get_by_role("button", name="Edit /sunday")).to_have_count(0)
    expect(other.locator("#canned-readonly")).to_be_visible()
