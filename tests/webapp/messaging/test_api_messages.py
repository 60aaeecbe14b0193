"""GET /conversations/:id/messages (pages, after_id catch-up) and GET /messages/search."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.messaging.conftest import query_all, seed_simulated
from webapp.db import Database
from webapp.messaging.service import ingest

ANA, BRUNO = "5511999990001@s.whatsapp.net", "5511999990002@s.whatsapp.net"
CARLA = "5511999990004@s.whatsapp.net"


@dataclass
class Setup:
    """Tenant A with a long conversation and searchable text; tenant B with its own."""

    owner: Member
    viewer: Member
    other: Member
    long_chat: int
    other_chat: int


@pytest.fixture(scope="module")
def setup(app: Flask, db: Database) -> Setup:
    client = app.test_client()
    owner = register_owner(client, "Search A")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Search B")
    t = owner.tenant_id
    device = make.device(db, t)
    records = [msg(f"L{i:03d}", f"line {i} of a long chat", i, chat=ANA) for i in range(57)]
    records += [
        msg("S1", "the pelican invoice is overdue, pelican pelican", 100, chat=BRUNO),
        msg("S2", "one pelican mention", 101, chat=BRUNO),
        msg("S3", "pelican invoice", 102, chat=BRUNO),
        msg("S4", "revoked pelican secret", 103, chat=BRUNO),
        {"kind": "revoke", "id": "R4", "chat": BRUNO, "sender": BRUNO, "target_id": "S4",
         "timestamp": "2026-11-25T10:00:00Z"},
        msg("S5", None, 104, chat=BRUNO, media={"type": "image", "caption": "pelican photo"}),
    ]
    ingest(db, t, records, device_id=device)
    seed_simulated(db, t, device, count=200)
    ingest(db, other.tenant_id, [msg("X1", "tenant B pelican invoice", 1, chat=ANA)],
           device_id=make.device(db, other.tenant_id))
    return Setup(owner, viewer, other, make.conversation(db, t, ANA),
                 make.conversation(db, other.tenant_id, ANA))


def _get(client: FlaskClient, who: Member, url: str, **params: Any) -> dict[str, Any]:
    r = client.get(url, headers=who.headers, query_string=params)
    assert r.status_code == 200, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def test_messages_newest_first_across_pages(client: FlaskClient, setup: Setup) -> None:
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    first = _get(client, setup.viewer, url)
    assert len(first["data"]) == 50 and first["next_cursor"]
    assert first["data"][0]["wa_message_id"] == "L056"
    assert first["data"][0]["text"] == "line 56 of a long chat"
    seen: list[int] = []
    cursor = None
    while True:
        page = _get(client, setup.viewer, url, limit=10, **({"cursor": cursor} if cursor else {}))
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 57 and seen == sorted(seen, reverse=True) and len(set(seen)) == 57


def test_after_id_catch_up(client: FlaskClient, setup: Setup, db: Database) -> None:
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    ids = [m["id"] for m in _get(client, setup.owner, url, limit=200)["data"]][::-1]
    page = _get(client, setup.owner, url, after_id=ids[40])
    assert [m["id"] for m in page["data"]] == ids[41:] and page["next_cursor"] is None
    page = _get(client, setup.owner, url, after_id=ids[10], limit=20)
    assert [m["id"] for m in page["data"]] == ids[11:31]
    rest = _get(client, setup.owner, url, cursor=page["next_cursor"], limit=20)
    assert [m["id"] for m in rest["data"]] == ids[31:51]
    assert _get(client, setup.owner, url, after_id=ids[-1])["data"] == []
    ingest(db, setup.owner.tenant_id, [msg("L999", "a late one", 500, chat=ANA)])
    late = _get(client, setup.owner, url, after_id=ids[-1])["data"]
    assert [m["wa_message_id"] for m in late] == ["L999"]


def test_messages_of_another_tenant_are_404(client: FlaskClient, setup: Setup) -> None:
    r = client.get(f"/api/v1/conversations/{setup.long_chat}/messages",
                   headers=setup.other.headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.get("/api/v1/conversations/99999999/messages", headers=setup.owner.headers)
    assert r.status_code == 404


def test_messages_bad_parameters(client: FlaskClient, setup: Setup) -> None:
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    for params, field in [({"after_id": "-1"}, "after_id"), ({"limit": "0"}, "limit"),
                          ({"cursor": "e30="}, "cursor"), ({"before": "1"}, "before")]:
        r = client.get(url, headers=setup.owner.headers, query_string=params)
        assert r.status_code == 400 and field in r.get_json()["error"]["details"]["fields"]


def _pages(client: FlaskClient, who: Member, url: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = _get(client, who, url, limit=limit, **({"cursor": cursor} if cursor else {}))
        rows += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return rows


def test_messages_follow_whatsapp_time_not_arrival(client: FlaskClient, setup: Setup,
                                                   db: Database) -> None:
    """History sync and offline delivery store older messages after newer ones: pages go
    newest first by WhatsApp time (then id, for equal times), without gaps or repeats, and
    the conversation's last message stays the newest one."""
    t = setup.owner.tenant_id
    ingest(db, t, [msg(f"LIVE{i}", f"live {i}", 1000 + i, chat=CARLA) for i in range(10)])
    ingest(db, t, [msg(f"OLD{i:02d}", f"history {i}", i, chat=CARLA) for i in range(30)])
    for n in range(3):  # three messages of the same second, arriving one by one
        ingest(db, t, [msg(f"TIE{n}", f"same second {n}", 500, chat=CARLA)])
    conv = make.conversation(db, t, CARLA)
    url = f"/api/v1/conversations/{conv}/messages"
    expected = query_all(db, t, "select id, wa_message_id from messages where "
                         "conversation_id = %s order by sent_at desc, id desc", (conv,))
    for limit in (7, 50):
        rows = _pages(client, setup.viewer, url, limit)
        assert [r["id"] for r in rows] == [e["id"] for e in expected]
    assert [r["wa_message_id"] for r in rows][:2] == ["LIVE9", "LIVE8"]
    assert [r["wa_message_id"] for r in rows][10:13] == ["TIE2", "TIE1", "TIE0"]
    assert rows[-1]["wa_message_id"] == "OLD00"
    c = _get(client, setup.viewer, f"/api/v1/conversations/{conv}")
    assert c["last_message"]["id"] == rows[0]["id"] and c["last_message_at"] == rows[0][
        "timestamp"]
    # Catch-up follows arrival: after the newest live message come the history messages.
    live9 = rows[0]["id"]
    late = _get(client, setup.viewer, url, after_id=live9, limit=200)["data"]
    assert [m["wa_message_id"] for m in late] == [f"OLD{i:02d}" for i in range(30)] + [
        "TIE0", "TIE1", "TIE2"]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize("cursor", [
    _cursor({"id": 5}),  # the pre-0023 shape: a position needs the time too
    _cursor({"at": "yesterday", "id": 5}),
    _cursor({"at": "2026-11-25T09:00:00", "id": 5}),  # no offset: refused, not guessed
    _cursor({"at": 1764061200, "id": 5}),
    _cursor({"at": "2026-11-25T09:00:00+00:00", "id": "5"}),
    _cursor({"at": "2026-11-25T09:00:00+00:00", "id": True}),
    _cursor({"at": "2026-11-25T09:00:00+00:00", "id": 5, "after_id": 3}),
    _cursor({"after_id": "3"}),
    _cursor([1, 2]),
    "not a cursor!",
], ids=["old", "words", "naive", "number", "id-text", "id-bool", "mixed", "after-text",
        "list", "garbage"])
