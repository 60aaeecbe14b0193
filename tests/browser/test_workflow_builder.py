"""The workflow builder (issue 15's done-when): a newcomer builds "urgent message from a group →
action item + Slack message" in the form generated from the vocabulary, dry-runs it on stored
messages, saves and turns it on, then watches executions arrive live while the Slack delivery
reaches a loopback receiver. Also: a 400 shown at the field it names, and a manager's read-only
view (a viewer is refused)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.browser.admin_support import DESKTOP, PHONE, SHOTS, failure_shot, open_screen  # noqa: F401
from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    serve,
    wait_until,
)
from tests.webapp.integrations.receivers import HttpReceiver, http_receiver

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
LIST = "/app/settings/workflows"
GROUP = "120363000000000015@g.us"
ANA = "5511999990015@s.whatsapp.net"


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[LiveServer]:
    """The app with its delivery queue and workflow engine running (as in production)."""
    yield from serve(database_url, tmp_path_factory.mktemp("home"), delivery_worker=True)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as server:
        yield server


def shots(page: Page, name: str, focus: str | None = None) -> None:
    """Screenshots at 1280x800 and 390 px wide, `focus` scrolled into view, plus the whole
    screen on a tall viewport (the app scrolls inside its shell); to look at, never committed."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, tag in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        if focus:
            page.locator(focus).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-{tag}.png"))
        page.set_viewport_size({"width": size["width"], "height": 3200})
        page.screenshot(path=str(SHOTS / f"{name}-{tag}-all.png"))
    page.set_viewport_size(DESKTOP)


def group_message(wa_id: str, text: str) -> dict[str, Any]:
    return message(wa_id, text, chat=GROUP, sender=ANA, name="Ana Souza")


def one(server: LiveServer, tenant: Tenant, query: str) -> Any:
    with server.db.tenant(tenant.id) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[call-overload]
    return None if row is None else next(iter(row.values()))


def condition(page: Page, i: int) -> Locator:
    return page.locator("#wb-conditions li.wb-condition").nth(i)


