"""Two teammates on the same conversation, in separate browsers: one sees the other typing,
their reply arriving, and an assignment made by the other, all live."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_typing_replies_and_assignment_reach_teammates(
    page: Page, new_context: Callable[..., BrowserContext], errors: ConsoleWatch,
    live_server: LiveServer, tenant: Tenant,
) -> None:
    member = tenant.invite(live_server, "member")
    ingest_records(live_server, tenant, [message("T-1", "Is my order on its way?")])
    sign_in(page, live_server, tenant)
    mate = errors.watch(new_context().new_page())
    sign_in(mate, live_server, member)
    for tab in (page, mate):
        tab.locator(".conv-item", has_text="Ana Souza").click()
        expect(tab.locator(".msg-in")).to_have_count(1)

    box = mate.get_by_label("Reply", exact=True)
    box.type("Checking with the warehouse")
    expect(page.locator("#thread-sub")).to_contain_text("Member Person is typing…")
    expect(mate.locator("#thread-sub")).not_to_contain_text("typing")  # not about oneself
    box.press("Enter")
    expect(page.locator(".msg-out")).to_contain_text("Checking with the warehouse")
    expect(page.locator("#thread-sub")).not_to_contain_text("typing")

    page.get_by_label("Assignee").select_option(label="Member Person")
    expect(mate.get_by_label("Assignee")).to_have_value(str(member.user_id))
    mate.get_by_role("button", name="Assigned to me").click()
    expect(mate).to_have_url(re.compile(r"\?mine=1$"))
    expect(mate.locator(".conv-item")).to_have_count(1)
    page.get_by_label("Conversation status").select_option("pending")
    expect(mate.locator(".conv-item .chip-pending")).to_have_text("Pending")


def test_a_viewer_reads_but_cannot_reply_or_change(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    viewer = tenant.invite(live_server, "viewer")
    ingest_records(live_server, tenant, [message("V-1", "Hello, anyone there?")])
    sign_in(page, live_server, viewer)
    page.locator(".conv-item", has_text="Ana Souza").click()
    expect(page.locator(".msg-in")).to_have_text(re.compile("Hello, anyone there?"))
    box = page.get_by_label("Reply", exact=True)
    expect(box).to_be_disabled()
    expect(box).to_have_attribute("placeholder", re.compile(r"Your role \(viewer\)"))
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.get_by_label("Conversation status")).to_be_disabled()
    expect(page.locator(".msg-actions")).to_have_count(0)
    expect(page.locator(".conv-item .badge")).to_have_count(0)  # reading is allowed