def test_forged_message_cursors_are_400(client: FlaskClient, setup: Setup, cursor: str) -> None:
    r = client.get(f"/api/v1/conversations/{setup.long_chat}/messages",
                   headers=setup.owner.headers, query_string={"cursor": cursor})
    assert r.status_code == 400, r.get_json()
    assert "cursor" in r.get_json()["error"]["details"]["fields"]


def _search(client: FlaskClient, who: Member, q: str, **params: Any) -> dict[str, Any]:
    return _get(client, who, "/api/v1/messages/search", q=q, **params)


def test_search_ranks_and_carries_the_conversation(client: FlaskClient, setup: Setup) -> None:
    hits = _search(client, setup.viewer, "pelican")["data"]
    assert [h["wa_message_id"] for h in hits][0] == "S1"  # three mentions rank first
    assert {h["wa_message_id"] for h in hits} == {"S1", "S2", "S3", "S5"}  # S4 was revoked
    ranks = [h["rank"] for h in hits]
    assert ranks == sorted(ranks, reverse=True)
    assert all(h["conversation_title"] == "Ana" for h in hits)
    assert {"text", "status", "timestamp", "conversation_id"} <= set(hits[0])
    both = _search(client, setup.viewer, "pelican invoice")["data"]
    assert {h["wa_message_id"] for h in both} == {"S1", "S3"}
    assert [h["wa_message_id"] for h in _search(client, setup.viewer, '"pelican photo"')[
        "data"]] == ["S5"]


