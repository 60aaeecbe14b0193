"""Helpers of the settings screens' browser tests (issue 14): a screenshot of the page when a
test fails (under /tmp/adminui-failures/), screenshots to look at, and opening a screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Tenant, sign_in

FAILURES = Path("/tmp/adminui-failures")
SHOTS = Path("/tmp/adminui-shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def failure_shot(request: pytest.FixtureRequest, page: Page) -> Iterator[None]:
    """Save a full-page screenshot of `page` when the test fails."""
    before = request.session.testsfailed
    yield
    if request.session.testsfailed > before:
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)[:120]
        try:
            page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a closed page must not hide the real failure
            pass


def shot(page: Page, name: str) -> None:
    """A screenshot to look at (never committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def open_screen(page: Page, server: LiveServer, tenant: Tenant, path: str) -> None:
    """Sign in and open an app path; wait for the live socket and the screen's data."""
    sign_in(page, server, tenant)
    page.goto(server.url + path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    expect(page.locator("#main")).to_have_attribute("aria-busy", "false")