def test_build_dry_run_save_enable_and_watch_it_run(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
    receiver: HttpReceiver,
) -> None:
    client = live_server.app.test_client()
    r = client.post("/api/v1/integrations/slack", headers=tenant.owner.headers, json={
        "name": "Ops channel", "webhook_url": f"{receiver.url}/services/T1/B1/hook"})
    assert r.status_code == 201, r.get_json()
    slack_id = r.get_json()["id"]
    ingest_records(live_server, tenant, [
        group_message("WB1", "URGENT: the lift is stuck on floor 3"),
        message("WB2", "urgent, call me back", chat=ANA),  # urgent, but not from a group
        group_message("WB3", "who is up for lunch?"),
    ])

    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, LIST)
    expect(page.get_by_text("No workflows yet")).to_be_visible()
    page.get_by_role("link", name="New workflow").click()
    expect(page).to_have_url(re.compile(r"/app/settings/workflows/new$"))
    expect(page.locator("#main")).to_have_attribute("aria-busy", "false")

    # The form comes from the vocabulary: every trigger, condition and action is an option.
    vocabulary = client.get("/api/v1/workflows/vocabulary", headers=tenant.owner.headers
                            ).get_json()
    trigger = page.get_by_label("Trigger")
    assert trigger.locator("option").all_inner_texts()[1:] == [
        t["type"].replace(".", " ").replace("_", " ").capitalize() for t in vocabulary["triggers"]]
    page.get_by_label("Workflow name").fill("Urgent group messages")
    trigger.select_option("message.received")

    page.get_by_role("button", name="Add condition").click()
    condition(page, 0).get_by_label("Condition", exact=True).select_option("text_contains")
    condition(page, 0).get_by_label("Value").fill("urgent")
    page.get_by_role("button", name="Add condition").click()
    choices = condition(page, 1).get_by_label("Condition", exact=True).locator("option")
    fitting = [c for c in vocabulary["conditions"]
               if "message.received" in c.get("triggers", ["message.received"])]
    expect(choices).to_have_count(len(fitting) + 1)  # and "Choose…"
    condition(page, 1).get_by_label("Condition", exact=True).select_option("is_group")
    expect(condition(page, 1).get_by_label("Value")).to_have_value("true")  # "Yes"

    # Two actions, added in the wrong order and put right with "Move up".
    page.get_by_role("button", name="Add action").click()
    page.get_by_label("Action 1", exact=True).select_option("send_slack")
    first = page.locator("li.wb-action").nth(0)
    first.get_by_label("Integration").select_option(label="Ops channel")
    first.get_by_label("Text").fill("Urgent in {{conversation.title}}: {{message.text}}")
    page.get_by_role("button", name="Add action").click()
    page.get_by_label("Action 2", exact=True).select_option("create_action_item")
    second = page.locator("li.wb-action").nth(1)
    second.get_by_label("Title").fill("Follow up: {{message.text}}")
    second.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Move up action 2").click()
    expect(page.get_by_label("Action 1", exact=True)).to_have_value("create_action_item")
    expect(page.get_by_label("Action 2", exact=True)).to_have_value("send_slack")

    # The dry run of the unsaved form, on the stored messages: only the group's urgent one.
    page.get_by_role("button", name="Dry run").click()
    result = page.locator("#wb-try-result")
    expect(result.get_by_text("1 of 3 messages would match.")).to_be_visible()
    hit = result.locator(".wb-dry-item[data-matched=true]")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("URGENT: the lift is stuck on floor 3")
    expect(hit).to_contain_text("Follow up: URGENT: the lift is stuck on floor 3")
    expect(hit).to_contain_text(f"send_slack through integration {slack_id}")
    expect(result.locator(".wb-dry-item[data-matched=false]")).to_have_count(2)
    assert one(live_server, tenant, "select count(*) from workflows") == 0  # nothing saved
    assert one(live_server, tenant, "select count(*) from action_items") == 0
    shots(page, "workflow-builder-dry-run", "#wb-try-result")

    # Saved (off), then turned on; the page becomes the saved workflow's.
    page.get_by_role("button", name="Save workflow").click()
    expect(page).to_have_url(re.compile(r"/app/settings/workflows/\d+$"))
    expect(page.get_by_role("heading", name="Urgent group messages")).to_be_visible()
    expect(page.get_by_text("No executions yet")).to_be_visible()
    saved = client.get("/api/v1/workflows", headers=tenant.owner.headers).get_json()["data"]
    assert [(w["name"], w["enabled"], [a["type"] for a in w["actions"]]) for w in saved] == [
        ("Urgent group messages", False, ["create_action_item", "send_slack"])]
    assert saved[0]["conditions"] == {"all": [{"type": "text_contains", "value": "urgent"},
                                              {"type": "is_group", "value": True}]}
    page.get_by_role("switch").click()
    expect(page.locator("#wb-enabled-text")).to_have_text("On")
    wait_until(page, lambda: one(live_server, tenant, "select bool_and(enabled) from workflows"))

    # Traffic arrives: the executions appear live, the Slack message reaches the receiver.
    ingest_records(live_server, tenant, [group_message("WB4", "urgent: water on the floor"),
                                         group_message("WB5", "all fixed, thanks")])
    runs = page.locator("#wb-runs li.wb-run")
    expect(runs).to_have_count(2, timeout=15_000)
    matched = page.locator("#wb-runs li.wb-run[data-matched=true]")
    expect(matched).to_have_count(1)
    expect(matched).to_contain_text(re.compile(r"Create action item: action item \d+ created"))
    expect(matched).to_contain_text(re.compile(r"Send slack: delivery \d+ queued"))
    expect(page.locator("#wb-runs li.wb-run[data-matched=false]")).to_contain_text("no match")
    wait_until(page, lambda: len(receiver.requests) == 1, timeout_s=15)
    assert receiver.requests[0].path == "/services/T1/B1/hook"
    assert receiver.requests[0].json()["text"].endswith(": urgent: water on the floor")
    assert one(live_server, tenant, "select title from action_items") == \
        "Follow up: urgent: water on the floor"
    shots(page, "workflow-builder-executions", "#wb-runs")

    # The delivery shows in the Slack integration's log as delivered.
    page.goto(live_server.url + "/app/integrations")
    card = page.locator(".int-card", has_text="Ops channel")
    card.get_by_role("button", name="Deliveries").click()
    expect(page.locator("#int-log tr[data-status=delivered]")).to_have_count(1)


