"""The dashboard's counters are reused while the tenant's event watermark stays put, and every
write that comes with an event (ingest, a reply, an action item, a status change) is seen on
the very next request; tenants never share an entry."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, register_owner
from tests.webapp.desk_home.conftest import ANA
from webapp.db import Database
from webapp.db.watermark_cache import WatermarkCache
from webapp.desk_home import dashboard

API = "/api/v1/dashboard"


def cache_of(app: Flask) -> WatermarkCache[object]:
    cache: WatermarkCache[object] = app.extensions["mf_read_caches"]["dashboard"]
    return cache


def counters(client: FlaskClient, who: Member, window: str = "30d") -> dict[str, object]:
    r = client.get(f"{API}?window={window}", headers=who.headers)
    assert r.status_code == 200, r.get_json()
    body: dict[str, object] = r.get_json()
    return body


def inbound(client: FlaskClient, who: Member) -> int:
    messages = counters(client, who)["messages"]
    assert isinstance(messages, dict)
    return int(messages["inbound"])


def ingest(db: Database, tenant_id: int, device: int, wa_id: str) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    make.messages(db, tenant_id, [{"kind": "message", "id": wa_id, "chat": ANA, "sender": ANA,
                                   "text": "Any news on my order?", "timestamp": at.isoformat()}],
                  device_id=device)


@pytest.fixture
def owner_with_device(client: FlaskClient, db: Database) -> tuple[Member, int]:
    owner = register_owner(client, "Cached desk")
    return owner, make.device(db, owner.tenant_id, name="Front desk")


def test_a_second_read_is_served_from_the_cache(app: Flask, client: FlaskClient,
                                                owner_with_device: tuple[Member, int],
                                                db: Database) -> None:
    owner, device = owner_with_device
    ingest(db, owner.tenant_id, device, "CACHE-1")
    first = counters(client, owner)
    hits = cache_of(app).hits
    second = counters(client, owner)
    assert cache_of(app).hits == hits + 1
    assert {k: v for k, v in second.items() if k != "window_end"} == {
        k: v for k, v in first.items() if k != "window_end"}
    assert second["window_end"] >= first["window_end"]  # type: ignore[operator]


def test_ingest_is_seen_on_the_next_request(client: FlaskClient,
                                            owner_with_device: tuple[Member, int],
                                            db: Database) -> None:
    owner, device = owner_with_device
    ingest(db, owner.tenant_id, device, "CACHE-2")
    assert inbound(client, owner) == 1
    assert inbound(client, owner) == 1  # cached
    ingest(db, owner.tenant_id, device, "CACHE-3")
    assert inbound(client, owner) == 2


def test_action_items_and_status_changes_are_seen(client: FlaskClient,
                                                 owner_with_device: tuple[Member, int],
                                                 db: Database) -> None:
    owner, device = owner_with_device
    ingest(db, owner.tenant_id, device, "CACHE-4")
    before = counters(client, owner)
    assert before["action_items"] == {"by_status": {}, "overdue": 0, "mine": 0}
    r = client.post("/api/v1/action-items", headers=owner.headers,
                    json={"title": "Call Ana back", "assignee_id": owner.user_id})
    assert r.status_code == 201, r.get_json()
    item = r.get_json()["id"]
    after = counters(client, owner)["action_items"]
    assert after == {"by_status": {"todo": 1}, "overdue": 0, "mine": 1}
    r = client.patch(f"/api/v1/action-items/{item}", headers=owner.headers,
                     json={"status": "done"})
    assert r.status_code == 200, r.get_json()
    assert counters(client, owner)["action_items"] == {
        "by_status": {"done": 1}, "overdue": 0, "mine": 0}
    conversation = make.conversation(db, owner.tenant_id)
    assert counters(client, owner)["conversations"]["open"] == 1  # type: ignore[index]
    r = client.patch(f"/api/v1/conversations/{conversation}", headers=owner.headers,
                     json={"status": "resolved"})
    assert r.status_code == 200, r.get_json()
    assert counters(client, owner)["conversations"]["resolved"] == 1  # type: ignore[index]


def items_cache_of(app: Flask) -> WatermarkCache[object]:
    cache: WatermarkCache[object] = app.extensions["mf_read_caches"]["dashboard_items"]
    return cache


def test_a_message_recounts_the_desk_but_not_the_action_items(
        app: Flask, client: FlaskClient, owner_with_device: tuple[Member, int],
        db: Database) -> None:
    """Messages are most of the writes: they move the desk's counters, which are recounted at
    once, but not the action-item counters, which only an action-item event recounts (and
    which every window shares)."""
    owner, device = owner_with_device
    r = client.post("/api/v1/action-items", headers=owner.headers,
                    json={"title": "Refund order 7", "assignee_id": owner.user_id})
    assert r.status_code == 201, r.get_json()
    assert counters(client, owner, "today")["action_items"]["mine"] == 1  # type: ignore[index]
    items = items_cache_of(app)
    hits, misses = items.hits, items.misses
    ingest(db, owner.tenant_id, device, "CACHE-ITEMS-1")
    d = counters(client, owner, "30d")
    assert d["messages"]["inbound"] == 1  # type: ignore[index]
    assert d["conversations"]["open"] == 1  # type: ignore[index]
    assert d["action_items"] == {"by_status": {"todo": 1}, "overdue": 0, "mine": 1}
    assert (items.hits, items.misses) == (hits + 1, misses)  # reused across the message
    r = client.post("/api/v1/action-items", headers=owner.headers,
                    json={"title": "Call the courier"})
    assert r.status_code == 201, r.get_json()
    assert counters(client, owner, "30d")["action_items"] == {
        "by_status": {"todo": 2}, "overdue": 0, "mine": 1}
    assert items.misses == misses + 1


def test_mine_is_each_members_own(client: FlaskClient,
                                  owner_with_device: tuple[Member, int]) -> None:
    owner, _ = owner_with_device
    agent = add_member(client, owner, "member")
    r = client.post("/api/v1/action-items", headers=owner.headers,
                    json={"title": "Chase the supplier", "assignee_id": agent.user_id})
    assert r.status_code == 201, r.get_json()
    assert counters(client, owner)["action_items"]["mine"] == 0  # type: ignore[index]
    assert counters(client, agent)["action_items"]["mine"] == 1  # type: ignore[index]
    assert counters(client, owner)["action_items"]["mine"] == 0  # type: ignore[index]


def test_tenants_never_share_an_entry(client: FlaskClient, db: Database) -> None:
    a, b = register_owner(client, "Desk A"), register_owner(client, "Desk B")
    make.messages(db, a.tenant_id, [{"kind": "message", "id": "CACHE-A", "chat": ANA,
                                     "sender": ANA, "text": "Hello",
                                     "timestamp": dt.datetime.now(dt.UTC).isoformat()}],
                  device_id=make.device(db, a.tenant_id))
    assert inbound(client, a) == 1
    assert inbound(client, b) == 0 and inbound(client, a) == 1 and inbound(client, b) == 0


def test_entries_expire_and_never_go_back_in_time() -> None:
    now = [100.0]
    cache: WatermarkCache[str] = WatermarkCache(max_entries=2, max_age=30.0,
                                                clock=lambda: now[0])
    cache.put(1, "k", 5, "at five")
    assert cache.get(1, "k", 5) == "at five"
    assert cache.get(1, "k", 6) is None  # the tenant wrote something since
    assert cache.get(2, "k", 5) is None  # another tenant
    cache.put(1, "k", 4, "at four")  # a slower request that read an older watermark
    assert cache.get(1, "k", 5) == "at five"
    now[0] += 31
    assert cache.get(1, "k", 5) is None  # too old: a change without an event is seen
    cache.put(1, "a", 1, "a")
    cache.put(1, "b", 1, "b")
    cache.put(1, "c", 1, "c")
    assert cache.get(1, "a", 1) is None and cache.get(1, "c", 1) == "c"  # bounded, LRU


def test_entries_stored_together_do_not_expire_together() -> None:
    """Every tenant's entries are stored in a worker's first seconds; were they all to expire
    in the same second, every tenant's recomputation would land at once."""
    now = [0.0]
    cache: WatermarkCache[int] = WatermarkCache(max_age=40.0, clock=lambda: now[0])
    for tenant in range(200):
        cache.put(tenant, "k", 1, tenant)

    def alive() -> int:
        return sum(cache.get(tenant, "k", 1) is not None for tenant in range(200))

    now[0] = 29.9  # within 3/4 of the max age: every one
    assert alive() == 200
    now[0] = 35.0  # spread over the last quarter: some, not all
    assert 20 < alive() < 180
    now[0] = 40.1  # never beyond the max age
    assert alive() == 0


