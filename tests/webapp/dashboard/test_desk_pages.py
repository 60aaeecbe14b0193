"""The operations desk's page shells (action items, team activity) and the notification bell in
the layout: CSP-clean markup, assets that exist, the vendored SortableJS with its licence."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.webapp.dashboard.test_pages import STATIC, _Audit
from webapp.dashboard.routes import NAV


@pytest.mark.parametrize("path", ["/app/action-items", "/app/action-items/12", "/app/activity"])
def test_desk_pages_are_csp_clean_and_their_assets_exist(client: FlaskClient, path: str) -> None:
    client.set_cookie("access_token_cookie", "x")
    r = client.get(path)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    audit = _Audit()
    audit.feed(body)
    assert audit.inline == []
    for asset in audit.assets:
        assert client.get(asset).status_code == 200, asset
    assert 'id="bell-button"' in body and "css/bell.css" in body


def test_desk_pages_need_a_session(client: FlaskClient) -> None:
    r = client.get("/app/action-items/5?view=list")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fapp%2Faction-items%2F5%3Fview%3Dlist"
    assert client.get("/app/activity").status_code == 302


def test_item_id_reaches_the_page_and_nav_marks_the_section(client: FlaskClient) -> None:
    client.set_cookie("access_token_cookie", "x")
    body = client.get("/app/action-items/42").get_data(as_text=True)
    assert 'data-item-id="42"' in body
    assert 'href="/app/action-items" aria-current="page"' in body


def test_the_activity_link_is_only_for_roles_allowed_to_read_it(client: FlaskClient) -> None:
    entry = next(item for item in NAV if item.section == "activity")
    assert entry.permission == "team.activity.read"
    client.set_cookie("access_token_cookie", "x")
    body = client.get("/app/action-items").get_data(as_text=True)
    assert '<li data-requires="team.activity.read" hidden><a href="/app/activity"' in body


def test_sortablejs_is_vendored_pinned_with_its_licence() -> None:
    vendor = STATIC / "vendor" / "sortablejs-1.15.6"
    assert "MIT License" in (vendor / "LICENSE").read_text()
    module = (vendor / "sortable.esm.js").read_text()
    assert "Sortable 1.15.6" in module and "export default Sortable" in module
    board = (STATIC / "js" / "desk" / "board.js").read_text()
    assert 'from "../../vendor/sortablejs-1.15.6/sortable.esm.js"' in board
