"""Private notes: written from the composer's note mode (or the "n" key), shown in the thread in
their own style among the messages, live in a teammate's browser, never sent; a mention
notifies the teammate; the author deletes theirs."""

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
CHAT = "5511922221111@s.whatsapp.net"


def test_private_notes(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                       tenant: Tenant) -> None:
    ingest_records(live_server, tenant, [
        message("NT-1", "I was charged twice", chat=CHAT, name="Lia Castro",
                at=datetime.now(UTC) - timedelta(minutes=1))])
    teammate = tenant.invite(live_server, "member")
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Lia Castro").click()

    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    other = errors.watch(context.new_page())
    sign_in(other, live_server, teammate)
    other.locator(".conv-item", has_text="Lia Castro").click()

    page.locator("#main").focus()
    page.keyboard.press("n")
    box = page.get_by_label("Private note", exact=True)
    expect(box).to_be_focused()
    expect(page.locator("#composer")).to_have_class("composer note-mode")
    box.fill(f"Refund approved, @{teammate.email} please confirm with her")
    box.press("Enter")

    for tab in (page, other):
        note = tab.locator(".msg-note")
        expect(note).to_have_count(1)
        expect(note.locator(".note-tag")).to_have_text("Private note")
        expect(note.locator(".mention")).to_have_text(f"@{teammate.email}")
    expect(page.locator(".msg-out")).to_have_count(0)  # nothing goes to WhatsApp
    page.screenshot(path="/tmp/notes.png")

    client = live_server.app.test_client()
    login = client.post("/api/v1/auth/login",
                        json={"email": teammate.email, "password": teammate.password})
    token = login.get_json()["access_token"]
    inbox = client.get("/api/v1/notifications",
                       headers={"Authorization": f"Bearer {token}"}).get_json()["data"]
    assert [n["kind"] for n in inbox] == ["mention"]

    # The teammate cannot delete the owner's note (no button); the author can.
    expect(other.locator(".msg-note .note-delete")).to_have_count(0)
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(".msg-note .note-delete").click()
    for tab in (page, other):
        expect(tab.locator(".msg-note")).to_have_count(0)

    # Back to replying: the box sends to WhatsApp again.
    page.get_by_role("button", name="Reply", exact=True).click()
    reply = page.get_by_label("Reply", exact=True)
    reply.fill("We have refunded you")
    reply.press("Enter")
    expect(page.locator(".msg-out")).to_have_count(1)
    context.close()
