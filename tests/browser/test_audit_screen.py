"""The Audit log screen: filter by action and actor, a role change shown as a before/after
diff, a CSV export of the filtered rows that is itself recorded; a viewer is refused."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/audit"


def test_filter_diff_and_export(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(DESKTOP)
    mate = tenant.invite(live_server, "member")
    client = live_server.app.test_client()
    r = client.patch(f"/api/v1/members/{mate.user_id}", headers=tenant.owner.headers,
                     json={"role": "manager"})
    assert r.status_code == 200, r.get_json()
    r = client.post("/api/v1/labels", headers=tenant.owner.headers, json={"name": "Billing"})
    assert r.status_code == 201
    open_screen(page, live_server, tenant, PATH)
    rows = page.locator("#audit-body tr[data-audit-id]")
    expect(rows.first).to_be_visible()

    page.get_by_label("Action").fill("members")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    entry = rows.first
    expect(entry).to_contain_text("members.role_change")
    entry.get_by_role("button", name="Changes").click()
    diff = page.locator(".diff-row:not([hidden]) .diff tr.changed")
    expect(diff).to_have_text(["role\"member\"\"manager\""])
    expect(diff.locator(".del")).to_have_text('"member"')
    expect(diff.locator(".ins")).to_have_text('"manager"')
    shot(page, "audit-1280")

    page.get_by_label("Actor").select_option(label=f"Member Person ({mate.email})")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()
    page.get_by_label("Actor").select_option("")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    path = download.value.path()
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(io.StringIO(fh.read())))
    assert [row["action"] for row in table] == ["members.role_change"]
    expect(page.get_by_text("Exported 1 entry.")).to_be_visible()
    with live_server.db.tenant(tenant.id) as conn:
        rec = conn.execute("select details from audit_logs where action = 'client.audit.export'"
                           ).fetchone()
    assert rec is not None and rec["details"]["rows"] == 1
    assert rec["details"]["filters"]["action"] == "members"


def test_a_viewer_is_refused_the_audit_log(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    viewer = tenant.invite(live_server, "viewer")
    open_screen(page, live_server, viewer, PATH)
    expect(page.get_by_role("heading", name="The audit log is for admins")).to_be_visible()
    expect(page.get_by_role("button", name="Export CSV")).to_be_hidden()
    shot(page, "audit-viewer-390")
