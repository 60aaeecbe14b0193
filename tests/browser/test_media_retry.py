"""A download the gateway gave up on: "Media unavailable: <reason>" with a Retry button
(members and up); Retry shows "Downloading…" again and the photo appears live once the
gateway's next pass fetches it (a viewer's 403 is in tests/webapp/media/test_retry.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
)
from webapp.db import Database
from webapp.media import downloads, samples
from webapp.media import service as media_service

pytestmark = pytest.mark.browser
CHAT = "5511966664444@s.whatsapp.net"
KEYS = {"direct_path": "/v/t62.7118-24/retry.enc", "media_key": "a2V5a2V5"}


def _device(db: Database, tenant: int) -> int:
    with db.tenant(tenant) as conn:
        row = conn.execute("select device_id from message_media").fetchone()
    assert row is not None
    return int(row["device_id"])


def test_retry_a_given_up_download_and_watch_it_arrive(
        page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant) -> None:
    db = live_server.db
    ingest_records(live_server, tenant, [
        message("RT-1", None, chat=CHAT, name="Rita Alves",
                at=datetime.now(UTC) - timedelta(minutes=2),
                media={"type": "image", "mime": "image/png", "size": 9_000, "download": KEYS,
                       "caption": "the broken screen"}),
    ])
    device = _device(db, tenant.id)
    for job in downloads.claim(db, tenant.id, device):  # the gateway's last failed attempt
        downloads.fail(db, tenant.id, job,
                       "download failed: 403 from the media server (gave up after 6 attempts)",
                       retry_in=None)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Rita Alves").click()
    gone = page.locator(".media-unavailable")
    expect(gone).to_contain_text("Media unavailable: download failed: 403 from the media server")
    page.screenshot(path="/tmp/media-retry-1280.png")

    gone.get_by_role("button", name="Retry the download").click()
    expect(page.locator(".media-downloading")).to_contain_text("Downloading photo…")
    expect(gone).to_have_count(0)

    store = media_service.store(live_server.app.extensions["mf_settings"])
    assert downloads.run_due(db, store, tenant.id, device, lambda job: samples.PHOTOS[1].data,
                             max_bytes=1 << 20, max_attempts=6) == ["ready"]
    photo = page.locator(".media-thumb img")  # live: message.updated re-renders the bubble
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 160",
                           arg=photo.element_handle())
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/media-retry-done-390.png")
