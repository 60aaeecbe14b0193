"""The WhatsApp numbers screen: add a number, its QR code appears and rotates live, the device
flips to connected without a reload, log out; a viewer sees the list read-only; phone width."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.admin_support import (  # noqa: F401
    DESKTOP,
    PHONE,
    failure_shot,
    open_screen,
    shot,
)
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, wait_until
from webapp.whatsapp import devices
from webapp.whatsapp.results import DeviceStatusChange

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/whatsapp"


def device_id(server: LiveServer, tenant: Tenant, name: str) -> int:
    """The id of the tenant's device called `name`."""
    with server.db.tenant(tenant.id) as conn:
        row = conn.execute("select id from devices where display_name = %s", (name,)).fetchone()
    assert row is not None
    return int(row["id"])


def report(server: LiveServer, tenant: Tenant, dev: int, **change: str | None) -> None:
    """What the gateway would report about the device."""
    assert devices.apply_status(server.db, tenant.id, dev, DeviceStatusChange(**change))  # type: ignore[arg-type]


def test_pairing_shows_the_qr_live_and_the_device_connects(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    # a QR may be gone (the device connected) by the time the browser loads it: a 404
    errors.allowed_statuses.add(404)
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    expect(page.get_by_text("No WhatsApp number yet")).to_be_visible()
    page.get_by_role("button", name="Add number").click()
    page.get_by_label("Name shown to your team").fill("Support line")
    page.get_by_role("button", name="Start pairing").click()
    row = page.locator("#devices-body tr", has_text="Support line")
    expect(row.locator(".device-status")).to_have_text("Starting")
    dev = device_id(live_server, tenant, "Support line")

    report(live_server, tenant, dev, status="pairing", qr="2@first-qr-payload", event="qr")
    qr = page.get_by_role("img", name="WhatsApp pairing QR code")
    expect(qr).to_be_visible()
    first = qr.get_attribute("src")
    wait_until(page, lambda: qr.evaluate("(img) => img.complete && img.naturalWidth > 0"))
    expect(row.locator(".device-status")).to_have_text("Pairing")
    shot(page, "whatsapp-pairing-1280")

    report(live_server, tenant, dev, status="pairing", qr="2@second-qr-payload", event="qr")
    expect(qr).not_to_have_attribute("src", first or "")  # WhatsApp rotated it: refreshed

    report(live_server, tenant, dev, status="connected", jid="5511988887777:3@s.whatsapp.net",
           event="pair_success")
    expect(page.locator("#pair-status")).to_contain_text("Connected as +5511988887777")
    expect(row.locator(".device-status")).to_have_text("Connected")
    expect(row).to_contain_text("+5511988887777")
    page.get_by_role("button", name="Close").click()
    shot(page, "whatsapp-connected-1280")

    row.get_by_role("button", name="Log out Support line").click()
    page.get_by_role("dialog").get_by_role("button", name="Log out").click()
    expect(row.locator(".device-status")).to_have_text("Logged out")
    with live_server.db.tenant(tenant.id) as conn:
        assert conn.execute("select status from devices where id = %s", (dev,)).fetchone() \
            == {"status": "logged_out"}


def test_errors_simulated_devices_and_a_phone_code(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(400)  # the bad phone number, on purpose
    page.set_viewport_size(PHONE)
    open_screen(page, live_server, tenant, PATH)
    page.get_by_role("button", name="Add number").click()
    page.get_by_label("Name shown to your team").fill("Demo traffic")
    page.get_by_label("How to link it").select_option("simulator")
    page.get_by_role("button", name="Start pairing").click()
    expect(page.locator("#devices-body tr", has_text="Demo traffic")
           .get_by_text("Simulated")).to_be_visible()
    page.get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Add number").click()
    page.get_by_label("Name shown to your team").fill("Sales")
    page.get_by_label("How to link it").select_option("code")
    page.get_by_label("Phone number (with country code)").fill("12")
    page.get_by_role("button", name="Start pairing").click()
    expect(page.locator("#pair-form .field-error")).to_be_visible()  # 400 names the field
    page.get_by_label("Phone number (with country code)").fill("+55 11 97777 0000")
    page.get_by_role("button", name="Start pairing").click()
    expect(page.locator("#devices-body tr", has_text="Sales")).to_be_visible()
    sales = device_id(live_server, tenant, "Sales")
    report(live_server, tenant, sales, status="pairing", event="qr")
    assert devices.store_pair_code(live_server.db, tenant.id, sales,
                                   devices.PairingCode("ABCD-EFGH"))
    expect(page.locator("#pair-code")).to_have_text("ABCD-EFGH")
    report(live_server, tenant, sales, status="outdated", error="Client outdated: update the app",
           event="client_outdated")
    row = page.locator("#devices-body tr", has_text="Sales")
    expect(row.locator(".device-status")).to_have_text("Error")
    expect(row.locator(".device-error")).to_have_text("Client outdated: update the app")
    expect(page.locator("#pair-status")).to_contain_text("Pairing failed")
    shot(page, "whatsapp-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing overflows the phone's width


def test_a_viewer_sees_the_numbers_read_only(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    viewer = tenant.invite(live_server, "viewer")
    with live_server.db.tenant(tenant.id) as conn:
        conn.execute("insert into devices (tenant_id, kind, display_name) values (%s, 'simulator',"
                     " 'Shop')", (tenant.id,))
    open_screen(page, live_server, viewer, PATH)
    expect(page.get_by_text(re.compile(r"Read only: your role \(viewer\)"))).to_be_visible()
    expect(page.locator("#devices-body tr", has_text="Shop")).to_be_visible()
    expect(page.get_by_role("button", name="Add number")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Remove"))).to_have_count(0)


def test_removing_a_number_logs_it_out_and_another_admin_sees_it_go(
    page: Page, new_context: Callable[..., BrowserContext], errors: ConsoleWatch,
    live_server: LiveServer, tenant: Tenant,
) -> None:
    with live_server.db.tenant(tenant.id) as conn:
        conn.execute("insert into devices (tenant_id, kind, display_name, status) values "
                     "(%s, 'neonize', 'Old phone', 'connected'), "
                     "(%s, 'simulator', 'Demo', 'connected')", (tenant.id, tenant.id))
    old = device_id(live_server, tenant, "Old phone")
    other = new_context().new_page()  # another admin's screen, open at the same time
    open_screen(other, live_server, tenant, PATH)
    open_screen(page, live_server, tenant, PATH)
    row = page.locator("#devices-body tr", has_text="Old phone")
    shot(page, "whatsapp-remove-1280")
    row.get_by_role("button", name="Remove Old phone").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Its conversations and messages stay")
    dialog.get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0)
    expect(page.locator("#devices-count")).to_have_text("1 number, 1 connected")
    expect(other.locator("#devices-body tr", has_text="Old phone")).to_have_count(0)  # live
    expect(other.locator("#devices-body tr", has_text="Demo")).to_be_visible()
    with live_server.db.tenant(tenant.id) as conn:
        assert conn.execute("select status, removed_at is not null as removed from devices "
                            "where id = %s", (old,)).fetchone() == {
                                "status": "logged_out", "removed": True}
    page.reload()
    expect(page.locator("#devices-body tr", has_text="Demo")).to_be_visible()
    expect(page.locator("#devices-body tr", has_text="Old phone")).to_have_count(0)
