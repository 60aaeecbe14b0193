"""Media in the conversation screen (issue 13): a customer's photo shows as a thumbnail that
opens full size, a voice note plays, a download still in progress says so and turns into
"Media unavailable: <reason>" live when the gateway gives up, and an agent attaches a PDF
that goes queued -> sent -> delivered through the outbox (simulator device)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from tests.browser.outbox import OutboxDriver
from webapp.db import Database
from webapp.media import downloads, samples
from webapp.media import service as media_service

pytestmark = pytest.mark.browser
CHAT = "5511966665555@s.whatsapp.net"
KEYS = {"direct_path": "/v/t62.7118-24/late.enc", "media_key": "a2V5a2V5"}


def _give_up(db: Database, tenant: int) -> None:
    """What the gateway does after its last failed attempt."""
    with db.tenant(tenant) as conn:
        conn.execute("update message_media set next_attempt_at = now()")
        device = conn.execute("select device_id from message_media where state = 'pending'"
                              ).fetchone()
    assert device is not None
    for job in downloads.claim(db, tenant, device["device_id"]):
        downloads.fail(db, tenant, job, "download failed: 404 from the media server",
                       retry_in=None)


def test_photo_voice_note_and_a_pdf_sent_to_delivered(
        page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
        outbox: OutboxDriver, tmp_path: Path) -> None:
    samples.ensure_samples(media_service.store(live_server.app.extensions["mf_settings"]))
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("MD-1", None, chat=CHAT, name="Marta Lima", at=now - timedelta(minutes=4),
                media=samples.PHOTOS[0].media("The router's lights are all red")),
        message("MD-2", None, chat=CHAT, name="Marta Lima", at=now - timedelta(minutes=3),
                media=samples.VOICE_NOTE.media()),
        message("MD-3", None, chat=CHAT, name="Marta Lima", at=now - timedelta(minutes=2),
                media={"type": "image", "mime": "image/jpeg", "size": 48_000,
                       "download": KEYS}),
        message("MD-4", "Can you send me the invoice as well?", chat=CHAT, name="Marta Lima",
                at=now - timedelta(minutes=1)),
    ])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Marta Lima").click()

    photo = page.locator(".media-thumb img")
    expect(photo).to_be_visible()
    expect(photo).to_have_attribute("alt", "The router's lights are all red")
    page.wait_for_function("img => img.complete && img.naturalWidth === 160",
                           arg=photo.element_handle())
    link = page.locator("a.media-thumb")
    expect(link).to_have_attribute("target", "_blank")
    full = page.request.get(live_server.url + str(link.get_attribute("href")))
    assert full.status == 200 and full.body() == samples.PHOTOS[0].data

    voice = page.locator(".media-voice audio")
    expect(page.locator(".media-voice")).to_contain_text("Voice note")
    voice.click()  # a user gesture, so the browser lets the page play sound
    played = voice.evaluate("el => el.play().then(() => new Promise("
                            "r => setTimeout(() => r([el.currentTime, el.duration]), 700)))")
    assert played[0] > 0 and abs(played[1] - 2.0) < 0.1, played

    waiting = page.locator(".media-downloading")
    expect(waiting).to_have_text("Downloading photo…47 KB")
    _give_up(live_server.db, tenant.id)  # live: message.updated re-renders the bubble
    expect(page.locator(".media-unavailable")).to_contain_text(
        "Media unavailable: download failed: 404 from the media server")
    expect(waiting).to_have_count(0)
    page.screenshot(path="/tmp/media-thread-1280.png")

    pdf = tmp_path / "INV-77.pdf"
    pdf.write_bytes(samples.INVOICE.data)
    page.locator("#attach-input").set_input_files(str(pdf))
    chip = page.locator("#composer-attachment")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("INV-77.pdf")
    page.screenshot(path="/tmp/media-attach-1280.png")
    outbox.start()
    box = page.get_by_label("Reply", exact=True)
    box.fill("Here is your invoice")
    box.press("Enter")
    sent = page.locator(".msg-out").last
    expect(sent.locator("a.media-file .media-name")).to_have_text("INV-77.pdf")
    expect(sent.locator(".msg-text")).to_have_text("Here is your invoice")
    expect(sent).to_have_attribute("data-status", "delivered", timeout=15_000)
    expect(chip).to_be_hidden()
    href = sent.locator("a.media-file").get_attribute("href")
    got = page.request.get(live_server.url + str(href))
    assert got.status == 200 and got.headers["content-type"] == "application/pdf"
    assert got.body() == samples.INVOICE.data
    page.screenshot(path="/tmp/media-sent-1280.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(".media-voice").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/media-phone-390.png")


def test_a_refused_attachment_says_why_and_is_not_sent(
        page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
        tmp_path: Path) -> None:
    errors.allowed_statuses.add(415)
    ingest_records(live_server, tenant, [message("MD-9", "hello", chat=CHAT, name="Marta")])
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Marta").click()
    bad = tmp_path / "page.html"
    bad.write_text("<html><script>alert(1)</script></html>")
    page.locator("#attach-input").set_input_files(str(bad))
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".toast")).to_contain_text("This type of file cannot be sent")
    expect(page.locator(".msg-out")).to_have_count(0)
    expect(page.locator("#composer-attachment")).to_contain_text("page.html")  # kept to fix
