"""Settings > WhatsApp numbers: "Sync contacts" on a connected number asks the gateway for the
phone's address book and shows what it found when the gateway answers (live); a viewer has no
button, nor does a number that is not connected."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories as make
from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, wait_until
from webapp.whatsapp import device_requests
from webapp.whatsapp.address_book import AddressEntry

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/whatsapp"
BOOK = [AddressEntry("5511911112222@s.whatsapp.net", "Ana Souza (Loja Centro)", "Ana"),
        AddressEntry("5511933334444@s.whatsapp.net", "Bruno Lima", None)]


def test_sync_contacts_shows_the_result_live(page: Page, errors: ConsoleWatch,
                                             live_server: LiveServer, tenant: Tenant) -> None:
    db = live_server.db
    live = make.device(db, tenant.id, status="connected", name="Front desk",
                       jid="5511900000001@s.whatsapp.net")
    make.device(db, tenant.id, status="disconnected", name="Old phone",
                jid="5511900000002@s.whatsapp.net")
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    row = page.locator("#devices-body tr", has_text="Front desk")
    offline = page.locator("#devices-body tr", has_text="Old phone")
    expect(offline.locator(".device-status")).to_have_text("Disconnected")
    expect(offline.get_by_role("button", name="Sync contacts of Old phone")).to_have_count(0)

    row.get_by_role("button", name="Sync contacts of Front desk").click()
    expect(row.locator(".sync-result")).to_have_text("Syncing contacts…")
    expect(row.get_by_role("button", name="Sync contacts of Front desk")).to_be_disabled()

    # The gateway's requests loop: claim the request, read the address book, store it.
    outcomes: list[str] = []
    wait_until(page, lambda: bool(outcomes.extend(device_requests.run_due(
        db, tenant.id, live, lambda: list(BOOK))) or outcomes))
    assert outcomes == ["done"]
    expect(row.locator(".sync-result")).to_have_text(
        "Contacts synced: 2 in the address book, 0 named, 2 new.")
    expect(row.get_by_role("button", name="Sync contacts of Front desk")).to_be_enabled()
    shot(page, "whatsapp-sync-contacts-1280")
    page.set_viewport_size(PHONE)
    expect(row.locator(".sync-result")).to_be_visible()
    shot(page, "whatsapp-sync-contacts-390")
    with db.tenant(tenant.id) as conn:
        names = conn.execute("select display_name from contacts order by display_name").fetchall()
    assert [r["display_name"] for r in names] == ["Ana Souza (Loja Centro)", "Bruno Lima"]


def test_a_failed_sync_says_why(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                                tenant: Tenant) -> None:
    db = live_server.db
    live = make.device(db, tenant.id, status="connected", name="Front desk",
                       jid="5511900000003@s.whatsapp.net")
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    row = page.locator("#devices-body tr", has_text="Front desk")
    row.get_by_role("button", name="Sync contacts of Front desk").click()
    expect(row.locator(".sync-result")).to_have_text("Syncing contacts…")

    def broken() -> list[AddressEntry]:
        raise RuntimeError("contact store not ready")

    def last_attempt() -> bool:  # once the request is stored, make the next try the last
        with db.tenant(tenant.id) as conn:
            return conn.execute("update device_requests set attempts = %s returning id",
                                (device_requests.MAX_ATTEMPTS - 1,)).fetchone() is not None

    wait_until(page, last_attempt)
    outcomes: list[str] = []
    wait_until(page, lambda: bool(outcomes.extend(device_requests.run_due(
        db, tenant.id, live, broken)) or outcomes))
    assert outcomes == ["failed"]
    expect(row.locator(".sync-result")).to_have_text(
        "Contact sync failed: reading the address book failed: contact store not ready")
