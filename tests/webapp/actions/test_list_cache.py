"""The action-item list reuses a page while no action-item event came after it: every write to
an item or its comments is on the next page read; messages flowing in do not throw the page
away; tenants and users never share a page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, register_owner
from webapp.db import Database

API = "/api/v1/action-items"
CUSTOMER = "5511977770001@s.whatsapp.net"


def titles(client: FlaskClient, who: Member, query: str = "") -> list[str]:
    r = client.get(f"{API}{query}", headers=who.headers)
    assert r.status_code == 200, r.get_json()
    return [i["title"] for i in r.get_json()["data"]]


def hits(app: Flask) -> int:
    return int(app.extensions["mf_read_caches"]["action_items"].hits)


def create(client: FlaskClient, who: Member, title: str, **extra: Any) -> dict[str, Any]:
    r = client.post(API, headers=who.headers, json={"title": title, **extra})
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def test_writes_are_seen_and_messages_keep_the_page(app: Flask, client: FlaskClient,
                                                    db: Database) -> None:
    owner = register_owner(client, "Listed desk")
    first = create(client, owner, "Refund Ana")
    assert titles(client, owner) == ["Refund Ana"]
    before = hits(app)
    assert titles(client, owner) == ["Refund Ana"]
    assert hits(app) == before + 1  # the same page, reused

    # a message event is not an action-item event: the page stays
    make.messages(db, owner.tenant_id, [{
        "kind": "message", "id": "LIST-CACHE-1", "chat": CUSTOMER, "sender": CUSTOMER,
        "text": "Thanks!", "timestamp": dt.datetime.now(dt.UTC).isoformat()}],
        device_id=make.device(db, owner.tenant_id))
    assert titles(client, owner) == ["Refund Ana"] and hits(app) == before + 2

    create(client, owner, "Call Bruno")
    assert titles(client, owner) == ["Call Bruno", "Refund Ana"]
    r = client.patch(f"{API}/{first['id']}", headers=owner.headers, json={"title": "Refund Ana!"})
    assert r.status_code == 200, r.get_json()
    assert titles(client, owner) == ["Call Bruno", "Refund Ana!"]
    r = client.post(f"{API}/{first['id']}/comments", headers=owner.headers,
                    json={"body": "Bank says tomorrow"})
    assert r.status_code == 201, r.get_json()
    page = client.get(API, headers=owner.headers).get_json()["data"]
    assert [i["comment_count"] for i in page] == [0, 1]
    r = client.delete(f"{API}/{first['id']}", headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    assert titles(client, owner) == ["Call Bruno"]


def test_users_and_tenants_get_their_own_pages(client: FlaskClient) -> None:
    owner = register_owner(client, "Desk one")
    member = add_member(client, owner, "member")
    stranger = register_owner(client, "Desk two")
    create(client, owner, "Owner's call", assignee_id=owner.user_id)
    create(client, owner, "Member's call", assignee_id=member.user_id)
    assert titles(client, owner, "?assignee=me") == ["Owner's call"]
    assert titles(client, member, "?assignee=me") == ["Member's call"]
    assert titles(client, stranger) == [] and titles(client, stranger, "?assignee=me") == []
    create(client, stranger, "Stranger's call")
    assert titles(client, owner) == ["Member's call", "Owner's call"]
    assert titles(client, stranger) == ["Stranger's call"]
