"""Home and Important messages in Chromium: Home is the landing page (Home first in the
navigation); the day digest is written on demand and labelled with its model, a failed one shows
its reason and can be retried; counters link to their lists and move live; important messages
are acknowledged, re-prioritised and dismissed, live in a teammate's browser, and open the
conversation at that message; a viewer sees no write controls. Screenshots at 1280x800 and
390x844 go to /tmp/deskhome-shots."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories as make
from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)
from tests.webapp.desk_home.conftest import flag
from webapp.analysis import daily_summaries

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/deskhome-shots")
OUTAGE = "URGENT: the card machine at the Paulista store is down, nobody can pay"


def shoot(page: Page, name: str) -> None:
    """Screenshots of the page at desktop and phone sizes (kept out of git)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", {"width": 1280, "height": 800}),
                        ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"))
        page.locator(".desk").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_timeout(100)
        page.screenshot(path=str(SHOTS / f"{name}-{label}-end.png"))
        page.locator(".desk").evaluate("el => { el.scrollTop = 0; }")
    page.set_viewport_size({"width": 1360, "height": 820})


def yesterday() -> datetime:
    """09:00 UTC yesterday (the test tenants' days are UTC days)."""
    return datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(9), UTC)


def seed(server: LiveServer, tenant: Tenant) -> dict[str, Any]:
    """Yesterday's traffic of two customers, one flagged message, a device."""
    make.device(server.db, tenant.id, name="Front desk")
    start = yesterday()
    ids = ingest_records(server, tenant, [
        message("H-1", OUTAGE, at=start),
        message("H-2", "Thanks, have a nice day", at=start + timedelta(minutes=1)),
        message("H-3", "Where is invoice INV-31?", chat="5511999990002@s.whatsapp.net",
                name="Bruno Lima", at=start + timedelta(minutes=2))]).message_ids
    important = flag(server.db, tenant.id, ids[0], "urgent", "Payment outage at a store")
    return {"ids": ids, "important": important}


def test_home_is_the_landing_page_and_shows_the_day(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    seed(live_server, tenant)
    sign_in(page, live_server, tenant, then=None)
    nav = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(nav).to_have_text(["Home", "Conversations", "Important", "Action items", "Activity"])
    expect(nav.first).to_have_attribute("aria-current", "page")
    digest = page.locator("#digest")
    # Yesterday had no summary: it is written on demand and labelled with its model.
    expect(digest.locator("[data-role=generated-by]")).to_contain_text(
        "Built-in local analyser · messageflow-heuristic-v1", timeout=20000)
    expect(digest).to_contain_text("3 messages (3 in, 0 out) in 2 conversations")
    expect(digest.locator(".digest-convs summary")).to_have_count(2)
    expect(page.locator("#day-input")).to_have_value(
        (datetime.now(UTC).date() - timedelta(days=1)).isoformat())
    expect(page.locator("#day-next")).to_be_disabled()

    important = page.locator(".counter", has_text="Important unresolved")
    expect(important.locator(".counter-value")).to_have_text("1")
    expect(important.locator("a")).to_have_attribute("href", "/app/important?status=open")
    expect(page.locator("#home-important")).to_contain_text(OUTAGE)
    expect(page.locator("#devices")).to_contain_text("Front desk")
    expect(page.locator("#spend-card")).to_be_visible()  # the owner may read costs
    # Live: a message arriving now moves today's counter without a reload.
    inbound = page.locator(".counter", has_text="Messages in").locator(".counter-value")
    expect(inbound).to_have_text("0")
    ingest_records(live_server, tenant, [message("H-4", "Are you open today?")])
    expect(inbound).to_have_text("1")
    page.locator("#window-picker").get_by_role("button", name="7 days").click()
    expect(inbound).to_have_text("4")
    shoot(page, "home")

    # The day before had no traffic: an honest empty state, no made-up text.
    page.locator("#day-prev").click()
    expect(digest).to_contain_text("No messages on", timeout=20000)


def test_a_failed_summary_shows_its_reason_and_can_be_retried(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(live_server, tenant)

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(daily_summaries, "summarize_tenant_day", broken)
    sign_in(page, live_server, tenant, then=None)
    alert = page.locator("#digest").get_by_role("alert")
    expect(alert).to_contain_text("could not be written: The generation failed (RuntimeError).",
                                  timeout=20000)
    shoot(page, "home-failed")
    monkeypatch.undo()
    alert.get_by_role("button", name="Try again").click()
    expect(page.locator("#digest [data-role=generated-by]")).to_contain_text(
        "messageflow-heuristic-v1", timeout=20000)


def test_important_messages_are_worked_live(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant, browser: Browser,
) -> None:
    data = seed(live_server, tenant)
    mate = tenant.invite(live_server, "member")
    sign_in(page, live_server, tenant, then="Important")
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    other = errors.watch(other_context.new_page())
    sign_in(other, live_server, mate, then="Important")

    card = page.locator(".important-item", has_text=OUTAGE)
    expect(card).to_contain_text("Urgent")
    expect(card).to_contain_text("Why: Payment outage at a store")
    expect(card).to_contain_text(
        "Flagged by Built-in local analyser · messageflow-heuristic-v1 (heuristic)")
    expect(card).to_contain_text("Ana Souza")
    shoot(page, "important")

    # Re-prioritised here: the teammate's card follows live.
    card.get_by_label("Priority").select_option("high")
    their_card = other.locator(".important-item", has_text=OUTAGE)
    expect(their_card.locator(".chip").first).to_have_text("High")
    # Acknowledged there: it leaves the open list here, and shows under Acknowledged.
    their_card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_have_count(0)
    expect(page.locator("#important-state")).to_contain_text("Nothing needs attention")
    page.locator("#status-filter").get_by_role("button", name="Acknowledged").click()
    expect(page).to_have_url(re.compile(r"/app/important\?status=acknowledged$"))
    expect(card).to_contain_text("Acknowledged by Member Person")
    card.get_by_role("button", name="Reopen").click()
    expect(card).to_have_count(0)
    page.locator("#status-filter").get_by_role("button", name="Open").click()
    page.locator(".important-item", has_text=OUTAGE).get_by_role(
        "button", name="Dismiss").click()
    expect(page.locator(".important-item")).to_have_count(0)

    # Open the conversation at that message.
    page.locator("#status-filter").get_by_role("button", name="All").click()
    page.locator(".important-item", has_text=OUTAGE).get_by_role(
        "link", name="Open conversation").click()
    expect(page).to_have_url(re.compile(rf"/app/conversations/\d+\?message={data['ids'][0]}$"))
    expect(page.locator(f"#msg-{data['ids'][0]}")).to_be_in_viewport()
    other_context.close()


def test_a_viewer_reads_without_write_controls(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    seed(live_server, tenant)
    viewer = tenant.invite(live_server, "viewer")
    sign_in(page, live_server, viewer, then=None)
    expect(page.locator("#digest")).to_contain_text("No summary of")  # may not start one
    expect(page.locator("#spend-card")).to_be_hidden()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Important").click()
    card = page.locator(".important-item", has_text=OUTAGE)
    expect(card.get_by_role("link", name="Open conversation")).to_be_visible()
    expect(card.get_by_role("button")).to_have_count(0)
    expect(card.get_by_label("Priority")).to_have_count(0)