def test_first_response_lags_at_most_its_max_age(
        app: Flask, client: FlaskClient, owner_with_device: tuple[Member, int],
        db: Database) -> None:
    """Agents' first response is recomputed at most once a minute for today, every five
    minutes over several days; the counters beside it are exact at once."""
    owner, device = owner_with_device
    now = [1000.0]
    for window, max_age in dashboard.FIRST_RESPONSE_MAX_AGE.items():
        app.extensions.setdefault("mf_read_caches", {})[f"dashboard_first_response_{window}"] = \
            WatermarkCache(max_age=max_age, clock=lambda: now[0])
    asked = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)
    ids = make.messages(db, owner.tenant_id, [{
        "kind": "message", "id": "CACHE-FRT", "chat": ANA, "sender": ANA,
        "text": "Is my refund through?", "timestamp": asked.isoformat()}], device_id=device)
    windows = ("today", "30d") if dt.datetime.now(dt.UTC).date() == asked.date() else ("30d",)

    def replied(window: str, outbound: int = 1) -> int:
        d = counters(client, owner, window)
        assert d["first_response"]["conversations_asked"] == 1  # type: ignore[index]
        assert d["messages"]["outbound"] == outbound  # type: ignore[index]  # exact at once
        return int(d["first_response"]["conversations_replied"])  # type: ignore[index]

    assert [replied(w, outbound=0) for w in windows] == [0] * len(windows)
    r = client.post("/api/v1/messages/reply", headers=owner.headers, json={
        "conversation_id": make.conversation_of(db, owner.tenant_id, ids[0]),
        "text": "Yes, this morning."})
    assert r.status_code == 202, r.get_json()
    assert [replied(w) for w in windows] == [0] * len(windows)
    now[0] += dashboard.FIRST_RESPONSE_MAX_AGE["today"] + 1
    assert replied("30d") == 0  # five minutes for several days
    if "today" in windows:
        assert replied("today") == 1
    now[0] += dashboard.FIRST_RESPONSE_MAX_AGE["30d"]
    assert replied("30d") == 1
    d = counters(client, owner, "30d")
    assert 150 <= d["first_response"]["median_seconds"] <= 400  # type: ignore[index]
