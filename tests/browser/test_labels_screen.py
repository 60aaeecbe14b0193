"""The Labels screen: create (a duplicate name is refused on the form), rename, recolour,
delete; a viewer reads the list only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/labels"


def stored(server: LiveServer, tenant: Tenant) -> list[tuple[str, str]]:
    """The tenant's labels as (name, colour)."""
    with server.db.tenant(tenant.id) as conn:
        rows = conn.execute("select name, color from labels order by name").fetchall()
    return [(r["name"], r["color"]) for r in rows]


def test_create_rename_recolour_delete(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(409)  # the duplicate, on purpose
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    expect(page.get_by_text("No labels yet")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Invoice")
    page.get_by_role("button", name="Create label").click()
    expect(page.get_by_label("Name of label Invoice")).to_have_value("Invoice")
    page.get_by_label("Name", exact=True).fill("invoice")
    page.get_by_role("button", name="Create label").click()
    expect(page.locator("#label-form .form-error")).to_contain_text("already exists")

    page.get_by_label("Name of label Invoice").fill("Invoices")
    page.get_by_label("Name of label Invoice").press("Enter")
    expect(page.get_by_label("Name of label Invoices")).to_be_visible()
    page.get_by_label("Colour of label Invoices").evaluate(
        "(el) => { el.value = '#b42318'; el.dispatchEvent(new Event('change')); }")
    wait_until(page, lambda: stored(live_server, tenant) == [("Invoices", "#b42318")])
    shot(page, "labels-1280")

    page.get_by_role("button", name="Delete label Invoices").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No labels yet")).to_be_visible()
    assert stored(live_server, tenant) == []


def test_a_viewer_reads_the_labels(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    client = live_server.app.test_client()
    r = client.post("/api/v1/labels", headers=tenant.owner.headers, json={"name": "VIP"})
    assert r.status_code == 201, r.get_json()
    viewer = tenant.invite(live_server, "viewer")
    open_screen(page, live_server, viewer, PATH)
    expect(page.get_by_text(re.compile(r"Read only: your role \(viewer\)"))).to_be_visible()
    expect(page.locator("#labels-body .chip-label")).to_have_text("VIP")
    expect(page.get_by_role("button", name="Create label")).to_be_hidden()
    expect(page.locator("#labels-body input")).to_have_count(0)
    shot(page, "labels-viewer-390")
