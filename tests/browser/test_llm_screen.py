"""The LLM providers screen: add a provider against a local OpenAI-compatible server (a bad
budget is refused with the field named), test it inline, reorder a feature's providers with
the keyboard and by dragging, see which provider each feature uses, the key re-entry rule on an
endpoint change, test all, the analysis switch; a manager reads, a viewer is refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.admin_support import DESKTOP, PHONE, failure_shot, open_screen, shot  # noqa: F401
from tests.browser.conftest import ConsoleWatch, LiveServer, Tenant, wait_until
from tests.fakes.llm_server import FakeLLMServer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
PATH = "/app/settings/llm"
FEATURE = "[data-feature='importance_detection']"


def add_provider(page: Page, name: str, base: str, model: str, budget: str = "",
                 key: str = "") -> None:
    """Fill and submit the add form for an OpenAI-compatible server."""
    page.get_by_role("button", name="Add provider").first.click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Kind").select_option("openai_compatible")
    page.get_by_label("Model").fill(model)
    page.get_by_label("Endpoint (base URL)").fill(base)
    page.get_by_label("API key").fill(key)
    page.get_by_label("Monthly budget (USD)").fill(budget)
    if budget:  # a budget needs prices for a model without a built-in price
        page.get_by_label("Price in (USD / million tokens)").fill("1")
        page.get_by_label("Price out (USD / million tokens)").fill("2")
    page.locator("#pf-submit").click()


def route_order(server: LiveServer, tenant: Tenant) -> list[str]:
    """The importance_detection route's provider names, first tried first."""
    with server.db.tenant(tenant.id) as conn:
        rows = conn.execute(
            "select p.name from llm_feature_routes r join llm_providers p on p.id ="
            " r.provider_id where r.feature = 'importance_detection' order by r.priority, p.id"
        ).fetchall()
    return [r["name"] for r in rows]


