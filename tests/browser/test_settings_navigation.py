"""The top bar's settings menu reaches every screen, the theme follows the system until the
user chooses (and is remembered per user), unknown /app paths show the app's own not-found
page, and the conversation header's selects keep their values readable at 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.admin_support import PHONE, failure_shot, shot  # noqa: F401
from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("failure_shot")]
SCREENS = {"WhatsApp numbers": "/app/settings/whatsapp", "Team": "/app/settings/team",
           "LLM providers": "/app/settings/llm", "Labels": "/app/settings/labels",
           "Audit log": "/app/settings/audit", "Workspace settings": "/app/settings/tenant",
           "Your profile": "/app/profile"}


def test_the_settings_menu_reaches_every_screen(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    sign_in(page, live_server, tenant)
    menu_button = page.get_by_role("button", name="Settings", exact=True)
    for label, path in SCREENS.items():
        # the menu is a module's: wait for the page's scripts (the socket opens after them)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
        menu_button.click()
        page.get_by_role("menuitem", name=label).click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("#page-state.is-error")).to_be_hidden()
    # keyboard: ArrowDown opens the menu on its first entry, Escape closes it (once the last
    # screen's scripts have wired the menu)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    menu_button.focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="WhatsApp numbers")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Team")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#settings-menu")).to_be_hidden()
    expect(menu_button).to_be_focused()


def test_sign_out_is_in_the_menu(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    sign_in(page, live_server, tenant)
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_unknown_app_paths_show_the_apps_not_found_page(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    errors.allowed_statuses.add(404)  # the document itself answers 404
    sign_in(page, live_server, tenant)
    for path in ("/app/nowhere", "/app/settings/nothing", "/app/conversations/abc/x"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
        expect(page.locator("main code")).to_have_text(path)
    page.get_by_role("link", name="Go to the dashboard").click()
    expect(page).to_have_url(re.compile(r"/app/"))


def test_theme_follows_the_system_until_chosen_and_is_kept_per_user(
    new_context: Callable[..., BrowserContext], errors: ConsoleWatch, live_server: LiveServer,
    tenant: Tenant,
) -> None:
    dark = errors.watch(new_context(color_scheme="dark").new_page())
    sign_in(dark, live_server, tenant)
    html = dark.locator("html")
    expect(html).to_have_attribute("data-theme", "dark")  # the system's choice
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 20, 26)", background
    shot(dark, "theme-dark-conversations")
    dark.get_by_role("button", name="Settings", exact=True).click()
    dark.get_by_role("menuitemradio", name="Light").click()
    expect(html).to_have_attribute("data-theme", "light")
    dark.reload()
    expect(html).to_have_attribute("data-theme", "light")  # remembered
    expect(html).to_have_attribute("data-theme-pref", "light")
    # another user signing in on the same browser gets their own (the system's) theme back
    other = tenant.invite(live_server, "member")
    dark.get_by_role("button", name="Settings", exact=True).click()
    dark.get_by_role("menuitem", name="Sign out").click()
    expect(dark).to_have_url(re.compile(r"/login$"))
    dark.evaluate("(id) => localStorage.setItem('mf-theme:' + id, 'dark')", other.user_id)
    sign_in(dark, live_server, other)
    expect(html).to_have_attribute("data-theme", "dark")


SELECT_FITS = """(el) => {
  const ctx = document.createElement('canvas').getContext('2d');
  const cs = getComputedStyle(el);
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const text = el.options[el.selectedIndex].text;
  const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  return ctx.measureText(text).width <= room;
}"""


def test_conversation_header_selects_do_not_truncate_on_a_phone(
    new_context: Callable[..., BrowserContext], errors: ConsoleWatch, live_server: LiveServer,
    tenant: Tenant,
) -> None:
    ingest_records(live_server, tenant, [message("P-1", "Hello from a phone")])
    phone = errors.watch(new_context().new_page())
    phone.set_viewport_size(PHONE)
    sign_in(phone, live_server, tenant)
    phone.locator(".conv-item", has_text="Ana Souza").click()
    phone.get_by_label("Assignee").select_option(label="Olivia Owner")
    phone.get_by_label("Priority").select_option("urgent")
    for label in ("Conversation status", "Priority", "Assignee"):
        select = phone.get_by_label(label)
        expect(select).to_be_visible()
        assert select.evaluate(SELECT_FITS), f"{label} is truncated"
    shot(phone, "phone-conversation-header")
    phone.get_by_role("button", name="Settings", exact=True).click()
    expect(phone.get_by_role("menuitem", name="Team")).to_be_visible()
    shot(phone, "phone-settings-menu")


def test_every_screen_fits_a_phone_in_dark_mode(
    new_context: Callable[..., BrowserContext], errors: ConsoleWatch, live_server: LiveServer,
    tenant: Tenant,
) -> None:
    page = errors.watch(new_context(color_scheme="dark").new_page())
    sign_in(page, live_server, tenant)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        for label, path in SCREENS.items():
            page.goto(live_server.url + path)
            expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
            expect(page.locator("#page-state.is-error")).to_be_hidden()
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{label} overflows at {width}px ({overflow})"
            shot(page, f"dark-{width}-{path.rsplit('/', 1)[-1]}")
