"""GET/PATCH /conversations, /conversations/:id and /read against a real database."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.messaging.conftest import events_since, last_event_id, query_all, seed_simulated
from webapp.db import Database
from webapp.messaging.service import ingest

ANA, BRUNO, CARLA = (f"55119999900{n:02d}@s.whatsapp.net" for n in (1, 2, 4))
GROUP = "120363000000000001@g.us"


@dataclass
class Desk:
    """Tenant A (owner, member, viewer, two devices, known conversations) and tenant B."""

    owner: Member
    member: Member
    viewer: Member
    other: Member
    device: int
    device2: int
    ids: dict[str, int]


def _label(db: Database, tenant: int, conv: int, name: str) -> int:
    rows = query_all(db, tenant, "insert into labels (tenant_id, name) "
                     "values (mf_current_tenant(), %s) on conflict (tenant_id, name) "
                     "do update set name = excluded.name returning id", (name,))
    label = int(rows[0]["id"])
    query_all(db, tenant, "insert into conversation_labels (tenant_id, conversation_id, label_id) "
              "values (mf_current_tenant(), %s, %s) returning label_id", (conv, label))
    return label


@pytest.fixture(scope="module")
def desk(app: Flask, db: Database) -> Desk:
    client = app.test_client()
    owner = register_owner(client, "Desk A")
    member, viewer = add_member(client, owner, "member"), add_member(client, owner, "viewer")
    other = register_owner(client, "Desk B")
    t = owner.tenant_id
    device = make.device(db, t, name="Main number")
    device2 = make.device(db, t, name="Second number")
    ingest(db, t, [
        msg("A1", "The quokka printer at the warehouse is down", 10, chat=ANA, name="Ana Lima"),
        msg("A2", "Any news?", 20, chat=ANA, name="Ana Lima"),
        msg("B1", "Invoice INV-77 please", 5, chat=BRUNO, name="Bruno"),
        msg("B2", "Sending it now", 6, chat=BRUNO, sender="15550100001@s.whatsapp.net",
            from_me=True, name="Ops Desk"),
        msg("G1", "Morning team", 30, chat=GROUP, sender=ANA, chat_name="Ops Group",
            name="Ana Lima"),
    ], device_id=device)
    ingest(db, t, [msg("C1", "Hola, necesito ayuda", 15, chat=CARLA, name="Carla")],
           device_id=device2)
    seed_simulated(db, t, device, count=400)
    ids = {"ana": make.conversation(db, t, ANA), "bruno": make.conversation(db, t, BRUNO),
           "carla": make.conversation(db, t, CARLA), "group": make.conversation(db, t, GROUP)}
    query_all(db, t, "update conversations set unread_count = 0, status = 'resolved' "
              "where id = %s returning id", (ids["bruno"],))
    query_all(db, t, "update conversations set assignee_id = %s where id = %s returning id",
              (member.user_id, ids["carla"]))
    query_all(db, t, "update conversations set assignee_id = %s where id = %s returning id",
              (owner.user_id, ids["group"]))
    _label(db, t, ids["ana"], "urgent-ops")
    _label(db, t, ids["carla"], "billing")
    ingest(db, other.tenant_id, [msg("X1", "Tenant B printer is down", 1, chat=ANA)],
           device_id=make.device(db, other.tenant_id))
    return Desk(owner, member, viewer, other, device, device2, ids)


def _list(client: FlaskClient, who: Member, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/conversations", headers=who.headers, query_string=params)
    assert r.status_code == 200, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def _all_pages(client: FlaskClient, who: Member, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = _list(client, who, **params, **({"cursor": cursor} if cursor else {}))
        rows += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def _ids(rows: list[dict[str, Any]]) -> set[int]:
    return {r["id"] for r in rows}


def test_list_shape_and_order(client: FlaskClient, desk: Desk, db: Database) -> None:
    page = _list(client, desk.viewer, limit=200)
    assert set(page) == {"data", "next_cursor"} and page["next_cursor"] is None
    rows = page["data"]
    expected = query_all(db, desk.owner.tenant_id, "select id from conversations "
                         "order by last_message_at desc nulls last, id desc")
    assert [r["id"] for r in rows] == [e["id"] for e in expected]
    ana = next(r for r in rows if r["id"] == desk.ids["ana"])
    assert ana["unread_count"] == 2 and ana["priority"] == "normal"
    assert ana["last_message"]["preview"] == "Any news?"
    assert [lab["name"] for lab in ana["labels"]] == ["urgent-ops"]
    assert ana["title"] == "Ana Lima" and ana["chat_jid"] == ANA


def test_pagination_is_stable_without_duplicates_or_gaps(client: FlaskClient, desk: Desk) -> None:
    everything = _list(client, desk.owner, limit=200)["data"]
    assert len(everything) > 20
    paged = _all_pages(client, desk.owner, limit=7)
    assert [r["id"] for r in paged] == [r["id"] for r in everything]


def test_pagination_handles_conversations_without_messages(
        client: FlaskClient, desk: Desk, db: Database) -> None:
    t = desk.owner.tenant_id
    query_all(db, t, "insert into conversations (tenant_id, device_id, chat_key, chat_jid, "
              "is_group, title) select mf_current_tenant(), %s, 'g:' || n || '@g.us', "
              "n || '@g.us', true, 'Empty ' || n from unnest(array['1203630000000091', "
              "'1203630000000092', '1203630000000093']) n returning id", (desk.device,))
    everything = _list(client, desk.owner, limit=200)["data"]
    assert [r["last_message_at"] for r in everything[-3:]] == [None] * 3
    for size in (2, 5):
        paged = _all_pages(client, desk.owner, limit=size)
        assert [r["id"] for r in paged] == [r["id"] for r in everything]


@pytest.mark.parametrize(("params", "expect"), [
    ({"status": "resolved"}, {"bruno"}),
    ({"assignee": "me"}, {"group"}),
    ({"label": "urgent-ops"}, {"ana"}),
    ({"label": "billing"}, {"carla"}),
    ({"q": "ana lima"}, {"ana"}),
    ({"q": "5511999990002"}, {"bruno"}),
    ({"q": "Ops Group"}, {"group"}),
    ({"q": "necesito ayuda"}, {"carla"}),
    ({"q": "quokka"}, {"ana"}),
])
def test_filters(client: FlaskClient, desk: Desk, params: dict[str, str],
                 expect: set[str]) -> None:
    rows = _all_pages(client, desk.owner, **params)
    assert _ids(rows) == {desk.ids[k] for k in expect}


def test_assignee_filters(client: FlaskClient, desk: Desk) -> None:
    assert _ids(_all_pages(client, desk.member, assignee="me")) == {desk.ids["carla"]}
    by_id = _all_pages(client, desk.owner, assignee=str(desk.member.user_id))
    assert _ids(by_id) == {desk.ids["carla"]}
    unassigned = _ids(_all_pages(client, desk.owner, assignee="none"))
    assert desk.ids["ana"] in unassigned
    assert not unassigned & {desk.ids["carla"], desk.ids["group"]}


def test_unread_device_and_label_id_filters(client: FlaskClient, desk: Desk,
                                            db: Database) -> None:
    unread = _all_pages(client, desk.owner, unread="true")
    assert unread and all(r["unread_count"] > 0 for r in unread)
    assert desk.ids["ana"] in _ids(unread) and desk.ids["bruno"] not in _ids(unread)
    assert _ids(_all_pages(client, desk.owner, device=desk.device2)) == {desk.ids["carla"]}
    label = query_all(db, desk.owner.tenant_id, "select id from labels where name = 'billing'")
    by_label_id = _all_pages(client, desk.owner, label=str(label[0]["id"]))
    assert _ids(by_label_id) == {desk.ids["carla"]}
    status = client.get(f"/api/v1/conversations/{desk.ids['ana']}",
                        headers=desk.owner.headers).get_json()["status"]
    both = _all_pages(client, desk.owner, status=status, unread="true", device=desk.device)
    assert desk.ids["ana"] in _ids(both) and desk.ids["carla"] not in _ids(both)
    read = _all_pages(client, desk.owner, unread="false")
    assert read and all(r["unread_count"] == 0 for r in read)
    assert desk.ids["bruno"] in _ids(read) and desk.ids["ana"] not in _ids(read)
    assert _ids(_all_pages(client, desk.owner, label="BILLING")) == {desk.ids["carla"]}


def test_q_treats_wildcards_literally(client: FlaskClient, desk: Desk) -> None:
    assert _list(client, desk.owner, q="%")["data"] == []
    assert _list(client, desk.owner, q="___")["data"] == []


def test_tenant_b_sees_only_its_own(client: FlaskClient, desk: Desk) -> None:
    rows = _all_pages(client, desk.other)
    assert len(rows) == 1 and rows[0]["chat_jid"] == ANA
    assert not _ids(rows) & set(desk.ids.values())
    assert _list(client, desk.other, q="quokka")["data"] == []


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def test_bad_query_parameters(client: FlaskClient, desk: Desk) -> None:
    for params, field in [({"status": "lost"}, "status"), ({"assignee": "someone"}, "assignee"),
                          ({"limit": "201"}, "limit"), ({"cursor": "%%%"}, "cursor"),
                          ({"cursor": "eyJ4IjoxfQ=="}, "cursor"), ({"colour": "red"}, "colour"),
                          # a time without an offset is refused, not read in the session's zone
                          ({"cursor": _cursor({"at": "2026-11-25T09:00:00", "id": 5})},
                           "cursor")]:
        r = client.get("/api/v1/conversations", headers=desk.owner.headers, query_string=params)
        assert r.status_code == 400, params
        assert field in r.get_json()["error"]["details"]["fields"]


def test_get_one_and_404_for_another_tenant(client: FlaskClient, desk: Desk) -> None:
    r = client.get(f"/api/v1/conversations/{desk.ids['ana']}", headers=desk.viewer.headers)
    assert r.status_code == 200 and r.get_json()["id"] == desk.ids["ana"]
    for method in ("get", "patch"):
        r = getattr(client, method)(f"/api/v1/conversations/{desk.ids['ana']}",
                                    headers=desk.other.headers, json={"status": "open"})
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.post(f"/api/v1/conversations/{desk.ids['ana']}/read", headers=desk.other.headers)
    assert r.status_code == 404


def test_patch_updates_and_writes_an_event(client: FlaskClient, desk: Desk, db: Database) -> None:
    t, conv = desk.owner.tenant_id, desk.ids["ana"]
    before = last_event_id(db, t)
    r = client.patch(f"/api/v1/conversations/{conv}", headers=desk.member.headers,
                     json={"status": "pending", "assignee_id": desk.member.user_id,
                           "priority": "urgent"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["assignee_id"], body["priority"]) == (
        "pending", desk.member.user_id, "urgent")
    assert events_since(db, t, before) == [("conversation.updated", conv)]
    r = client.patch(f"/api/v1/conversations/{conv}", headers=desk.member.headers,
                     json={"assignee_id": None})
    assert r.status_code == 200 and r.get_json()["assignee_id"] is None
    assert r.get_json()["status"] == "pending"  # absent fields stay


def _in(delta: dt.timedelta, *, tz: bool = True) -> str:
    at = (dt.datetime.now(dt.UTC) + delta).replace(microsecond=0)
    return at.isoformat().replace("+00:00", "Z" if tz else "")


def test_patch_snooze(client: FlaskClient, desk: Desk) -> None:
    conv, until = desk.ids["group"], _in(dt.timedelta(days=3))
    r = client.patch(f"/api/v1/conversations/{conv}", headers=desk.owner.headers,
                     json={"status": "snoozed", "snoozed_until": until})
    assert r.status_code == 200
    assert r.get_json()["snoozed_until"].startswith(until.removesuffix("Z"))
    r = client.patch(f"/api/v1/conversations/{conv}", headers=desk.owner.headers,
                     json={"status": "open"})
    assert r.get_json()["snoozed_until"] is None


def test_a_status_without_a_time_clears_the_snooze_time(client: FlaskClient, desk: Desk,
                                                        db: Database) -> None:
    t, eva = desk.owner.tenant_id, "5511999990078@s.whatsapp.net"
    ingest(db, t, [msg("E1", "Ping me next week", 41, chat=eva)], device_id=desk.device)
    url = f"/api/v1/conversations/{make.conversation(db, t, eva)}"
    until = _in(dt.timedelta(days=2))

    def patch(body: dict[str, Any]) -> tuple[str, str | None]:
        r = client.patch(url, headers=desk.owner.headers, json=body)
        assert r.status_code == 200, r.get_json()
        return r.get_json()["status"], r.get_json()["snoozed_until"]

    for status in ["snoozed", "open", "pending", "resolved"]:
        got = patch({"status": "snoozed", "snoozed_until": until})
        assert got[0] == "snoozed" and got[1] is not None
        assert patch({"priority": "urgent"})[1] is not None  # other fields leave the time alone
        # status without snoozed_until: no time (for `snoozed`: until the next inbound message)
        assert patch({"status": status}) == (status, None), status


def test_patch_validation(client: FlaskClient, desk: Desk) -> None:
    url = f"/api/v1/conversations/{desk.ids['bruno']}"
    r = client.patch(url, headers=desk.owner.headers, json={"assignee_id": desk.other.user_id})
    assert r.status_code == 404  # another tenant's user: an unknown id (the fuzzing's ST202)
    assert "assignee_id" in r.get_json()["error"]["details"]["fields"]
    for body, field in [({"status": None}, "status"), ({"priority": "meh"}, "priority"),
                        ({"title": "x"}, "title"), ({"assignee_id": "me"}, "assignee_id")]:
        r = client.patch(url, headers=desk.owner.headers, json=body)
        assert r.status_code == 400, body
        assert field in r.get_json()["error"]["details"]["fields"]


def test_patch_needs_a_field(client: FlaskClient, desk: Desk, db: Database) -> None:
    before = last_event_id(db, desk.owner.tenant_id)
    r = client.patch(f"/api/v1/conversations/{desk.ids['bruno']}", headers=desk.owner.headers,
                     json={})
    err = r.get_json()["error"]
    assert r.status_code == 400 and err["code"] == "validation_error"
    assert err["message"] == ("Send at least one of: status, assignee_id, priority, "
                              "snoozed_until.")
    assert err["details"]["required_one_of"] == ["status", "assignee_id", "priority",
                                                 "snoozed_until"]
    assert events_since(db, desk.owner.tenant_id, before) == []


def test_patch_snooze_rules(client: FlaskClient, desk: Desk, db: Database) -> None:
    t, dani = desk.owner.tenant_id, "5511999990077@s.whatsapp.net"
    ingest(db, t, [msg("D1", "Can we talk tomorrow?", 40, chat=dani)], device_id=desk.device)
    url = f"/api/v1/conversations/{make.conversation(db, t, dani)}"
    for body, reason in [
        ({"status": "snoozed", "snoozed_until": _in(-dt.timedelta(minutes=1))},
         "must be in the future"),
        ({"snoozed_until": _in(-dt.timedelta(hours=1), tz=False)}, "must be in the future"),
        ({"status": "open", "snoozed_until": _in(dt.timedelta(hours=1))},
         "only with status snoozed"),
    ]:
        r = client.patch(url, headers=desk.owner.headers, json=body)
        assert r.status_code == 400, body
        assert r.get_json()["error"]["details"]["fields"] == {"snoozed_until": reason}
    got = client.get(url, headers=desk.owner.headers).get_json()
    assert (got["status"], got["snoozed_until"]) == ("open", None)  # nothing changed
    # A time alone snoozes (or reschedules) the conversation.
    until = _in(dt.timedelta(hours=2), tz=False)  # no offset: read as UTC
    r = client.patch(url, headers=desk.owner.headers, json={"snoozed_until": until})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["snoozed_until"][:19]) == ("snoozed", until)
    # null clears the time: snoozed until the next inbound message.
    r = client.patch(url, headers=desk.owner.headers, json={"snoozed_until": None})
    assert (r.get_json()["status"], r.get_json()["snoozed_until"]) == ("snoozed", None)
    r = client.patch(url, headers=desk.owner.headers, json={"status": "open",
                                                            "snoozed_until": None})
    assert (r.get_json()["status"], r.get_json()["snoozed_until"]) == ("open", None)


def test_viewer_cannot_patch(client: FlaskClient, desk: Desk) -> None:
    r = client.patch(f"/api/v1/conversations/{desk.ids['bruno']}", headers=desk.viewer.headers,
                     json={"status": "open"})
    assert r.status_code == 403
    assert r.get_json()["error"]["details"]["required_role"] == "member"


def test_read_resets_unread_and_writes_an_event(client: FlaskClient, desk: Desk,
                                                db: Database) -> None:
    t, conv = desk.owner.tenant_id, desk.ids["carla"]
    assert _list(client, desk.owner, device=desk.device2)["data"][0]["unread_count"] == 1
    before = last_event_id(db, t)
    r = client.post(f"/api/v1/conversations/{conv}/read", headers=desk.viewer.headers)
    assert r.status_code == 200 and r.get_json()["unread_count"] == 0
    assert events_since(db, t, before) == [("conversation.updated", conv)]
    assert conv not in _ids(_all_pages(client, desk.owner, unread="true"))
    r = client.post(f"/api/v1/conversations/{conv}/read", headers=desk.viewer.headers)
    assert r.status_code == 200 and events_since(db, t, before) == [("conversation.updated", conv)]


def test_list_rows_are_exactly_the_shared_serializer(client: FlaskClient, desk: Desk,
                                                     db: Database) -> None:
    """Lists call mf_conversation_json's two parts directly; they must not drift apart."""
    listed = {r["id"]: r for r in _list(client, desk.owner, limit=200)["data"]}
    rows = query_all(db, desk.owner.tenant_id,
                     "select id, mf_conversation_json(c) as row from conversations c")
    assert listed == {r["id"]: r["row"] for r in rows}
