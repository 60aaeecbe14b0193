"""The newcomer's path where WhatsApp cannot be reached (`make up`: WHATSAPP_DEFAULT_KIND is
simulator): "Add number" offers a simulated number first, its simulated QR codes rotate on
screen and it connects without a reload, driven by the same simulated pairing the gateway
runs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.admin_support import DESKTOP, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, serve
from webapp.whatsapp import devices
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.simulated_pairing import PairingTimes, SimulatedPairing, simulated_jid

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[LiveServer]:
    """The app as `make up` configures it: simulated numbers by default."""
    yield from serve(database_url, tmp_path_factory.mktemp("home"),
                     whatsapp_default_kind="simulator")


def test_a_simulated_number_pairs_from_the_screen(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    # a QR may be gone (the device connected) by the time the browser loads it: a 404
    errors.allowed_statuses.add(404)
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, "/app/settings/whatsapp")
    page.get_by_role("button", name="Add number").click()
    expect(page.get_by_label("How to link it")).to_have_value("simulator")
    page.get_by_label("Name shown to your team").fill("Demo line")
    page.get_by_role("button", name="Start pairing").click()
    row = page.locator("#devices-body tr", has_text="Demo line")
    expect(row.get_by_text("Simulated")).to_be_visible()
    with live_server.db.tenant(tenant.id) as conn:
        found = conn.execute("select id, kind from devices where display_name = 'Demo line'"
                             ).fetchone()
    assert found is not None and found["kind"] == "simulator"
    dev = int(found["id"])

    def report(change: DeviceStatusChange) -> None:
        devices.apply_status(live_server.db, tenant.id, dev, change)

    def paired(jid: str) -> None:
        report(DeviceStatusChange("connected", jid, None, "pair_success"))

    pairing = SimulatedPairing(dev, report, paired, PairingTimes(qr_interval=1.0, pair_after=3.5))
    pairing.start()
    try:
        qr = page.get_by_role("img", name="WhatsApp pairing QR code")
        expect(qr).to_be_visible()
        first = qr.get_attribute("src") or ""
        expect(qr).not_to_have_attribute("src", first)  # rotated live
        shot(page, "whatsapp-simulated-qr")
        phone = "+" + simulated_jid(dev).split("@")[0]
        expect(page.locator("#pair-status")).to_contain_text(f"Connected as {phone}",
                                                             timeout=10000)
        expect(row.locator(".device-status")).to_have_text("Connected")
        expect(row).to_contain_text(re.compile(re.escape(phone)))
    finally:
        pairing.stop()
