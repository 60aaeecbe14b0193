"""The Workflows settings screen: the list with on/off switches and the last runs (live on
workflow.executed); a manager reads only; a member is told who may open it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories as make
from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, wait_until
from tests.factories import msg
from webapp.messaging.ingest import ingest
from webapp.workflows import engine

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/workflows"


def enabled(server: LiveServer, tenant: Tenant) -> list[bool]:
    with server.db.tenant(tenant.id) as conn:
        return [r["enabled"] for r in conn.execute("select enabled from workflows").fetchall()]


def test_list_toggle_and_live_runs(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    expect(page.get_by_text("No workflows yet")).to_be_visible()
    client = live_server.app.test_client()
    r = client.post("/api/v1/workflows", headers=tenant.owner.headers, json={
        "name": "Urgent to action item", "trigger": {"type": "message.received"},
        "conditions": {"all": [{"type": "text_contains", "value": "urgent"}]},
        "actions": [{"type": "create_action_item", "title": "{{message.text}}"}]})
    assert r.status_code == 201, r.get_json()
    device = make.device(live_server.db, tenant.id)
    ingest(live_server.db, tenant.id, [msg("W1", "urgent: no water", 1)], device_id=device)
    engine.run_pending(live_server.db)
    page.reload()
    card = page.locator(".wf-card", has_text="Urgent to action item")
    expect(card.get_by_text("1 action done")).to_be_visible()
    expect(card.get_by_text(re.compile(r"When a message arrives, if its condition holds"))
           ).to_be_visible()

    ingest(live_server.db, tenant.id, [msg("W2", "all good", 2)], device_id=device)
    engine.run_pending(live_server.db)
    expect(card.get_by_text("no match")).to_be_visible()  # live, over the socket
    shot(page, "workflows-1280")

    page.get_by_label("Workflow Urgent to action item on or off").click()
    wait_until(page, lambda: enabled(live_server, tenant) == [False])
    expect(card.get_by_text("Off", exact=True)).to_be_visible()


def test_manager_reads_member_is_refused(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    client = live_server.app.test_client()
    r = client.post("/api/v1/workflows", headers=tenant.owner.headers, json={
        "name": "Label VIPs", "trigger": {"type": "message.analyzed"},
        "actions": [{"type": "set_priority", "priority": "high"}]})
    assert r.status_code == 201, r.get_json()
    manager = tenant.invite(live_server, "manager")
    open_screen(page, live_server, manager, PATH)
    expect(page.get_by_text(re.compile(r"Read only: your role \(manager\)"))).to_be_visible()
    expect(page.get_by_label("Workflow Label VIPs on or off")).to_be_disabled()
    shot(page, "workflows-manager-390")
    member = tenant.invite(live_server, "member")
    page.context.clear_cookies()
    open_screen(page, live_server, member, PATH)
    expect(page.get_by_text("Workflows are for managers")).to_be_visible()


def test_the_list_says_when_each_trigger_fires(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    client = live_server.app.test_client()
    for name, trigger in (
        ("Morning digest", {"type": "schedule", "cron": "0 9 * * mon-fri"}),
        ("Waiting too long", {"type": "conversation.unanswered", "minutes": 30,
                              "business_hours_only": True}),
        ("Blocked items", {"type": "action_item.status_changed", "to": "blocked"}),
    ):
        r = client.post("/api/v1/workflows", headers=tenant.owner.headers, json={
            "name": name, "trigger": trigger, "conditions": {"all": []},
            "actions": [{"type": "notify", "role": "manager", "title": name}]})
        assert r.status_code == 201, r.get_json()
    open_screen(page, live_server, tenant, PATH)
    expect(page.get_by_text("When the schedule “0 9 * * mon-fri” is due")).to_be_visible()
    expect(page.get_by_text(
        "When a conversation waits 30 min for an answer (business hours)")).to_be_visible()
    expect(page.get_by_text("When an action item moves to blocked")).to_be_visible()
