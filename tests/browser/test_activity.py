"""The team activity timeline in Chromium: a manager reads who did what (filters included),
new moves arrive live; a member gets no link and a plain refusal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, sign_in
from tests.browser.test_action_items import api, create

pytestmark = pytest.mark.browser


def test_a_manager_follows_the_team_activity(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    manager = tenant.invite(live_server, "manager")
    item = create(live_server, tenant, "Order new headsets")
    sign_in(page, live_server, manager)
    page.get_by_role("link", name="Activity").click()
    expect(page).to_have_url(re.compile(r"/app/activity$"))
    entry = page.locator(".timeline-entry", has_text="created the action item")
    expect(entry).to_contain_text("Olivia Owner created the action item Order new headsets")
    expect(entry.get_by_role("link", name="Order new headsets")).to_have_attribute(
        "href", f"/app/action-items/{item}")

    api(live_server, tenant, "PATCH", f"/action-items/{item}", {"status": "done"})
    expect(page.locator(".timeline-entry", has_text="moved the action item")).to_contain_text(
        "from To do to Done")

    page.get_by_label("Person").select_option(label="Manager Person")
    expect(page.locator(".timeline-entry", has_text="Olivia Owner")).to_have_count(0)
    expect(page.locator(".timeline-entry", has_text="Manager Person signed in")).to_have_count(1)
    page.get_by_label("Person").select_option(label="Everyone")
    page.get_by_label("Kind").select_option(label="Action items")
    expect(page.locator(".timeline-entry")).to_have_count(2)


def test_a_member_has_no_activity_timeline(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    member = tenant.invite(live_server, "member")
    sign_in(page, live_server, member)
    expect(page.get_by_role("link", name="Action items")).to_be_visible()
    expect(page.get_by_role("link", name="Activity")).to_be_hidden()
    page.goto(live_server.url + "/app/activity")
    expect(page.locator("#activity-state")).to_contain_text("for managers")
    expect(page.locator("#timeline")).to_be_hidden()