def test_search_pages_keep_rank_order(client: FlaskClient, setup: Setup) -> None:
    everything = _search(client, setup.owner, "pelican")["data"]
    seen: list[int] = []
    cursor = None
    while True:
        page = _search(client, setup.owner, "pelican", limit=1,
                       **({"cursor": cursor} if cursor else {}))
        seen += [h["id"] for h in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [h["id"] for h in everything]


def test_search_is_tenant_scoped(client: FlaskClient, setup: Setup) -> None:
    mine = _search(client, setup.other, "pelican")["data"]
    assert [h["wa_message_id"] for h in mine] == ["X1"]
    assert all(h["conversation_id"] == setup.other_chat for h in mine)
    assert all(h["wa_message_id"] != "X1" for h in _search(client, setup.owner, "pelican")["data"])


def test_search_needs_q(client: FlaskClient, setup: Setup) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}):
        r = client.get("/api/v1/messages/search", headers=setup.owner.headers,
                       query_string=params)
        assert r.status_code == 400 and "q" in r.get_json()["error"]["details"]["fields"]
    assert _search(client, setup.owner, "!!! ???")["data"] == []


def test_list_rows_are_exactly_the_shared_serializer(client: FlaskClient, setup: Setup,
                                                     db: Database) -> None:
    """Lists and search call mf_message_json's two parts directly; they must not drift apart."""
    ingest(db, setup.owner.tenant_id, [
        msg("Q1", "quoting line 3", 600, chat=ANA, quoted_id="L003"),
        {"kind": "reaction", "id": "RX1", "chat": ANA, "sender": ANA, "target_id": "Q1",
         "emoji": "👍", "timestamp": "2026-11-25T10:00:00Z"}])
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    listed = {m["id"]: m for m in _get(client, setup.owner, url, limit=200)["data"]}
    rows = query_all(db, setup.owner.tenant_id, "select id, mf_message_json(m) as row "
                     "from messages m where conversation_id = %s", (setup.long_chat,))
    assert listed == {r["id"]: r["row"] for r in rows}
    quoting = next(m for m in listed.values() if m["wa_message_id"] == "Q1")
    assert quoting["quoted_message_id"] is not None and quoting["reactions"][0]["emoji"] == "👍"
    hits = _search(client, setup.owner, "quoting")["data"]
    assert {k: v for k, v in hits[0].items() if k not in ("rank", "conversation_title")} \
        == listed[hits[0]["id"]]


