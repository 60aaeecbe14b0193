"""Workspace settings (name, time zone, business hours, first-response target; a viewer reads
them), the profile (name, password change, sign out everywhere) and the tenant switcher of an
account that belongs to two tenants."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, sign_in
from tests.factories import PASSWORD, register_owner

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]


def test_workspace_settings(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(400)  # hours that end before they start, on purpose
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, "/app/settings/tenant")
    expect(page.get_by_label("Workspace name")).to_have_value("Acme Support")
    page.get_by_label("Workspace name").fill("Acme Help Desk")
    page.get_by_label("Time zone").select_option("America/Sao_Paulo")
    page.get_by_label("First-response target (minutes)").fill("30")
    page.get_by_label("Open on Saturday").check()
    page.get_by_label("Saturday opens at").fill("10:00")
    page.get_by_label("Saturday closes at").fill("09:00")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#tenant-form > .form-error")).to_be_visible()
    page.get_by_label("Saturday closes at").fill("14:00")
    page.get_by_label("Open on Friday").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.locator("#tenant-name")).to_have_text("Acme Help Desk")
    shot(page, "tenant-1280")
    with live_server.db.tenant(tenant.id) as conn:
        row = conn.execute("select name, timezone, business_hours, first_response_target_minutes"
                           " from tenants").fetchone()
    assert row is not None
    assert (row["name"], row["timezone"], row["first_response_target_minutes"]) == (
        "Acme Help Desk", "America/Sao_Paulo", 30)
    assert row["business_hours"]["sat"] == {"start": "10:00", "end": "14:00"}
    assert row["business_hours"]["fri"] is None


def test_a_viewer_reads_the_workspace_settings(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    viewer = tenant.invite(live_server, "viewer")
    open_screen(page, live_server, viewer, "/app/settings/tenant")
    expect(page.get_by_text(re.compile(r"Read only: your role \(viewer\)"))).to_be_visible()
    expect(page.get_by_label("Workspace name")).to_be_disabled()
    expect(page.get_by_role("button", name="Save settings")).to_be_hidden()
    shot(page, "tenant-viewer-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_profile_password_and_sign_out_everywhere(
    page: Page, new_context: Callable[..., BrowserContext], errors: ConsoleWatch,
    live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(400)  # the wrong current password, on purpose
    other = new_context().new_page()  # another device of the same account
    sign_in(other, live_server, tenant)
    open_screen(page, live_server, tenant, "/app/profile")
    expect(page.get_by_label("Your name")).to_have_value("Olivia Owner")  # loaded
    page.get_by_label("Your name").fill("Olivia Oliveira")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#user-name")).to_have_text("Olivia Oliveira")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-form [name=current_password]")).to_have_attribute(
        "aria-invalid", "true")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text(re.compile(r"Password changed\. \d+ other session"))).to_be_visible()
    # The other device's open screen is signed out live (its socket is closed, the refresh
    # refused), with no navigation of its own: going there by hand raced that redirect.
    expect(other).to_have_url(re.compile(r"/login\?next=%2Fapp%2Fconversations$"))
    other.goto(live_server.url + "/app/profile")  # and the session really is gone
    expect(other).to_have_url(re.compile(r"/login\?next="))
    shot(page, "profile-1280")

    page.get_by_role("button", name="Sign out everywhere").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign out everywhere").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(live_server.url + "/app/profile")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_switch_between_two_tenants(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    client = live_server.app.test_client()
    other = register_owner(client, tenant_name="Beta Imports")
    r = client.post("/api/v1/invitations", headers=other.headers,
                    json={"email": tenant.email, "role": "admin"})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/invitations/accept", headers=tenant.owner.headers,
                    json={"token": r.get_json()["token"]})
    assert r.status_code in (200, 201), r.get_json()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, tenant)
    switcher = page.get_by_label("Switch workspace")
    expect(switcher).to_be_visible()
    shot(page, "switcher-390")
    page.set_viewport_size(DESKTOP)
    switcher.select_option(label="Beta Imports")
    expect(page.locator("#tenant-name")).to_have_text("Beta Imports")
    expect(page).to_have_url(re.compile(r"/app/"))
    page.goto(live_server.url + "/app/profile")
    memberships = page.locator("#memberships li")
    expect(memberships).to_have_count(2)
    expect(memberships.filter(has_text="Beta Imports")).to_contain_text("Current")
    memberships.filter(has_text="Acme Support").get_by_role("button").click()
    expect(page.locator("#tenant-name")).to_have_text("Acme Support")
