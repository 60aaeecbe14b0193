"""The integrations screen (add, test, delivery log, replay) and the forgot-password flow, with
real receivers on loopback: an HTTP server and aiosmtpd."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, serve, sign_in, wait_until
from tests.webapp.integrations.receivers import (
    HttpReceiver,
    SmtpReceiver,
    body_of,
    http_receiver,
    smtp_receiver,
)
from webapp.integrations import service

pytestmark = pytest.mark.browser
SHOTS = "/tmp/integrations-shots"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as server:
        yield server


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                smtp: SmtpReceiver) -> Iterator[LiveServer]:
    """The app with SMTP_URL at aiosmtpd and its delivery worker running (as in production)."""
    yield from serve(database_url, tmp_path_factory.mktemp("home"), delivery_worker=True,
                     smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=noreply@mf.test")


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as server:
        yield server


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{SHOTS}/{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_add_test_and_replay_a_webhook(page: Page, errors: ConsoleWatch,
                                       live_server: LiveServer, tenant: Tenant,
                                       receiver: HttpReceiver) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("menuitem", name="Integrations").click()
    expect(page.get_by_role("heading", name="No integrations yet")).to_be_visible()
    shoot(page, "empty")

    page.get_by_role("button", name="Add webhook").click()
    page.get_by_label("Name").fill("Our CRM")
    page.get_by_label("URL").fill(f"{receiver.url}/hooks")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#new-secret")).to_contain_text("whsec_")
    card = page.locator(".int-card", has_text="Our CRM")
    expect(card).to_contain_text(f"POST {receiver.url}/hooks")

    card.get_by_role("button", name="Send test").click()
    expect(page.locator(".toast", has_text="Test delivered (200)")).to_have_count(1)
    assert receiver.requests[0].headers["webhook-signature"].startswith("v1,")
    expect(card.locator(".int-last")).to_contain_text("delivered")

    # The receiver is down: the test is a dead letter, replayed once it is back.
    receiver.statuses = [500]
    errors.allowed_statuses.add(500)  # none expected from our API; the receiver's is server-side
    card.get_by_role("button", name="Send test").click()
    expect(page.locator(".toast", has_text="Test failed")).to_contain_text("HTTP 500")
    card.get_by_role("button", name="Deliveries").click()
    log = page.locator("#int-log")
    expect(log.locator("tr[data-status=dead]")).to_have_count(1)
    expect(log.locator("tr[data-status=delivered]")).to_have_count(1)
    shoot(page, "log")
    log.locator("tr[data-status=dead]").get_by_role("button", name="Replay").click()
    wait_until(page, lambda: len(receiver.requests) == 3)
    page.get_by_role("button", name="Refresh").click()
    expect(log.locator("tr[data-status=delivered]")).to_have_count(2)
    ids = {r.headers["webhook-id"] for r in receiver.requests[1:]}
    assert len(ids) == 1  # the replay is the same message

    # A failure found by the worker shows in the open log by itself (delivery.failed).
    receiver.statuses = [502]
    with live_server.db.tenant(tenant.id) as conn:
        service.dispatch_event(conn, "message.created", {"id": 7, "text": "Live"})
    expect(log.locator("tr[data-status=failed]")).to_have_count(1, timeout=10_000)
    expect(log.locator("tr[data-status=failed]")).to_contain_text("HTTP 502")

    # Editing: moving the URL to another host needs the secret again.
    card.get_by_role("button", name="Edit").click()
    page.get_by_label("URL").fill("https://elsewhere.example.com/hooks")
    errors.allowed_statuses.add(400)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#int-form-error")).to_contain_text("give signing_secret again")
    page.get_by_role("button", name="Cancel").click()


def test_slack_and_email_forms(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                               tenant: Tenant, receiver: HttpReceiver,
                               smtp: SmtpReceiver) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    page.goto(live_server.url + "/app/integrations")
    page.get_by_role("button", name="Add Slack").click()
    page.get_by_label("Name").fill("Ops channel")
    page.get_by_label("Incoming-webhook URL").fill(f"{receiver.url}/services/T1/B1/secret99")
    page.get_by_role("button", name="Save").click()
    slack = page.locator(".int-card", has_text="Ops channel")
    expect(slack).to_contain_text("Incoming webhook")
    expect(slack).not_to_contain_text("secret99")
    slack.get_by_role("button", name="Send test").click()
    expect(page.locator(".toast", has_text="Test delivered")).to_have_count(1)
    assert receiver.requests[-1].json()["text"].startswith("MessageFlow test message")

    page.get_by_role("button", name="Add e-mail").click()
    page.get_by_label("Name", exact=True).fill("Team mail")
    page.get_by_label("SMTP host").fill("127.0.0.1")
    page.get_by_label("Port").fill(str(smtp.port))
    page.get_by_label("Encryption").select_option("none")
    page.get_by_label("From address").fill("desk@acme.test")
    page.get_by_role("button", name="Save").click()
    mail = page.locator(".int-card", has_text="Team mail")
    mail.get_by_role("button", name="Send test").click()
    expect(page.locator(".toast", has_text="Test delivered")).to_have_count(2)
    assert smtp.to(tenant.email)[-1]["From"] == "desk@acme.test"
    shoot(page, "list")
    # Editing shows where the secret is stored, never the secret.
    slack.get_by_role("button", name="Edit").click()
    field = page.get_by_label("Incoming-webhook URL")
    expect(field).to_have_value("")
    expect(field).to_have_attribute("placeholder", re.compile(r"Stored \(http://127.0.0.1/…et99\)"))
    page.screenshot(path=f"{SHOTS}/dialog-desktop.png")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#int-dialog")).to_be_hidden()


def test_viewer_sees_why_not(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                             tenant: Tenant) -> None:
    viewer = tenant.invite(live_server, "viewer")
    sign_in(page, live_server, viewer)
    page.goto(live_server.url + "/app/integrations")
    expect(page.get_by_role("heading", name="Managed by admins")).to_be_visible()
    expect(page.get_by_role("button", name="Add Slack")).to_be_hidden()


def test_forgot_password_by_email(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                                  tenant: Tenant, smtp: SmtpReceiver) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(live_server.url + "/forgot-password")
    page.wait_for_load_state()
    page.get_by_label("Email").fill(tenant.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status").filter(has_text="reset link is on its way")).to_be_visible()
    shoot(page, "forgot")
    wait_until(page, lambda: bool(smtp.to(tenant.email)), timeout_s=15)
    text = body_of(smtp.to(tenant.email)[-1])
    link = re.search(r"(http://\S+/reset-password#token=\S+)", text)
    assert link, text
    page.goto(link.group(1))
    expect(page).to_have_url(live_server.url + "/reset-password")  # the token left the bar
    page.get_by_label("New password", exact=True).fill("fresh start 2026")
    page.get_by_label("Repeat the new password").fill("fresh start 2026")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator("#reset-done")).to_contain_text("signed out everywhere")
    shoot(page, "reset-done")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill(tenant.email)
    page.get_by_label("Password").fill("fresh start 2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/"))
