"""Labels from the conversation screen: create and apply a label on a conversation and on a
message, see the chips, filter the list by clicking one, and keep that filter across a reload
(it lives in the URL)."""

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


def test_label_conversation_and_message_and_keep_the_filter(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("LB-1", "The invoice is attached", chat="5511955554444@s.whatsapp.net",
                name="Caio Nunes", at=now - timedelta(minutes=2)),
        message("LB-2", "Hello there", chat="5511955553333@s.whatsapp.net", name="Bia Reis",
                at=now - timedelta(minutes=1)),
    ])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Caio Nunes").click()

    # The conversation's label menu creates "Billing" and puts it on the conversation.
    page.get_by_role("button", name="Labels", exact=True).click()
    menu = page.get_by_role("dialog", name="Labels on this conversation")
    menu.get_by_label("Find or create a label").fill("Billing")
    menu.get_by_role("button", name="Create “Billing”").click()
    expect(menu.get_by_label("Billing")).to_be_checked()
    expect(page.locator("#thread-sub .chip-label")).to_have_text("Billing")
    expect(page.locator(".conv-item", has_text="Caio Nunes").locator(".chip-label")).to_have_text(
        "Billing")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)

    # The message's own menu puts the same label on that message.
    bubble = page.locator(".msg-in", has_text="The invoice is attached")
    bubble.hover()
    bubble.get_by_role("button", name=re.compile("Labels of this message")).click()
    msg_menu = page.get_by_role("dialog", name="Labels on this message")
    msg_menu.get_by_label("Billing").check()
    expect(page.locator(".msg-in .msg-labels .chip-label")).to_have_text("Billing")
    page.screenshot(path="/tmp/labels-ui.png")
    page.keyboard.press("Escape")

    # A click on the header chip filters the list; the URL keeps it across a reload.
    page.locator("#thread-sub .chip-label", has_text="Billing").click()
    expect(page.locator(".conv-item")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]label=\d+"))
    page.reload()
    expect(page.locator(".chip-label-filter")).to_have_text("Label: Billing ×")
    expect(page.locator(".conv-item")).to_have_count(1)
    expect(page.locator(".conv-item")).to_contain_text("Caio Nunes")
    page.locator(".chip-label-filter").click()
    expect(page.locator(".conv-item")).to_have_count(2)
    expect(page).not_to_have_url(re.compile(r"label="))

    # A viewer sees the chips but gets no label buttons.
    viewer = tenant.invite(live_server, "viewer")
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = errors.watch(context.new_page())
    sign_in(other, live_server, viewer)
    other.locator(".conv-item", has_text="Caio Nunes").click()
    expect(other.locator(".msg-in .chip-label")).to_have_text("Billing")
    expect(other.get_by_role("button", name="Labels", exact=True)).to_be_hidden()
    expect(other.locator(".label-menu-button")).to_have_count(1)  # the hidden header one only
    context.close()