def test_after_id_with_nothing_newer_is_an_empty_200(client: FlaskClient, setup: Setup,
                                                     db: Database) -> None:
    """Regression: catch-up past the newest message answered 404 instead of an empty page."""
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    newest = _get(client, setup.owner, url, limit=1)["data"][0]["id"]
    for after in (newest, newest + 1_000_000):
        r = client.get(url, headers=setup.viewer.headers, query_string={"after_id": after})
        assert r.status_code == 200, r.get_json()
        assert r.get_json() == {"data": [], "next_cursor": None}
    empty = query_all(db, setup.owner.tenant_id,
                      "insert into conversations (tenant_id, device_id, chat_key, chat_jid, "
                      "is_group, title) select mf_current_tenant(), device_id, 'g:empty@g.us', "
                      "'empty@g.us', true, 'Empty' from conversations where id = %s "
                      "returning id", (setup.long_chat,))[0]["id"]
    for params in ({}, {"after_id": 0}, {"after_id": newest}):
        r = client.get(f"/api/v1/conversations/{empty}/messages", headers=setup.owner.headers,
                       query_string=params)
        assert r.status_code == 200 and r.get_json()["data"] == [], params


def test_after_id_is_a_position_not_a_reference(client: FlaskClient, setup: Setup,
                                                db: Database) -> None:
    """after_id need not name a message of this conversation: ids only grow, so "after N"
    is well defined (0 = from the start), and an id from elsewhere (another conversation,
    another tenant, no message at all) reveals nothing about it. 404 is kept for a
    conversation the caller cannot see."""
    ingest(db, setup.owner.tenant_id, [msg("P1", "elsewhere", 700, chat=BRUNO),
                                       msg("P2", "here again", 701, chat=ANA)])
    url = f"/api/v1/conversations/{setup.long_chat}/messages"
    ids = [m["id"] for m in _get(client, setup.owner, url, limit=200)["data"]][::-1]
    assert [m["id"] for m in _get(client, setup.owner, url, after_id=0, limit=200)["data"]] \
        == ids
    elsewhere = query_all(db, setup.owner.tenant_id,
                          "select id from messages where wa_message_id = 'P1'")[0]["id"]
    assert ids[0] < elsewhere < ids[-1]  # another conversation's message, between ours
    page = _get(client, setup.owner, url, after_id=elsewhere, limit=200)["data"]
    assert [m["wa_message_id"] for m in page] == ["P2"]
    foreign = query_all(db, setup.other.tenant_id, "select max(id) as id from messages")[0]["id"]
    page = _get(client, setup.owner, url, after_id=foreign, limit=200)["data"]
    assert [m["id"] for m in page] == [i for i in ids if i > foreign]
    r = client.get(url, headers=setup.other.headers, query_string={"after_id": ids[0]})
    assert r.status_code == 404


def test_search_matches_function_is_tenant_bound(setup: Setup, db: Database,
                                                 database_url: str) -> None:
    """mf_message_matches (SECURITY DEFINER, so RLS does not apply inside) filters by the
    caller's tenant itself: each tenant sees only its own hits, no tenant context sees none."""
    sql = ("select h.id, m.wa_message_id from mf_message_matches("
           "websearch_to_tsquery('mf_search', 'pelican')) h join messages m on m.id = h.id")
    mine = {r["wa_message_id"] for r in query_all(db, setup.owner.tenant_id, sql)}
    assert mine == {"S1", "S2", "S3", "S5"}
    assert {r["wa_message_id"] for r in query_all(db, setup.other.tenant_id, sql)} == {"X1"}
    with db.system() as conn:
        assert conn.execute("select count(*) as n from mf_message_matches("
                            "websearch_to_tsquery('mf_search', 'pelican'))").fetchone() == {"n": 0}
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("select indexdef from pg_indexes where indexname = "
                           "'messages_tenant_search_idx'").fetchone()
    assert row is not None and "gin (tenant_id, search)" in row[0]
