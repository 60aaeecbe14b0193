"""The Action items screen in Chromium: create, drag across columns (order survives a reload),
the keyboard alternative, accept/reject of the analysis' proposals, comments with an @mention
that lights up a teammate's bell live, mark read / all read, a viewer's read-only screen, columns
that page through all their items, and linking a conversation (the picker in the create form,
and "New action item" from a conversation)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import (
    ConsoleWatch,
    LiveServer,
    Tenant,
    ingest_records,
    message,
    sign_in,
    wait_until,
)

pytestmark = pytest.mark.browser


def api(server: LiveServer, tenant: Tenant, method: str, path: str,
        body: dict[str, Any] | None = None) -> Any:
    """Call the API as the tenant's owner (arranging data, checking what the page did)."""
    client = server.app.test_client()
    r = client.open(f"/api/v1{path}", method=method, json=body, headers=tenant.owner.headers)
    assert r.status_code < 300, r.get_json()
    return r.get_json()


def create(server: LiveServer, tenant: Tenant, title: str, **body: Any) -> int:
    """A manual action item created through the API; its id."""
    item = api(server, tenant, "POST", "/action-items", {"title": title, **body})
    return int(item["id"])


def propose(server: LiveServer, tenant: Tenant, description: str) -> int:
    """A proposal as the analysis writes it (status proposed, origin analysis)."""
    with server.db.tenant(tenant.id) as conn:
        row = conn.execute("insert into action_items (tenant_id, description, origin) "
                           "values (mf_current_tenant(), %s, 'analysis') returning id",
                           (description,)).fetchone()
    assert row is not None
    return int(row["id"])


def column(page: Page, status: str) -> Locator:
    """The cards of one board column."""
    return page.locator(f'.column-list[data-status="{status}"] .card-title')


