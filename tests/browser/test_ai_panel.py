"""AI beside the thread: an analysed message shows its verdict (priority, sentiment, language;
the reason on click), "Analyse" re-runs it live, the AI tab shows the counts, summarises on
request (saying which analyser answered), and accepts a proposed action item onto the board."""

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

pytestmark = pytest.mark.browser
CHAT = "5511911112222@s.whatsapp.net"


def test_ai_panel(page: Page, errors: ConsoleWatch, live_server: LiveServer,
                  tenant: Tenant) -> None:
    now = datetime.now(UTC)
    ingest_records(live_server, tenant, [
        message("AI-1", "URGENT: the payment terminal is down, we cannot sell anything. "
                "Please send a technician before 14h tomorrow!", chat=CHAT, name="Rui Gomes",
                at=now - timedelta(minutes=3)),
        message("AI-2", "thanks, all good", chat=CHAT, name="Rui Gomes",
                at=now - timedelta(minutes=2)),
    ])
    client = live_server.app.test_client()
    headers = tenant.owner.headers
    conv = client.get("/api/v1/conversations", headers=headers).get_json()["data"][0]["id"]
    msgs = client.get(f"/api/v1/conversations/{conv}/messages", headers=headers).get_json()
    urgent = next(m for m in msgs["data"] if m["text"].startswith("URGENT"))
    assert client.post("/api/v1/messages/analyze", headers=headers,
                       json={"message_id": urgent["id"]}).status_code == 200
    extracted = client.post("/api/v1/messages/extract-actions", headers=headers,
                            json={"conversation_id": conv})
    assert extracted.status_code == 200, extracted.get_json()

    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Rui Gomes").click()
    badge = page.locator(".msg-in", has_text="payment terminal").locator(".ai-badge")
    expect(badge.locator("summary")).to_contain_text("important")
    badge.locator("summary").click()
    expect(badge.locator(".ai-detail")).to_contain_text("built-in analyser")

    # "Analyse" on the other message: its verdict appears live.
    calm = page.locator(".msg-in", has_text="thanks, all good")
    expect(calm.locator(".ai-badge")).to_have_count(0)
    calm.hover()
    calm.get_by_role("button", name="Analyse this message from Rui Gomes").click()
    expect(calm.locator(".ai-badge summary")).to_contain_text("Low")

    page.get_by_role("button", name="Details").click()
    page.get_by_role("tab", name="AI").click()
    panel = page.locator("#ai-panel")
    expect(panel.locator(".ai-counts")).to_contain_text("2 analysed")
    expect(panel).to_contain_text("No summary yet")
    panel.get_by_role("button", name="Summarise").click()
    expect(panel.locator(".ai-summary")).not_to_be_empty()
    expect(panel.locator(".ai-by").first).to_contain_text("by the built-in analyser")

    items = panel.locator(".ai-item")
    expect(items.first).to_be_visible()
    count = items.count()
    title = items.first.locator(".ai-item-title").inner_text()
    items.first.get_by_role("button", name=f"Accept: {title}").click()
    expect(items).to_have_count(count - 1)
    page.screenshot(path="/tmp/ai-panel.png")
    todo = client.get("/api/v1/action-items", headers=headers,
                      query_string={"conversation_id": conv, "status": "todo"}).get_json()
    assert [i["title"] for i in todo["data"]] == [title]
