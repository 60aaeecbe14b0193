"""The contact panel: two customers with the same name are told apart in the list by their
numbers; the panel shows the number and WhatsApp ids, a member saves a name, notes, a custom
field and a label (the chat is retitled live), and the contact's other conversation is one
click away. A viewer sees the panel read-only."""

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
ONE, TWO = "5511933331111@s.whatsapp.net", "5511933332222@s.whatsapp.net"
GROUP = "120363000000000077@g.us"


def test_contact_panel(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                       tenant: Tenant) -> None:
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("CP-1", "My order is late", chat=ONE, name="Maria Silva",
                at=now - timedelta(minutes=5)),
        message("CP-2", "Hi, question about billing", chat=TWO, name="Maria Silva",
                at=now - timedelta(minutes=4)),
        message("CP-3", "Team, the truck arrived", chat=GROUP, sender=ONE, name="Maria Silva",
                at=now - timedelta(minutes=3), chat_name="Deliveries North"),
    ])
    client = live_server.app.test_client()
    client.post("/api/v1/labels", headers=tenant.owner.headers, json={"name": "Wholesale"})
    sign_in(page, live_server, tenant)

    first = page.locator(".conv-item", has_text="My order is late")
    second = page.locator(".conv-item", has_text="question about billing")
    expect(first.locator(".conv-sub")).to_have_text("+5511933331111")
    expect(second.locator(".conv-sub")).to_have_text("+5511933332222")

    first.click()
    page.get_by_role("button", name="Details").click()
    panel = page.get_by_role("complementary", name="Conversation details")
    expect(panel.locator("#contact-name")).to_have_text("Maria Silva")
    expect(panel).to_contain_text(ONE)
    expect(panel.locator(".contact-convs")).to_contain_text("Deliveries North")  # her group

    panel.get_by_role("button", name="Edit contact").click()
    panel.get_by_label("Saved name").fill("Maria Silva (Recife)")
    panel.get_by_label("Notes").fill("Wholesale buyer, calls before 10h")
    panel.get_by_role("button", name="+ Add field").click()
    panel.get_by_label("Field name").fill("plan")
    panel.get_by_label("Field value").fill("Gold")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#contact-name")).to_have_text("Maria Silva (Recife)")
    expect(panel.locator(".contact-notes")).to_have_text("Wholesale buyer, calls before 10h")
    expect(panel.locator(".contact-facts", has_text="plan")).to_contain_text("Gold")
    # The chat is retitled live, and the two are no longer namesakes.
    expect(page.locator("#thread-name")).to_have_text("Maria Silva (Recife)")
    expect(first.locator(".conv-title")).to_have_text("Maria Silva (Recife)")
    expect(second.locator(".conv-sub")).to_be_hidden()

    panel.get_by_role("button", name="Labels").click()
    page.get_by_role("dialog", name="Labels on this contact").get_by_label("Wholesale").check()
    expect(panel.locator(".contact-labels .chip-label")).to_have_text("Wholesale")
    page.keyboard.press("Escape")
    page.screenshot(path="/tmp/contact-panel.png")

    panel.locator(".contact-convs a").first.click()
    expect(page).to_have_url(re.compile(r"/app/conversations/\d+$"))
    expect(page.locator("#thread-name")).to_have_text("Deliveries North")
    expect(panel).to_contain_text("Group chat")

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/contact-panel-phone.png")
    page.set_viewport_size({"width": 1280, "height": 800})

    viewer = tenant.invite(live_server, "viewer")
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = errors.watch(context.new_page())
    sign_in(other, live_server, viewer)
    other.locator(".conv-item", has_text="My order is late").click()
    other.get_by_role("button", name="Details").click()
    other_panel = other.get_by_role("complementary", name="Conversation details")
    expect(other_panel.locator(".contact-notes")).to_have_text("Wholesale buyer, calls before 10h")
    expect(other_panel.get_by_role("button", name="Edit contact")).to_have_count(0)
    context.close()