def drag(page: Page, source: Locator, target: Locator, *, top: bool = False) -> None:
    """Drag with the mouse in small steps (SortableJS decides from a series of dragovers)
    onto the target's middle, and with top=True on up past its top edge."""
    src, dst = source.bounding_box(), target.bounding_box()
    assert src is not None and dst is not None
    page.mouse.move(src["x"] + src["width"] / 2, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(src["x"] + src["width"] / 2 + 8, src["y"] + src["height"] / 2 + 8, steps=4)
    x, middle = dst["x"] + dst["width"] / 2, dst["y"] + dst["height"] / 2
    page.mouse.move(x, middle, steps=16)
    if top:  # up over the target's top edge: the card goes before it
        page.mouse.move(x, dst["y"] - 2, steps=8)
    page.mouse.up()
    expect(page.locator("#board")).not_to_have_attribute("aria-busy", "true")


def open_board(page: Page, server: LiveServer, tenant: Tenant) -> None:
    """Sign in and open the Action items screen through the navigation."""
    sign_in(page, server, tenant)
    page.get_by_role("link", name="Action items").click()
    expect(page).to_have_url(re.compile(r"/app/action-items"))
    expect(page.locator(".column")).to_have_count(6)


def test_create_drag_to_another_column_and_reload_keeps_the_order(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    open_board(page, live_server, tenant)
    expect(page.locator('.column[data-status="todo"] .column-empty')).to_be_visible()
    page.get_by_role("button", name="List").click()
    expect(page.locator("#items-state")).to_contain_text("No action items yet")
    expect(page.locator(".item-table")).to_be_hidden()
    page.get_by_role("button", name="Board").click()
    expect(page.locator("#items-state")).to_be_hidden()
    for title in ("Call the supplier", "Send the invoice", "Refund order 1182"):
        page.get_by_role("button", name="New item").click()
        dialog = page.get_by_role("dialog", name="New action item")
        dialog.get_by_label("Title").fill(title)
        dialog.get_by_role("button", name="Create").click()
        expect(dialog).not_to_be_visible()
    expect(column(page, "todo")).to_have_text(
        ["Call the supplier", "Send the invoice", "Refund order 1182"])

    drag(page, page.locator(".card", has_text="Refund order 1182"),
         page.locator('.column-list[data-status="in_progress"]'))
    expect(column(page, "in_progress")).to_have_text(["Refund order 1182"])
    drag(page, page.locator(".card", has_text="Call the supplier"),
         page.locator(".card", has_text="Refund order 1182"), top=True)
    expect(column(page, "in_progress")).to_have_text(["Call the supplier", "Refund order 1182"])
    expect(column(page, "todo")).to_have_text(["Send the invoice"])

    page.reload()
    expect(column(page, "in_progress")).to_have_text(["Call the supplier", "Refund order 1182"])
    expect(column(page, "todo")).to_have_text(["Send the invoice"])
    listed = api(live_server, tenant, "GET", "/action-items?status=in_progress&order=position")
    assert [i["title"] for i in listed["data"]] == ["Call the supplier", "Refund order 1182"]


def test_cards_move_with_the_keyboard(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    first = create(live_server, tenant, "Check the courier")
    create(live_server, tenant, "Answer the landlord")
    open_board(page, live_server, tenant)
    card = page.locator(".card", has_text="Check the courier")
    card.focus()
    page.keyboard.press("Space")
    expect(card).to_have_class(re.compile("card-grabbed"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(column(page, "blocked")).to_have_text(["Check the courier"])
    expect(page.locator("#announcer")).to_contain_text("Blocked")
    wait_until(page, lambda: api(live_server, tenant, "GET",
                                 f"/action-items/{first}")["status"] == "blocked")

    other = page.locator(".card", has_text="Answer the landlord")
    other.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")  # already last: stays
    page.keyboard.press("ArrowUp")    # above "Check the courier"
    page.keyboard.press("Enter")
    expect(column(page, "blocked")).to_have_text(["Answer the landlord", "Check the courier"])

    page.locator(".card", has_text="Check the courier").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")  # cancelled: back where it was
    expect(column(page, "blocked")).to_have_text(["Answer the landlord", "Check the courier"])
    page.reload()
    expect(column(page, "blocked")).to_have_text(["Answer the landlord", "Check the courier"])
    assert api(live_server, tenant, "GET", f"/action-items/{first}")["status"] == "blocked"


def test_proposed_items_are_accepted_or_rejected(
    page: Page, new_context: Callable[..., BrowserContext], errors: ConsoleWatch,
    live_server: LiveServer, tenant: Tenant,
) -> None:
    keep = propose(live_server, tenant, "Send the customer a new invoice")
    drop = propose(live_server, tenant, "Reply to the spam offer")
    mate = errors.watch(new_context().new_page())
    open_board(mate, live_server, tenant.invite(live_server, "member"))
    open_board(page, live_server, tenant)
    expect(column(page, "proposed")).to_have_count(2)
    page.get_by_role("button", name="Accept Send the customer a new invoice").click()
    expect(column(page, "todo")).to_have_text(["Send the customer a new invoice"])
    page.get_by_role("button", name="Reject Reply to the spam offer").click()
    expect(column(page, "rejected")).to_have_text(["Reply to the spam offer"])
    # A teammate's board follows live, and so do new items.
    expect(column(mate, "todo")).to_have_text(["Send the customer a new invoice"])
    expect(column(mate, "rejected")).to_have_text(["Reply to the spam offer"])
    create(live_server, tenant, "Print the shipping labels")
    expect(column(mate, "todo")).to_have_text(
        ["Send the customer a new invoice", "Print the shipping labels"])
    expect(page.locator('.column[data-status="proposed"] .column-empty')).to_be_visible()
    assert api(live_server, tenant, "GET", f"/action-items/{keep}")["status"] == "todo"
    assert api(live_server, tenant, "GET", f"/action-items/{drop}")["status"] == "rejected"

    page.get_by_role("button", name="List").click()
    expect(page).to_have_url(re.compile(r"view=list"))
    page.locator("#item-filters").get_by_label("Status").select_option("rejected")
    expect(page.locator(".item-row")).to_have_count(1)
    expect(page.locator(".item-row")).to_contain_text("Reply to the spam offer")


def test_a_mention_lights_up_the_teammates_bell_live(
    page: Page, new_context: Callable[..., BrowserContext], errors: ConsoleWatch,
    live_server: LiveServer, tenant: Tenant,
) -> None:
    member = tenant.invite(live_server, "member")
    item = create(live_server, tenant, "Chase the late delivery")
    mate = errors.watch(new_context().new_page())
    sign_in(mate, live_server, member)
    expect(mate.locator("#bell-count")).to_be_hidden()

    open_board(page, live_server, tenant)
    page.locator(".card", has_text="Chase the late delivery").click()
    expect(page).to_have_url(re.compile(rf"/app/action-items/{item}"))
    expect(page.locator("#detail-title")).to_have_text("Chase the late delivery")
    box = page.get_by_label("Comment", exact=True)
    box.type("Can you call them, @Memb")
    expect(page.locator("#mention-list [role=option]")).to_have_count(1)
    box.press("Enter")
    box.type("? Thanks")
    expect(box).to_have_value("Can you call them, @Member Person ? Thanks")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator(".comment .mention")).to_have_text("@Member Person")

    expect(mate.locator("#bell-count")).to_have_text("1")
    mate.get_by_role("button", name="Notifications, 1 unread").click()
    entry = mate.locator(".bell-item", has_text="Chase the late delivery")
    expect(entry).to_have_attribute("data-read", "false")
    entry.locator(".bell-entry").click()
    expect(mate).to_have_url(re.compile(rf"/app/action-items/{item}"))
    expect(mate.locator(".comment")).to_contain_text("Can you call them")
    expect(mate.locator("#bell-count")).to_be_hidden()
    expect(mate.get_by_role("button", name="Delete comment by Olivia Owner")).to_have_count(0)
    page.get_by_role("button", name="Delete comment by Olivia Owner").click()
    expect(page.locator(".comment")).to_have_count(0)
    expect(mate.locator(".comment")).to_have_count(0)  # live: comment.deleted

    for title in ("Ring the bank", "Renew the domain"):
        api(live_server, tenant, "POST", "/action-items",
            {"title": title, "assignee_id": member.user_id})
    expect(mate.locator("#bell-count")).to_have_text("2")
    other_tab = errors.watch(mate.context.new_page())  # the same member in a second tab
    other_tab.goto(live_server.url + "/app/conversations")
    expect(other_tab.locator("#bell-count")).to_have_text("2")
    mate.locator("#bell-button").click()
    mate.get_by_role("button", name="Unread", exact=True).click()
    expect(mate.locator(".bell-item")).to_have_count(2)
    mate.get_by_role("button", name=re.compile(r"^Mark read: .*Ring the bank")).click()
    expect(mate.locator("#bell-count")).to_have_text("1")
    expect(other_tab.locator("#bell-count")).to_have_text("1")  # live: notification.updated
    expect(mate.locator(".bell-item")).to_have_text([re.compile("Renew the domain")])
    mate.get_by_role("button", name="Mark all read").click()
    expect(mate.locator("#bell-count")).to_be_hidden()
    expect(mate.locator("#bell-state")).to_contain_text("all caught up")
    expect(other_tab.locator("#bell-count")).to_be_hidden()  # live: notification.read_all
    mate.keyboard.press("Escape")
    mate.locator("#item-filters").get_by_label("Assignee").select_option("me")
    expect(mate).to_have_url(re.compile(r"assignee=me"))
    expect(mate.locator(".card-title")).to_have_text(["Ring the bank", "Renew the domain"])
    mate.reload()
    expect(mate.locator("#live-status")).to_have_attribute("data-state", "open")
    expect(mate.locator("#bell-count")).to_be_hidden()


def test_a_viewer_sees_no_write_controls(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    viewer = tenant.invite(live_server, "viewer")
    propose(live_server, tenant, "Confirm the pickup time")
    create(live_server, tenant, "Update the price list")
    open_board(page, live_server, viewer)
    expect(column(page, "proposed")).to_have_count(1)
    expect(page.get_by_role("button", name="New item")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^(Accept|Reject)"))).to_have_count(0)
    expect(page.locator("#board-help")).to_be_hidden()
    card = page.locator(".card", has_text="Update the price list")
    card.focus()
    page.keyboard.press("Space")
    expect(card).not_to_have_class(re.compile("card-grabbed"))
    drag(page, card, page.locator('.column-list[data-status="done"]'))
    expect(column(page, "done")).to_have_count(0)

    card.click()
    expect(page.locator("#detail-title")).to_have_text("Update the price list")
    detail = page.locator("#detail")
    expect(detail.get_by_label("Title")).to_be_disabled()
    expect(detail.get_by_label("Status")).to_be_disabled()
    expect(page.get_by_role("button", name="Save changes")).to_be_hidden()
    expect(page.get_by_role("button", name="Delete")).to_be_hidden()
    expect(page.locator("#comment-form")).to_be_hidden()
    expect(page.get_by_role("link", name="Activity")).to_be_hidden()


def test_the_detail_panel_edits_and_deletes_an_item(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    member = tenant.invite(live_server, "member")
    item = create(live_server, tenant, "Book the courier")
    open_board(page, live_server, tenant)
    page.locator(".card", has_text="Book the courier").press("Enter")
    detail = page.locator("#detail")
    expect(detail.get_by_label("Title")).to_have_value("Book the courier")
    expect(page.locator("#detail-title")).to_be_focused()
    page.keyboard.press("Escape")  # closes, and focus goes back to the card
    expect(detail).to_be_hidden()
    expect(page.locator(f'.card[data-id="{item}"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(detail.get_by_label("Title")).to_have_value("Book the courier")
    expect(detail.locator("#detail-origin")).to_contain_text("Added by Olivia Owner")
    detail.get_by_label("Title").fill("Book the courier for Friday")
    detail.get_by_label("Priority").select_option("urgent")
    detail.get_by_label("Assignee").select_option(label="Member Person")
    detail.get_by_role("button", name="Save changes").click()
    expect(page.locator("#detail-title")).to_have_text("Book the courier for Friday")
    card = page.locator(f'.card[data-id="{item}"]')
    expect(card).to_contain_text("Urgent")
    expect(card).to_contain_text("Member Person")
    saved = api(live_server, tenant, "GET", f"/action-items/{item}")
    assert (saved["title"], saved["priority"], saved["assignee_id"]) == (
        "Book the courier for Friday", "urgent", member.user_id)

    page.on("dialog", lambda dialog: dialog.accept())
    detail.get_by_role("button", name="Delete", exact=True).click()
    expect(detail).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/app/action-items$"))
    expect(card).to_have_count(0)
    client = live_server.app.test_client()
    r = client.get(f"/api/v1/action-items/{item}", headers=tenant.owner.headers)
    assert r.status_code == 404


def bulk_items(server: LiveServer, tenant: Tenant, status: str, n: int) -> None:
    """n items in one column, in title order (positions given: one statement)."""
    with server.db.tenant(tenant.id) as conn:
        conn.execute("insert into action_items (tenant_id, title, description, status, origin,"
                     " position) select mf_current_tenant(), 'Task ' || lpad(g::text, 3, '0'),"
                     " '', %s, 'manual', g * 1024 from generate_series(1, %s) g", (status, n))


def test_a_column_pages_through_all_its_items(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    bulk_items(live_server, tenant, "todo", 120)
    bulk_items(live_server, tenant, "done", 3)
    page.set_viewport_size({"width": 1280, "height": 800})
    open_board(page, live_server, tenant)
    todo = page.locator('.column[data-status="todo"]')
    expect(column(page, "todo")).to_have_count(50)
    expect(todo.locator(".column-count")).to_have_text("50+")
    expect(column(page, "done")).to_have_count(3)
    expect(page.get_by_role("button", name="Load more: Done")).to_be_hidden()

    page.get_by_role("button", name="Load more: To do").click()  # the button
    expect(column(page, "todo")).to_have_count(100)
    page.screenshot(path="/tmp/board-paging.png")
    # infinite scroll: the end of the column fetches the rest
    page.locator('.column-list[data-status="todo"]').evaluate(
        "el => { el.scrollTop = el.scrollHeight; }")
    expect(column(page, "todo")).to_have_count(120)
    expect(todo.locator(".column-count")).to_have_text("120")
    expect(page.get_by_role("button", name="Load more: To do")).to_be_hidden()
    titles = column(page, "todo").all_inner_texts()
    assert titles == [f"Task {i:03d}" for i in range(1, 121)]

    # a card of the second page moves with the keyboard like any other, and the order holds
    card = page.locator(".card", has_text="Task 075")
    card.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    expect(page.locator("#board")).not_to_have_attribute("aria-busy", "true")
    wait_until(page, lambda: [i["title"] for i in api(
        live_server, tenant, "GET", "/action-items?status=todo&order=position&limit=80")["data"]
    ][72:75] == ["Task 073", "Task 075", "Task 074"])

    # the list view pages too
    page.get_by_role("button", name="List").click()
    expect(page.locator(".item-table tbody tr")).to_have_count(123)
    expect(page.locator("#list-more")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Board").click()
    page.screenshot(path="/tmp/board-paging-390.png")


def pick_conversation(page: Page, dialog: Locator, typed: str, name: str) -> None:
    field = dialog.get_by_role("combobox", name="Conversation")
    field.fill(typed)
    option = dialog.locator("#conversation-list").get_by_role("option", name=re.compile(name))
    expect(option).to_be_visible()
    page.screenshot(path=f"/tmp/picker-{typed}.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(dialog.locator("#c-conversation-chosen")).to_contain_text(name)
    expect(field).to_be_hidden()


def test_the_create_form_links_a_conversation(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    ingest_records(live_server, tenant, [
        message("PICK-1", "Where is my parcel?", chat="5511900000001@s.whatsapp.net",
                name="Rita Lobo"),
        message("PICK-2", "Invoice please", chat="5511900000002@s.whatsapp.net",
                name="Rui Gomes")])
    page.set_viewport_size({"width": 1280, "height": 800})
    open_board(page, live_server, tenant)
    page.get_by_role("button", name="New item").click()
    dialog = page.get_by_role("dialog", name="New action item")
    dialog.get_by_label("Title").fill("Chase the parcel")
    field = dialog.get_by_role("combobox", name="Conversation")
    field.fill("zzzz nobody")
    expect(dialog.locator("#conversation-list").get_by_role(
        "option", name="No conversation matches.")).to_be_visible()
    pick_conversation(page, dialog, "rita", "Rita Lobo")
    expect(dialog.locator("#conversation-list")).to_be_hidden()
    page.screenshot(path="/tmp/create-picker.png")
    dialog.get_by_role("button", name="Change conversation: Rita Lobo").click()
    expect(field).to_be_focused()
    pick_conversation(page, dialog, "Rui", "Rui Gomes")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).not_to_be_visible()
    expect(column(page, "todo")).to_have_text(["Chase the parcel"])
    item = api(live_server, tenant, "GET", "/action-items")["data"][0]
    assert item["title"] == "Chase the parcel" and item["conversation_title"] == "Rui Gomes"


def test_new_action_item_from_a_conversation(
    page: Page, errors: ConsoleWatch, live_server: LiveServer, tenant: Tenant,
) -> None:
    ingest_records(live_server, tenant, [
        message("FROMCONV-1", "The fridge stopped again", chat="5511900000003@s.whatsapp.net",
                name="Olga Prado")])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, tenant)
    page.locator(".conv-item", has_text="Olga Prado").click()
    page.get_by_role("button", name="Details").click()
    page.get_by_role("tab", name="AI").click()
    page.locator("#ai-panel").get_by_role("link", name="New action item").click()
    expect(page).to_have_url(re.compile(r"/app/action-items$"))
    dialog = page.get_by_role("dialog", name="New action item")
    expect(dialog.locator("#c-conversation-chosen")).to_contain_text("Olga Prado")
    expect(dialog.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Send a technician")
    page.screenshot(path="/tmp/create-from-conversation.png")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).not_to_be_visible()
    item = api(live_server, tenant, "GET", "/action-items")["data"][0]
    assert item["title"] == "Send a technician" and item["conversation_title"] == "Olga Prado"