def test_validation_error_shows_at_its_field(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(400)  # the API's refusals are the point of this test
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, f"{LIST}/new")
    page.get_by_label("Workflow name").fill("Catastrophic")
    page.get_by_role("button", name="Add condition").click()
    condition(page, 0).get_by_label("Condition", exact=True).select_option("text_matches")
    pattern = condition(page, 0).get_by_label("Pattern")
    pattern.fill("(a+)+$")
    page.get_by_role("button", name="Add action").click()
    page.get_by_label("Action 1", exact=True).select_option("create_action_item")

    page.get_by_role("button", name="Save workflow").click()
    expect(pattern).to_have_attribute("aria-invalid", "true")
    at_pattern = condition(page, 0).locator(".field-error[data-for='conditions.all[0].pattern']")
    expect(at_pattern).to_be_visible()
    title = page.locator("li.wb-action").nth(0).get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error[data-for='actions[0].title']")).to_have_text("required")
    expect(page.locator("#wb-error")).to_have_text("Check the highlighted fields.")
    shots(page, "workflow-builder-invalid", "#wb-conditions")
    # The dry run validates the same way (clicking it clears the messages until it answers).
    page.get_by_role("button", name="Dry run").click()
    expect(at_pattern).to_be_visible()
    expect(page.get_by_role("button", name="Dry run")).to_be_enabled()

    pattern.fill("^help\\b")
    expect(at_pattern).to_have_count(0)  # typing clears the field's message
    title.fill("Help: {{message.text}}")
    # A nested group: "any" of two conditions, inside the top-level "all".
    page.get_by_role("button", name="Add group").click()
    group = page.locator("li.wb-subgroup")
    group.get_by_label("Group matches").select_option("any")
    group.locator("li.wb-condition").nth(0).get_by_label("Condition", exact=True
                                                        ).select_option("language")
    group.locator("li.wb-condition").nth(0).get_by_label("Value").fill("pt")
    group.get_by_role("button", name="Add condition to group").click()
    group.locator("li.wb-condition").nth(1).get_by_label("Condition", exact=True
                                                        ).select_option("sentiment")
    group.locator("li.wb-condition").nth(1).get_by_label("Value").select_option("negative")
    page.get_by_role("button", name="Save workflow").click()
    expect(page).to_have_url(re.compile(r"/app/settings/workflows/\d+$"))
    assert one(live_server, tenant, "select conditions from workflows") == {"all": [
        {"type": "text_matches", "pattern": "^help\\b"},
        {"any": [{"type": "language", "value": "pt"},
                 {"type": "sentiment", "value": "negative"}]}]}

    page.get_by_role("button", name="Delete workflow").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete workflow").click()
    expect(page).to_have_url(re.compile(r"/app/settings/workflows$"))
    expect(page.get_by_text("No workflows yet")).to_be_visible()
    assert one(live_server, tenant, "select count(*) from workflows") == 0


