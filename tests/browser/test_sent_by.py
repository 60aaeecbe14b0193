"""Outgoing bubbles and previews name who sent them (issue 13): a teammate's reply shows the
teammate's name, a message typed on the paired phone shows "Phone", and your own stay "You"."""

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
from tests.factories import add_member

pytestmark = pytest.mark.browser
CHAT = "5511977776666@s.whatsapp.net"


def test_bubbles_and_preview_name_the_sender(page: Page, errors: ConsoleWatch,
                                             live_server: LiveServer, tenant: Tenant) -> None:
    client = live_server.app.test_client()
    teammate = add_member(client, tenant.owner, "member")
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("SB-1", "Where is my parcel?", chat=CHAT, name="Rita Dias",
                at=now - timedelta(minutes=3)),
        message("SB-2", "Checking from my phone", chat=CHAT, name="Team", from_me=True,
                sender="15550100001@s.whatsapp.net", at=now - timedelta(minutes=2)),
    ])
    conv = client.get("/api/v1/conversations", headers=tenant.owner.headers).get_json()["data"][0]
    r = client.post("/api/v1/messages/reply", headers=teammate.headers,
                    json={"conversation_id": conv["id"], "text": "It arrives tomorrow"})
    assert r.status_code == 202, r.get_json()

    sign_in(page, live_server, tenant)
    row = page.locator(".conv-item", has_text="Rita Dias")
    expect(row.locator(".conv-preview")).to_have_text("Member Person: It arrives tomorrow")
    row.click()
    outgoing = page.locator(".msg-out")
    expect(outgoing).to_have_count(2)
    for n, name in enumerate(("Phone", "Member Person")):
        expect(outgoing.nth(n).locator(".msg-sender")).to_have_text(name)
        expect(outgoing.nth(n).locator(".msg-sender")).to_be_visible()

    box = page.get_by_label("Reply", exact=True)
    box.fill("And I will call you")
    box.press("Enter")
    expect(outgoing).to_have_count(3)
    mine = outgoing.nth(2)
    expect(mine.locator(".msg-sender")).to_have_count(0)
    expect(outgoing.nth(1).locator(".msg-sender")).to_be_visible()  # still named after mine
    expect(mine.locator(".sr-only")).to_have_text("You:")
    expect(row.locator(".conv-preview")).to_have_text("You: And I will call you")
    page.screenshot(path="/tmp/sent-by.png")
