"""Profile pictures in the conversation screen: when the gateway stores a contact's picture
the list shows it live (conversation.updated), the thread header and the contact panel show it
too; a contact without one keeps the initials (and the page never asks for a missing one)."""

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
from webapp.contacts import pictures
from webapp.media import samples
from webapp.media import service as media_service

pytestmark = pytest.mark.browser
RITA = "5511955551111@s.whatsapp.net"
OTTO = "5511955552222@s.whatsapp.net"


def test_the_gateways_picture_shows_live_with_initials_as_fallback(
        page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant) -> None:
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("AV-1", "The scanner is offline", chat=RITA, name="Rita Alves",
                at=now - timedelta(minutes=3)),
        message("AV-2", "Invoice please", chat=OTTO, name="Otto Berg",
                at=now - timedelta(minutes=2)),
    ])
    db = live_server.db
    with db.tenant(tenant.id) as conn:
        row = conn.execute("select device_id from conversations limit 1").fetchone()
    assert row is not None
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    rita = page.locator(".conv-item", has_text="Rita Alves")
    otto = page.locator(".conv-item", has_text="Otto Berg")
    expect(rita.locator(".avatar")).to_have_text("RA")
    expect(rita.locator(".avatar img")).to_have_count(0)

    store = media_service.store(live_server.app.extensions["mf_settings"])
    photo = samples.avatar("Rita Alves")
    checked = pictures.refresh_due(  # the gateway's pass: Rita has a picture, Otto none
        db, store, tenant.id, row["device_id"],
        lambda jid: photo if jid == RITA else None)
    assert checked == 2
    img = rita.locator(".avatar img")
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 64",
                           arg=img.element_handle())
    expect(otto.locator(".avatar")).to_have_text("OB")
    expect(otto.locator(".avatar img")).to_have_count(0)

    rita.click()
    expect(page.locator("#thread-avatar img")).to_be_visible()
    page.get_by_role("button", name="Details").click()
    panel = page.get_by_role("complementary", name="Conversation details")
    expect(panel.locator(".contact-head .avatar img")).to_be_visible()
    page.screenshot(path="/tmp/avatars-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/avatars-390.png")