def test_the_form_follows_the_vocabulary(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    """A trigger and an action the page has never heard of render with their parameters'
    fields (the vocabulary is served with two more entries for this test)."""
    def extended(route: Route) -> None:
        body = route.fetch().json()
        body["triggers"].append({
            "type": "sla.breached", "description": "Nobody answered for a while.",
            "params": {"minutes": {"type": "integer", "required": True,
                                   "description": "minutes without an answer"},
                       "business_hours": {"type": "boolean", "required": False,
                                          "description": "count business hours only"}}})
        body["actions"].append({
            "type": "escalate", "description": "Escalate to people.",
            "params": {"user_ids": {"type": "integer[]", "required": True,
                                    "description": "member ids"},
                       "level": {"type": "string", "required": True, "description": "level",
                                 "choices": ["one", "two"]},
                       "tags": {"type": "string[]", "required": False, "description": "tags"}}})
        body["conditions"].append({
            "type": "waited_long", "description": "Only for unanswered conversations.",
            "params": {}, "triggers": ["sla.breached"]})
        route.fulfill(json=body)

    page.route("**/api/v1/workflows/vocabulary", extended)
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, f"{LIST}/new")
    page.get_by_label("Trigger").select_option("sla.breached")
    expect(page.get_by_text("Nobody answered for a while.")).to_be_visible()
    expect(page.locator("#wb-trigger").get_by_label("Minutes")).to_have_attribute("type", "number")
    expect(page.locator("#wb-trigger").get_by_label("Business hours (optional)")).to_have_value("")
    page.get_by_role("button", name="Add action").click()
    page.get_by_label("Action 1", exact=True).select_option("escalate")
    action = page.locator("li.wb-action").nth(0)
    expect(action.get_by_role("group", name="Users")).to_be_visible()
    expect(action.get_by_label(re.compile("Olivia Owner"))).not_to_be_checked()
    expect(action.get_by_label("Level").locator("option")).to_have_text(["Choose…", "One", "Two"])
    expect(action.get_by_label("Tags (optional)")).to_have_attribute(
        "placeholder", "separated by commas")

    # A condition that lists its triggers is offered only with them.
    page.get_by_role("button", name="Add condition").click()
    condition(page, 0).get_by_label("Condition", exact=True).select_option("waited_long")
    expect(page.get_by_text("Only for unanswered conversations.")).to_be_visible()
    page.get_by_label("Trigger").select_option("message.received")
    expect(condition(page, 0).get_by_label("Condition", exact=True).locator("option:checked")
           ).to_have_text("Waited long (not for this trigger)")
    page.get_by_role("button", name="Add condition").click()
    expect(condition(page, 1).get_by_label("Condition", exact=True)
           .locator("option[value=waited_long]")).to_have_count(0)


def test_manager_reads_without_controls_viewer_is_refused(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    client = live_server.app.test_client()
    r = client.post("/api/v1/workflows", headers=tenant.owner.headers, json={
        "name": "VIP escalation", "trigger": {"type": "message.analyzed"},
        "conditions": {"any": [{"type": "is_important", "value": True},
                               {"all": [{"type": "priority_at_least", "value": "high"},
                                        {"type": "sentiment", "value": "negative"}]}]},
        "actions": [{"type": "set_priority", "priority": "urgent"},
                    {"type": "notify", "role": "manager", "title": "VIP: {{message.text}}"}]})
    assert r.status_code == 201, r.get_json()
    wid = r.get_json()["id"]
    manager = tenant.invite(live_server, "manager")
    page.set_viewport_size(PHONE)
    open_screen(page, live_server, manager, LIST)
    expect(page.get_by_role("link", name="New workflow")).to_be_hidden()
    page.get_by_role("link", name="VIP escalation").click()
    expect(page).to_have_url(re.compile(rf"/app/settings/workflows/{wid}$"))
    expect(page.get_by_text(re.compile(r"Read only: your role \(manager\)"))).to_be_visible()
    expect(page.get_by_label("Trigger")).to_have_value("message.analyzed")
    expect(page.get_by_label("Trigger")).to_be_disabled()
    expect(page.locator("li.wb-subgroup li.wb-condition")).to_have_count(2)
    expect(page.get_by_label("Action 2", exact=True)).to_have_value("notify")
    expect(page.locator("li.wb-action").nth(1).get_by_label("Role")).to_have_value("manager")
    expect(page.get_by_role("switch")).to_be_disabled()
    for name in ("Add condition", "Add action", "Dry run", "Save workflow", "Remove action 1"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_text("No executions yet")).to_be_visible()
    shots(page, "workflow-builder-manager")
    page.goto(live_server.url + f"{LIST}/new")
    expect(page.get_by_text("Only admins create workflows")).to_be_visible()

    viewer = tenant.invite(live_server, "viewer")
    page.context.clear_cookies()
    open_screen(page, live_server, viewer, f"{LIST}/{wid}")
    expect(page.get_by_text("Workflows are for managers")).to_be_visible()
