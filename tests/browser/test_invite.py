"""The invitation page: a new person registers, an existing account (of another tenant) signs in
and joins, someone signed in as the invited address accepts in one click and lands in the team;
a used link says so. Screenshots under /tmp/mf-invite-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, sign_in
from tests.factories import PASSWORD, register_owner, unique_email

pytestmark = pytest.mark.browser


def _invite(server: LiveServer, tenant: Tenant, email: str, role: str = "member") -> str:
    r = server.app.test_client().post("/api/v1/invitations", headers=tenant.owner.headers,
                                      json={"email": email, "role": role})
    assert r.status_code == 201, r.get_json()
    path: str = r.get_json()["invite_path"]
    return path


def _me(page: Page) -> Any:
    r = page.request.get(page.url.split("/app")[0] + "/api/v1/auth/me")
    assert r.ok
    return r.json()


def test_a_new_person_registers_from_the_link(page: Page, errors: ConsoleWatch,
                                              live_server: LiveServer, tenant: Tenant) -> None:
    email = unique_email("newbie")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + _invite(live_server, tenant, email, "manager"))
    expect(page.locator("#invite-title")).to_have_text("Join Acme Support")
    expect(page.locator("#invite-summary")).to_contain_text("manager")
    expect(page.locator("#register-email")).to_have_value(email)
    page.screenshot(path="/tmp/mf-invite-register-phone.png")
    page.get_by_label("Your name").fill("Nina New")
    page.get_by_label("Choose a password").fill("short")
    page.get_by_role("button", name="Create account and join").click()
    expect(page.locator("#invite-error")).to_contain_text("at least 10 characters")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    expect(page).to_have_url(re.compile(r"/app/home"))
    me = _me(page)
    assert (me["tenant"]["id"], me["user"]["role"], me["user"]["name"]) == (
        tenant.id, "manager", "Nina New")


def test_an_existing_account_signs_in_and_joins(page: Page, errors: ConsoleWatch,
                                                live_server: LiveServer, tenant: Tenant) -> None:
    errors.allowed_statuses.add(401)  # the wrong password, on purpose
    other = register_owner(live_server.app.test_client(), "Elsewhere Ltd")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + _invite(live_server, tenant, other.email))
    expect(page.get_by_role("button", name="Sign in and join")).to_be_visible()
    page.screenshot(path="/tmp/mf-invite-signin-desktop.png")
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Sign in and join").click()
    expect(page.locator("#invite-error")).to_have_text("Wrong email or password.")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in and join").click()
    expect(page).to_have_url(re.compile(r"/app/home"))
    me = _me(page)
    assert me["tenant"]["id"] == tenant.id
    assert {m["tenant_name"] for m in me["memberships"]} == {"Elsewhere Ltd", "Acme Support"}


def test_signed_in_as_the_invitee_accepts_in_one_click(page: Page, errors: ConsoleWatch,
                                                       live_server: LiveServer,
                                                       tenant: Tenant) -> None:
    other = register_owner(live_server.app.test_client(), "Home Team")
    home = Tenant(other.tenant_id, other.user_id, other.email, other)
    sign_in(page, live_server, home)
    assert _me(page)["tenant"]["id"] == other.tenant_id
    page.goto(live_server.url + _invite(live_server, tenant, other.email, "viewer"))
    button = page.get_by_role("button", name="Accept and open the team")
    expect(button).to_be_visible()
    expect(page.locator("#invite-accept-who")).to_contain_text(other.email)
    page.screenshot(path="/tmp/mf-invite-accept-desktop.png")
    button.click()
    expect(page).to_have_url(re.compile(r"/app/home"))
    me = _me(page)
    assert (me["tenant"]["id"], me["user"]["role"]) == (tenant.id, "viewer")


def test_a_used_or_broken_link_says_what_to_do(page: Page, errors: ConsoleWatch,
                                               live_server: LiveServer, tenant: Tenant) -> None:
    errors.allowed_statuses.add(404)
    email = unique_email("twice")
    path = _invite(live_server, tenant, email)
    client = live_server.app.test_client()
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": "Tess",
        "invitation_token": path.split("token=")[1]})
    assert r.status_code == 201
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + path)
    expect(page.locator("#invite-error")).to_contain_text("already been used")
    expect(page.get_by_role("link", name="Go to sign-in")).to_be_visible()
    page.screenshot(path="/tmp/mf-invite-used-phone.png")
    page.goto(live_server.url + "/invite")
    expect(page.locator("#invite-error")).to_contain_text("incomplete")


def test_a_member_already_is_simply_signed_in(page: Page, errors: ConsoleWatch,
                                              live_server: LiveServer, tenant: Tenant) -> None:
    errors.allowed_statuses.add(409)  # the first try says "already a member"
    other = register_owner(live_server.app.test_client(), "Twice Ltd")
    first = _invite(live_server, tenant, other.email)
    client = live_server.app.test_client()
    assert client.post("/api/v1/invitations/accept", headers=other.headers,
                       json={"token": first.split("token=")[1]}).status_code == 201
    page.goto(live_server.url + _invite(live_server, tenant, other.email))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in and join").click()
    expect(page).to_have_url(re.compile(r"/app/home"))
    assert _me(page)["tenant"]["id"] == tenant.id
