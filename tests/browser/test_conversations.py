"""The Conversations screen end to end: sign in, live messages in two tabs, a quoted reply that
goes from queued to sent through the outbox, and no browser errors along the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)
from tests.browser.outbox import OutboxDriver
from webapp.messaging.simulator import generate

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/dashboard.png"


def marta(wa_id: str, text: str) -> dict[str, Any]:
    """A message from a customer the simulator does not know."""
    return message(wa_id, text, chat="5511988887777@s.whatsapp.net", name="Marta Lima")


def test_live_message_reply_and_second_tab(
    page: Page, context: BrowserContext, errors: ConsoleWatch, live_server: LiveServer,
    tenant: Tenant, outbox: OutboxDriver,
) -> None:
    # A desk with some history (the simulator's traffic), then a new customer writes in.
    ingest_records(live_server, tenant, list(generate(
        11, start=datetime.now(UTC) - timedelta(hours=3), count=60, rate_per_s=0.01)))
    sign_in(page, live_server, tenant)
    other = errors.watch(context.new_page())
    other.goto(live_server.url + "/app/conversations")
    expect(other.locator("#live-status")).to_have_attribute("data-state", "open")

    # A message arrives: both tabs show the new conversation with an unread badge, no reload.
    ingest_records(live_server, tenant, [marta("IN-1", "Hi! Is the office open on Saturday?")])
    for tab in (page, other):
        row = tab.locator(".conv-item").first  # newest activity first
        expect(row.locator(".conv-title")).to_have_text("Marta Lima")
        expect(row.locator(".badge")).to_have_text("1")
        expect(row.locator(".conv-preview")).to_have_text("Hi! Is the office open on Saturday?")

    page.locator(".conv-item", has_text="Marta Lima").click()
    expect(page).to_have_url(re.compile(r"/app/conversations/\d+$"))
    expect(page.locator(".msg-in")).to_have_count(1)
    # Read in tab 1, and tab 2 hears of it.
    expect(other.locator(".conv-item", has_text="Marta Lima").locator(".badge")).to_have_count(0)

    # A second message appears live in the open thread, is announced, and reaches tab 2.
    ingest_records(live_server, tenant, [marta("IN-2", "And can you send invoice INV-2026-001?")])
    expect(page.locator(".msg-in").last).to_contain_text("INV-2026-001")
    expect(page.locator("#announcer")).to_contain_text("New message from Marta Lima")
    expect(other.locator(".conv-item").first.locator(".conv-preview")).to_contain_text(
        "INV-2026-001")
    # ...and since tab 1 is looking at it, it is read at once (no badge in either tab).
    for tab in (page, other):
        expect(tab.locator(".conv-item", has_text="Marta Lima").locator(".badge")).to_have_count(0)

    # Quote it and reply: Shift+Enter adds a line, Enter sends; the bubble shows "Queued".
    page.locator(".msg-in").last.hover()
    page.get_by_role("button", name="Reply to Marta Lima").last.click()
    expect(page.locator("#composer-quote")).to_contain_text("INV-2026-001")
    box = page.get_by_label("Reply", exact=True)
    box.type("Yes, 9–13h.")
    box.press("Shift+Enter")
    box.type("Invoice follows today.")
    box.press("Enter")
    sent = page.locator(".msg-out").last
    expect(sent).to_have_attribute("data-status", "queued")
    expect(sent.locator(".msg-status")).to_contain_text("Queued")
    expect(sent.locator(".msg-quote")).to_contain_text("INV-2026-001")
    expect(sent.locator(".msg-text")).to_have_text("Yes, 9–13h.\nInvoice follows today.")
    expect(box).to_have_value("")
    expect(page.locator("#composer-quote")).to_be_hidden()

    # The gateway sends it: the status moves on in both tabs without a reload.
    outbox.start()
    expect(sent).to_have_attribute("data-status", re.compile(r"^(sent|delivered|read)$"))
    expect(sent.locator(".msg-status")).to_have_attribute(
        "title", re.compile("Sent|Delivered|Read"))
    other.locator(".conv-item", has_text="Marta Lima").click()
    expect(other.locator(".msg-out").last).to_have_attribute(
        "data-status", re.compile(r"^(sent|delivered|read)$"))
    page.screenshot(path=SCREENSHOT)


def test_wrong_password_is_refused_and_next_is_kept(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(401)
    page.goto(live_server.url + "/app/conversations?status=open")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(tenant.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/conversations\?status=open$"))
    expect(page.locator('[data-status="open"]')).to_have_attribute("aria-pressed", "true")


def test_sign_out_ends_the_session(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    sign_in(page, live_server, tenant)
    expect(page.locator("#conv-list-state")).to_contain_text("No conversations yet")
    expect(page.locator("#thread-empty")).to_contain_text("Pick a conversation")
    page.get_by_role("button", name="Settings", exact=True).click()  # sign-out is in the menu
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(live_server.url + "/app/conversations")
    expect(page).to_have_url(re.compile(r"/login\?next="))
