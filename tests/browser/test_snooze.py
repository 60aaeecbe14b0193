"""Snoozing from the thread header: a menu of wake-up times (Escape keeps the old status), a
refused change reverts with a notice, "1 hour" saves status and time together and shows
"Snoozed until <local time>", and the conversation waking up server-side reaches the open
header live; "Until they reply" snoozes without a time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)
from webapp.messaging.snooze import wake_due

pytestmark = pytest.mark.browser
VIEWER_ZONE = ZoneInfo("America/Sao_Paulo")  # conftest's browser_context_args


def api_conversation(page: Page, server: LiveServer, conv_id: int) -> dict[str, Any]:
    """The conversation as the API returns it, with the page's own session."""
    r = page.request.get(f"{server.url}/api/v1/conversations/{conv_id}")
    assert r.ok, r.text()
    body: dict[str, Any] = r.json()
    return body


def refuse(route: Route) -> None:
    """Answer a PATCH with the API's error envelope (another request passes through)."""
    if route.request.method != "PATCH":
        route.continue_()
        return
    route.fulfill(status=409, content_type="application/json", body=json.dumps(
        {"error": {"code": "conflict", "message": "Changed elsewhere.", "details": {}}}))


def test_snooze_for_an_hour_then_wake_up_live(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(409)  # the refusal provoked below
    ingest_records(live_server, tenant, [message("S-1", "Can you call me back next week?")])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page).to_have_url(re.compile(r"/app/conversations/\d+$"))
    conv_id = int(page.url.rsplit("/", 1)[1])
    status = page.get_by_label("Conversation status")
    menu = page.get_by_role("group", name="Snooze until")
    sub = page.locator("#thread-sub")
    expect(status).to_have_value("open")
    page.evaluate("window.notReloaded = true")

    # Choosing Snoozed offers the times; Escape puts the select back and saves nothing.
    status.select_option("snoozed")
    expect(menu).to_be_visible()
    # (On a Sunday "Next Monday 09:00" is tomorrow's choice: offered once, see
    # test_menus_and_hints.py, which fixes the page's clock.)
    sunday = datetime.now(VIEWER_ZONE).weekday() == 6
    for choice in ("1 hour", "Tomorrow 09:00", *(() if sunday else ("Next Monday 09:00",)),
                   "Until they reply"):
        expect(menu.get_by_role("button", name=choice)).to_be_visible()
    expect(menu.get_by_role("button", name="1 hour")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(status).to_have_value("open")
    expect(status).to_be_focused()
    assert api_conversation(page, live_server, conv_id)["status"] == "open"

    # A refused change reverts the select, with the usual notice.
    page.route(re.compile(rf"/api/v1/conversations/{conv_id}$"), refuse)
    status.select_option("snoozed")
    menu.get_by_role("button", name="Tomorrow 09:00").click()
    expect(page.locator(".toast-error")).to_contain_text("Could not save: Changed elsewhere.")
    expect(status).to_have_value("open")
    expect(sub).not_to_contain_text("Snoozed")
    page.unroute(re.compile(rf"/api/v1/conversations/{conv_id}$"))

    # "1 hour": one PATCH with status and time together.
    status.select_option("snoozed")
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        menu.get_by_role("button", name="1 hour").click()
    clicked = datetime.now(UTC)
    body = sent.value.post_data_json
    assert isinstance(body, dict)
    assert set(body) == {"status", "snoozed_until"} and body["status"] == "snoozed"
    expect(menu).to_be_hidden()
    expect(sub.locator(".thread-snooze")).to_be_visible()
    conv = api_conversation(page, live_server, conv_id)
    assert conv["status"] == "snoozed"
    until = datetime.fromisoformat(conv["snoozed_until"])
    assert timedelta(minutes=58) < until - clicked < timedelta(minutes=61), (until, clicked)

    # The header says until when, in the viewer's zone; the list shows the Snoozed chip.
    local = until.astimezone(VIEWER_ZONE).strftime("%H:%M")
    expect(sub.locator(".thread-snooze")).to_have_text(
        re.compile(rf"^Snoozed until (tomorrow )?{local}$"))
    expect(status).to_have_value("snoozed")
    expect(page.locator(".conv-item", has_text="Ana Souza").locator(".chip-snoozed")) \
        .to_have_text("Snoozed")

    # The gateway wakes it once the time has passed: the header shows Open, without a reload.
    assert wake_due(live_server.db, now=until + timedelta(minutes=1)) == 1
    expect(status).to_have_value("open")
    expect(sub).not_to_contain_text("Snoozed")
    expect(page.locator(".conv-item", has_text="Ana Souza").locator(".chip-snoozed")) \
        .to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    # "Until they reply": snoozed with no time.
    status.select_option("snoozed")
    menu.get_by_role("button", name="Until they reply").click()
    expect(sub.locator(".thread-snooze")).to_have_text("Snoozed until they reply")
    conv = api_conversation(page, live_server, conv_id)
    assert (conv["status"], conv["snoozed_until"]) == ("snoozed", None)

    # The chip changes the time of a snoozed conversation: "Until they reply" -> 1 hour.
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        sub.get_by_role("button", name="Snoozed until they reply").click()
        expect(menu).to_be_visible()
        menu.get_by_role("button", name="1 hour").click()
    body = sent.value.post_data_json
    assert isinstance(body, dict) and body["status"] == "snoozed" and body["snoozed_until"]
    expect(sub.locator(".thread-snooze")).to_have_text(
        re.compile(r"^Snoozed until (?!they reply)"))  # the saved time, once the PATCH is done
    assert api_conversation(page, live_server, conv_id)["snoozed_until"] is not None