def test_providers_routing_and_tests(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
    fake: FakeLLMServer,
) -> None:
    errors.allowed_statuses.add(400)  # the negative budget, on purpose
    page.set_viewport_size(DESKTOP)
    open_screen(page, live_server, tenant, PATH)
    expect(page.get_by_text("No provider yet")).to_be_visible()
    expect(page.locator(FEATURE).locator(".uses-name")).to_have_text("Built-in local analyser")

    add_provider(page, "Local Llama", fake.openai_base, "llama3", budget="-5", key="sk-local-1")
    expect(page.locator("#provider-form [name=monthly_budget_usd]")).to_have_attribute(
        "aria-invalid", "true")
    page.get_by_label("Monthly budget (USD)").fill("10")
    page.locator("#pf-submit").click()
    card = page.get_by_role("article", name="Local Llama")
    expect(card).to_contain_text("OpenAI-compatible · llama3")
    expect(card).to_contain_text("of $10.00 this month")
    # the first active provider becomes the default, and every feature now uses it
    expect(page.get_by_text("Local Llama was added and is now the default.")).to_be_visible()
    expect(card.locator(".chip", has_text="Default")).to_be_visible()
    expect(page.locator(FEATURE).locator(".uses-name")).to_have_text("Local Llama")
    expect(page.locator(FEATURE).locator(".route-uses")).to_contain_text("the default provider")

    card.get_by_role("button", name="Test Local Llama").click()
    expect(card.locator(".test-result")).to_contain_text("Test passed in")

    add_provider(page, "Backup", fake.openai_base, "mistral")
    expect(page.get_by_role("article", name="Backup")).to_be_visible()
    feature = page.locator(FEATURE)
    add_to_route = feature.get_by_label("Add a provider to Importance detection")
    add_to_route.select_option(label="Local Llama")
    expect(feature.locator(".route-item")).to_have_count(1)
    add_to_route.select_option(label="Backup")
    expect(feature.locator(".route-item")).to_have_count(2)
    expect(feature.locator(".uses-name")).to_have_text("Local Llama")
    assert route_order(live_server, tenant) == ["Local Llama", "Backup"]

    # keyboard: Alt+ArrowUp moves the focused provider up
    feature.locator(".route-item", has_text="Backup").focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(feature.locator(".route-item").first).to_contain_text("Backup")
    expect(feature.locator(".uses-name")).to_have_text("Backup")
    assert route_order(live_server, tenant) == ["Backup", "Local Llama"]
    expect(feature.locator(".route-item", has_text="Backup")).to_be_focused()
    # the arrow buttons do the same
    feature.get_by_role("button", name="Move Local Llama up in Importance detection").click()
    expect(feature.locator(".route-item").first).to_contain_text("Local Llama")
    # drag: Backup's handle onto the first place
    handle = feature.locator(".route-item", has_text="Backup").locator(".drag-handle")
    target = feature.locator(".route-item", has_text="Local Llama").bounding_box()
    assert target is not None
    handle.hover()
    page.mouse.down()
    for step in range(1, 11):  # Sortable follows the pointer; it swaps past the middle
        page.mouse.move(target["x"] + 20, target["y"] + target["height"] * (1 - step / 10))
    page.mouse.up()
    expect(feature.locator(".route-item").first).to_contain_text("Backup")
    wait_until(page, lambda: route_order(live_server, tenant) == ["Backup", "Local Llama"])
    shot(page, "llm-1280")

    # editing the endpoint of a provider with a key asks for the key again
    card.get_by_role("button", name="Edit Local Llama").click()
    expect(page.locator("#pf-key-hint")).to_contain_text("Saved key")
    page.get_by_label("Endpoint (base URL)").fill(fake.openai_base + "/other")
    expect(page.locator("#pf-key-hint")).to_have_text("The endpoint changed: enter the key again.")
    page.locator("#pf-submit").click()
    expect(page.locator("#provider-form .field-error")).to_be_visible()
    page.get_by_label("Endpoint (base URL)").fill(fake.openai_base)
    page.get_by_label("Monthly budget (USD)").fill("25")
    page.locator("#pf-submit").click()
    expect(card).to_contain_text("of $25.00 this month")

    page.get_by_role("button", name="Test all").click()
    expect(page.get_by_role("article", name="Backup").locator(".test-result")).to_contain_text(
        "Test passed")

    # a provider cooling down is skipped: the feature says it uses the next one, and why
    with live_server.db.tenant(tenant.id) as conn:
        cur = conn.execute(
            "update llm_health set circuit = 'open', cooldown_until = now() + interval '10 min'"
            " where provider_id = (select id from llm_providers where name = 'Backup')")
        assert cur.rowcount == 1
    page.reload()
    expect(feature.locator(".uses-name")).to_have_text("Local Llama")
    expect(feature.locator(".route-uses")).to_contain_text("the ones before it are cooling down")
    expect(page.get_by_role("article", name="Backup").locator(".provider-health")).to_have_text(
        "Cooling down")

    switch = page.get_by_role("switch")
    expect(switch).to_be_checked()
    switch.click()
    expect(page.locator("#auto-analyze-label")).to_have_text("Off")
    with live_server.db.tenant(tenant.id) as conn:
        row = conn.execute("select auto_analyze from analysis_settings").fetchone()
    assert row == {"auto_analyze": False}


def test_a_manager_reads_and_a_viewer_is_refused(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    page.set_viewport_size(PHONE)
    viewer = tenant.invite(live_server, "viewer")
    open_screen(page, live_server, viewer, PATH)
    expect(page.get_by_role("heading", name="LLM providers are managed by admins")).to_be_visible()
    expect(page.get_by_role("button", name="Add provider")).to_be_hidden()
    shot(page, "llm-viewer-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_manager_sees_routing_read_only(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    manager = tenant.invite(live_server, "manager")
    open_screen(page, live_server, manager, PATH)
    expect(page.get_by_text(re.compile(r"Read only: your role \(manager\)"))).to_be_visible()
    expect(page.locator(FEATURE).locator(".uses-name")).to_have_text("Built-in local analyser")
    expect(page.get_by_role("button", name="Add provider")).to_be_hidden()
    expect(page.get_by_role("switch")).to_be_disabled()
