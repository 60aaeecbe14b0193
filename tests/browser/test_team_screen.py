"""The Team screen: invite (the link shown once), change a role, remove someone, revoke a
pending invitation; a viewer reads the member list only; phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/team"


def has_route(server: LiveServer, rule: str, method: str) -> bool:
    """Whether the app serves `method rule` (another branch may add it)."""
    rules = server.app.url_map.iter_rules()
    return any(r.rule == rule and method in (r.methods or ()) for r in rules)


def test_invite_change_role_remove_and_revoke(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(DESKTOP)
    mate = tenant.invite(live_server, "member")
    open_screen(page, live_server, tenant, PATH)
    members = page.locator("#members-body tr")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="(you)")).to_contain_text("Olivia Owner")

    page.get_by_role("button", name="Invite someone").click()
    page.get_by_label("Email").fill("new.person@example.com")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Create invitation").click()
    link = page.locator("#invite-link")
    expect(link).to_contain_text("/invite#token=")
    token = (link.text_content() or "").split("token=")[1]
    invitations = page.locator("#invitations-body tr", has_text="new.person@example.com")
    expect(invitations.locator(".chip")).to_have_text("Pending")
    shot(page, "team-invite-1280")
    # the link works: the invitee registers with the token
    r = live_server.app.test_client().post("/api/v1/auth/register", json={
        "email": "new.person@example.com", "password": PASSWORD, "name": "Nova Person",
        "invitation_token": token})
    assert r.status_code == 201, r.get_json()
    expect(members).to_have_count(3)  # live, no reload
    expect(invitations.locator(".chip")).to_have_text("Accepted")

    page.get_by_label("Role of Member Person").select_option("manager")
    expect(page.get_by_text("Member Person is now manager.")).to_be_visible()
    with live_server.db.tenant(tenant.id) as conn:
        row = conn.execute("select role from memberships where user_id = %s",
                           (mate.user_id,)).fetchone()
    assert row == {"role": "manager"}

    page.get_by_role("button", name="Remove Nova Person").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(members).to_have_count(2)

    if has_route(live_server, "/api/v1/invitations/<int:invitation_id>", "DELETE"):
        page.get_by_role("button", name="Invite someone").click()
        page.get_by_label("Email").fill("later@example.com")
        page.get_by_role("button", name="Create invitation").click()
        pending = page.locator("#invitations-body tr", has_text="later@example.com")
        pending.get_by_role("button", name="Revoke invitation for later@example.com").click()
        page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
        expect(pending.locator(".chip")).to_have_text("Revoked")


def test_a_viewer_reads_the_team_only(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    viewer = tenant.invite(live_server, "viewer")
    open_screen(page, live_server, viewer, PATH)
    expect(page.get_by_text(re.compile(r"Read only: your role \(viewer\)"))).to_be_visible()
    expect(page.locator("#members-body tr")).to_have_count(2)
    expect(page.get_by_role("button", name="Invite someone")).to_be_hidden()
    expect(page.locator("#invitations-panel")).to_be_hidden()
    expect(page.locator("#members-body select")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    shot(page, "team-viewer-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_changes_by_another_admin_show_live(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    admin = tenant.invite(live_server, "admin")
    mate = tenant.invite(live_server, "member")
    open_screen(page, live_server, admin, PATH)
    members = page.locator("#members-body tr")
    expect(members).to_have_count(3)
    owner = live_server.app.test_client()
    headers = tenant.owner.headers
    r = owner.post("/api/v1/invitations", headers=headers,
                   json={"email": "late.comer@example.com", "role": "viewer"})
    assert r.status_code == 201, r.get_json()
    invitation = page.locator("#invitations-body tr", has_text="late.comer@example.com")
    expect(invitation.locator(".chip")).to_have_text("Pending")
    assert owner.delete(f"/api/v1/invitations/{r.get_json()['id']}",
                        headers=headers).status_code == 200
    expect(invitation.locator(".chip")).to_have_text("Revoked")
    assert owner.patch(f"/api/v1/members/{mate.user_id}", headers=headers,
                       json={"role": "manager"}).status_code == 200
    expect(page.get_by_label("Role of Member Person")).to_have_value("manager")
    assert owner.delete(f"/api/v1/members/{mate.user_id}", headers=headers).status_code == 200
    expect(members).to_have_count(2)
    # The owner makes this admin a viewer: the screen turns read-only by itself.
    assert owner.patch(f"/api/v1/members/{admin.user_id}", headers=headers,
                       json={"role": "viewer"}).status_code == 200
    expect(page.get_by_text(re.compile(r"Read only: your role \(viewer\)"))).to_be_visible()
    expect(page.get_by_role("button", name="Invite someone")).to_be_hidden()
