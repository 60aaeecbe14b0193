"""/action-items: create, read, change, move, accept/reject, delete; provenance and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.webapp.actions.conftest import (
    Desk,
    audit_rows,
    create_item,
    error_of,
    events_of,
    notifications_of,
)
from webapp.db import Database

TOMORROW = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()


def propose(db: Database, desk: Desk, description: str) -> int:
    """A proposed item as the analysis writes it (an analysis row naming provider and model)."""
    with db.tenant(desk.owner.tenant_id) as conn:
        analysis = conn.execute(
            "select id from message_analyses where message_id = %s",
            (desk.ana_message,)).fetchone() or conn.execute(
            "insert into message_analyses (tenant_id, message_id, conversation_id, provider_kind,"
            " model, prompt_version, is_important, priority, sentiment, sentiment_score,"
            " language, confidence) values (mf_current_tenant(), %s, %s, 'local', 'heuristic-1',"
            " 'v1', false, 'low', 'neutral', 0, 'en', 0.5) returning id",
            (desk.ana_message, desk.ana)).fetchone()
        assert analysis is not None
        row = conn.execute(
            "insert into action_items (tenant_id, conversation_id, source_message_id, "
            "analysis_id, description, origin) values (mf_current_tenant(), %s, %s, %s, %s, "
            "'analysis') returning id",
            (desk.ana, desk.ana_message, analysis["id"], description)).fetchone()
    assert row is not None
    return int(row["id"])


def test_create_returns_the_full_shape_with_manual_provenance(client: FlaskClient,
                                                               desk: Desk) -> None:
    item = create_item(client, desk.member, title="  Send the invoice  ", description="INV-9",
                       priority="high", due_date=TOMORROW, assignee_id=desk.member2.user_id,
                       source_message_id=desk.ana_message)
    assert item["title"] == "Send the invoice" and item["status"] == "todo"
    assert item["priority"] == "high" and item["due_date"] == TOMORROW
    assert item["assignee_id"] == desk.member2.user_id and item["assignee_name"]
    assert item["conversation_id"] == desk.ana and item["source_message_id"] == desk.ana_message
    assert item["origin"] == "manual" and item["comment_count"] == 0
    assert item["provenance"]["source"] == "manual"
    assert item["provenance"]["created_by"] == desk.member.user_id
    assert item["provenance"]["model"] is None
    got = client.get(f"/api/v1/action-items/{item['id']}", headers=desk.viewer.headers)
    assert got.status_code == 200 and got.get_json() == item
    # The list serializes through the inlinable parts (migration 0031): the same shape.
    listed = client.get(f"/api/v1/action-items?conversation_id={desk.ana}",
                        headers=desk.viewer.headers).get_json()["data"]
    assert [i for i in listed if i["id"] == item["id"]] == [item]


def test_proposed_item_shows_its_analysis_provider_and_model(client: FlaskClient, db: Database,
                                                            desk: Desk) -> None:
    item_id = propose(db, desk, "Replace the printer toner")
    item = client.get(f"/api/v1/action-items/{item_id}", headers=desk.member.headers).get_json()
    assert item["status"] == "proposed" and item["origin"] == "proposed"
    assert item["title"] == "Replace the printer toner"
    prov = item["provenance"]
    assert prov["source"] == "analysis" and prov["analysis_id"] is not None
    assert prov["provider_kind"] == "local" and prov["model"] == "heuristic-1"


def test_accept_moves_to_todo_and_reject_keeps_the_item(client: FlaskClient, db: Database,
                                                        desk: Desk) -> None:
    accepted, rejected = propose(db, desk, "Accept me"), propose(db, desk, "Reject me")
    r = client.post(f"/api/v1/action-items/{accepted}/accept", headers=desk.member.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "todo"
    r = client.post(f"/api/v1/action-items/{rejected}/reject", headers=desk.member.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert client.get(f"/api/v1/action-items/{rejected}",
                      headers=desk.member.headers).get_json()["status"] == "rejected"
    again = client.post(f"/api/v1/action-items/{accepted}/accept", headers=desk.member.headers)
    assert again.status_code == 409
    audited = {r["action"] for r in audit_rows(db, desk.owner.tenant_id, "actions.accept")
               + audit_rows(db, desk.owner.tenant_id, "actions.reject")
               if r["target_id"] in (str(accepted), str(rejected))}
    assert audited == {"actions.accept", "actions.reject"}
    listed = client.get("/api/v1/action-items?status=rejected&origin=proposed",
                        headers=desk.member.headers).get_json()["data"]
    assert rejected in [i["id"] for i in listed]


def column(client: FlaskClient, desk: Desk, status: str) -> list[int]:
    r = client.get(f"/api/v1/action-items?status={status}&order=position&limit=200",
                   headers=desk.member.headers)
    assert r.status_code == 200, r.get_json()
    return [i["id"] for i in r.get_json()["data"]]


def test_moving_reorders_within_and_across_columns(client: FlaskClient, desk: Desk) -> None:
    ids = [create_item(client, desk.member, title=f"blocked {n}", status="blocked")["id"]
           for n in range(4)]
    assert column(client, desk, "blocked") == ids
    r = client.patch(f"/api/v1/action-items/{ids[3]}", headers=desk.member.headers,
                     json={"position": 0})
    assert r.status_code == 200, r.get_json()
    assert column(client, desk, "blocked") == [ids[3], ids[0], ids[1], ids[2]]
    client.patch(f"/api/v1/action-items/{ids[3]}", headers=desk.member.headers,
                 json={"position": 2})
    assert column(client, desk, "blocked") == [ids[0], ids[1], ids[3], ids[2]]
    moved = client.patch(f"/api/v1/action-items/{ids[0]}", headers=desk.member.headers,
                         json={"status": "done", "position": 0})
    assert moved.get_json()["status"] == "done"
    assert column(client, desk, "done")[0] == ids[0]
    assert column(client, desk, "blocked") == [ids[1], ids[3], ids[2]]
    # Without a position a card that changes column goes last there.
    client.patch(f"/api/v1/action-items/{ids[1]}", headers=desk.member.headers,
                 json={"status": "done"})
    assert column(client, desk, "done")[-1] == ids[1]


def test_many_moves_to_one_spot_keep_the_order(client: FlaskClient, desk: Desk) -> None:
    first = create_item(client, desk.member, title="anchor a", status="in_progress")["id"]
    second = create_item(client, desk.member, title="anchor b", status="in_progress")["id"]
    moved = []
    for n in range(60):  # halving the gap 60 times runs out of float room: a renumber
        item = create_item(client, desk.member, title=f"squeeze {n}", status="in_progress")
        r = client.patch(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers,
                         json={"position": 1})
        assert r.status_code == 200
        moved.insert(0, item["id"])
    order = column(client, desk, "in_progress")
    assert order[0] == first and order[1:61] == moved and order[61] == second


def test_pages_do_not_overlap(client: FlaskClient, desk: Desk) -> None:
    for n in range(5):
        create_item(client, desk.manager, title=f"paged {n}", assignee_id=desk.manager.user_id)
    for order in ("newest", "position"):
        seen: list[int] = []
        url = f"/api/v1/action-items?assignee=me&limit=2&order={order}"
        while url:
            body = client.get(url, headers=desk.manager.headers).get_json()
            seen += [i["id"] for i in body["data"]]
            nxt = body["next_cursor"]
            url = f"/api/v1/action-items?assignee=me&limit=2&order={order}&cursor={nxt}" \
                if nxt else ""
        assert len(seen) == len(set(seen)) == 5


def test_filters(client: FlaskClient, desk: Desk) -> None:
    mine = create_item(client, desk.member2, title="filter me", due_date=TOMORROW,
                       assignee_id=desk.member2.user_id, conversation_id=desk.ana)
    h = desk.member2.headers

    def ids(query: str) -> set[int]:
        r = client.get(f"/api/v1/action-items?{query}", headers=h)
        assert r.status_code == 200, (query, r.get_json())
        return {i["id"] for i in r.get_json()["data"]}

    assert mine["id"] in ids("assignee=me")
    assert mine["id"] in ids(f"assignee={desk.member2.user_id}")
    assert mine["id"] not in ids("assignee=none")
    day_after = (dt.date.fromisoformat(TOMORROW) + dt.timedelta(days=1)).isoformat()
    assert mine["id"] in ids(f"due_before={day_after}") and mine["id"] not in ids(
        f"due_before={TOMORROW}")
    assert mine["id"] in ids(f"conversation_id={desk.ana}")
    assert mine["id"] in ids("origin=manual") and mine["id"] not in ids("origin=proposed")
    assert mine["id"] in ids("status=todo,done") and mine["id"] not in ids("status=done")


def test_assignment_notifies_the_assignee_once(client: FlaskClient, db: Database,
                                               desk: Desk) -> None:
    item = create_item(client, desk.member, title="Notify once")
    before = len(notifications_of(db, desk.owner.tenant_id, desk.member2.user_id))
    for body in ({"assignee_id": desk.member2.user_id}, {"title": "Notify once, renamed"},
                 {"assignee_id": None}, {"assignee_id": desk.member2.user_id}):
        r = client.patch(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers,
                         json=body)
        assert r.status_code == 200, r.get_json()
    rows = notifications_of(db, desk.owner.tenant_id, desk.member2.user_id)[before:]
    assert [(r["kind"], r["link"]) for r in rows] == [
        ("assignment", f"/app/action-items/{item['id']}")]
    frames = [e for e in events_of(db, desk.owner.tenant_id, "notification.created")
              if e["frame"]["id"] == rows[0]["id"]]
    assert [f["for_user_id"] for f in frames] == [desk.member2.user_id]
    # Assigning yourself tells nobody.
    create_item(client, desk.member, title="mine", assignee_id=desk.member.user_id)
    assert not [r for r in notifications_of(db, desk.owner.tenant_id, desk.member.user_id)
                if r["title"].endswith(": mine")]


def test_events_carry_the_rest_shape(client: FlaskClient, db: Database, desk: Desk) -> None:
    item = create_item(client, desk.member, title="Evented")
    created = [e for e in events_of(db, desk.owner.tenant_id, "action_item.created")
               if e["data"]["id"] == item["id"]]
    assert created and created[0]["frame"] == item
    client.delete(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers)
    deleted = [e for e in events_of(db, desk.owner.tenant_id, "action_item.deleted")
               if e["data"]["id"] == item["id"]]
    assert deleted[0]["frame"]["id"] == item["id"] and deleted[0]["frame"]["status"] == "todo"


def test_delete_is_audited_and_gone(client: FlaskClient, db: Database, desk: Desk) -> None:
    item = create_item(client, desk.owner, title="Delete me")
    r = client.delete(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers)
    assert r.status_code == 200 and r.get_json() == {"status": "deleted", "id": item["id"]}
    assert client.get(f"/api/v1/action-items/{item['id']}",
                      headers=desk.member.headers).status_code == 404
    rows = [r for r in audit_rows(db, desk.owner.tenant_id, "actions.delete")
            if r["target_id"] == str(item["id"])]
    assert rows and rows[0]["actor_user_id"] == desk.member.user_id


BAD_CREATE: list[tuple[dict[str, Any], str]] = [
    ({"title": ""}, "title"),
    ({"title": "x", "status": "open"}, "status"),
    ({"title": "x", "status": "proposed"}, "status"),
    ({"title": "x", "priority": "whenever"}, "priority"),
    ({"title": "x", "due_date": "2026-02-30"}, "due_date"),
    ({"title": "x", "due_date": "tomorrow"}, "due_date"),
    ({"title": "x", "due_date": "2020-01-01"}, "due_date"),
    ({"title": "x", "due_date": "9999-01-01"}, "due_date"),
    ({"title": "x", "assignee_id": "7"}, "assignee_id"),
    ({"title": "x", "position": -1}, "position"),
    ({"title": "x", "colour": "red"}, "colour"),
    ({"title": "x\u0000"}, "title"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE)
def test_bad_create_names_the_field(client: FlaskClient, desk: Desk, body: dict[str, Any],
                                    field: str) -> None:
    r = client.post("/api/v1/action-items", headers=desk.member.headers, json=body)
    assert r.status_code == 400, r.get_json()
    assert field in error_of(r)["details"]["fields"]


def test_assignee_from_another_tenant_or_removed_is_a_400(client: FlaskClient,
                                                          desk: Desk) -> None:
    r = client.post("/api/v1/action-items", headers=desk.member.headers,
                    json={"title": "x", "assignee_id": desk.other.user_id})
    assert r.status_code == 400 and "assignee_id" in error_of(r)["details"]["fields"]
    from tests.factories import add_member
    leaver = add_member(client, desk.owner, "member")
    assert client.delete(f"/api/v1/members/{leaver.user_id}",
                         headers=desk.owner.headers).status_code in (200, 204)
    item = create_item(client, desk.member, title="for a leaver")
    r = client.patch(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers,
                     json={"assignee_id": leaver.user_id})
    assert r.status_code == 400 and "assignee_id" in error_of(r)["details"]["fields"]


def test_bad_changes(client: FlaskClient, desk: Desk) -> None:
    item = create_item(client, desk.member, title="bad changes")
    url = f"/api/v1/action-items/{item['id']}"
    for body, field in [({"status": "archived"}, "status"), ({"status": "proposed"}, "status"),
                        ({"due_date": "2026-13-01"}, "due_date"), ({"title": None}, "title"),
                        ({"due_date": "1999-12-31"}, "due_date"), ({}, "body")]:
        r = client.patch(url, headers=desk.member.headers, json=body)
        assert r.status_code == 400, (body, r.get_json())
        assert field in error_of(r)["details"]["fields"], (body, error_of(r))
    for query in ("status=open", "assignee=someone", "due_before=2026-02-30", "origin=robot",
                  "order=random", "cursor=%%%", "limit=0"):
        r = client.get(f"/api/v1/action-items?{query}", headers=desk.member.headers)
        assert r.status_code == 400, query


def test_another_tenants_items_and_links_are_not_found(client: FlaskClient, desk: Desk) -> None:
    theirs = create_item(client, desk.other, title="Tenant B's")
    url = f"/api/v1/action-items/{theirs['id']}"
    h = desk.owner.headers
    assert client.get(url, headers=h).status_code == 404
    assert client.patch(url, headers=h, json={"title": "mine now"}).status_code == 404
    assert client.delete(url, headers=h).status_code == 404
    assert client.post(url + "/accept", headers=h).status_code == 404
    listed = client.get("/api/v1/action-items?limit=200", headers=h).get_json()["data"]
    assert theirs["id"] not in [i["id"] for i in listed]
    for body, field in [({"conversation_id": desk.theirs}, "conversation_id"),
                        ({"source_message_id": desk.their_message}, "source_message_id")]:
        r = client.post("/api/v1/action-items", headers=h, json={"title": "x", **body})
        assert r.status_code == 400 and field in error_of(r)["details"]["fields"]
    still = client.get(url, headers=desk.other.headers).get_json()
    assert still["title"] == "Tenant B's"


def test_viewer_writes_are_refused_and_audited(client: FlaskClient, db: Database,
                                               desk: Desk) -> None:
    item = create_item(client, desk.member, title="viewer target")
    h = desk.viewer.headers
    url = f"/api/v1/action-items/{item['id']}"
    before = len(audit_rows(db, desk.owner.tenant_id, "actions.write"))
    calls = [client.post("/api/v1/action-items", headers=h, json={"title": "x"}),
             client.patch(url, headers=h, json={"title": "y"}),
             client.delete(url, headers=h),
             client.post(url + "/accept", headers=h), client.post(url + "/reject", headers=h)]
    assert [c.status_code for c in calls] == [403] * 5
    denied = audit_rows(db, desk.owner.tenant_id, "actions.write")[before:]
    assert [r["outcome"] for r in denied] == ["denied"] * 5
    assert {r["actor_user_id"] for r in denied} == {desk.viewer.user_id}
    assert client.get(url, headers=h).get_json()["title"] == "viewer target"


def test_create_at_a_position_and_changes_to_someone_elses_item_are_audited(
        client: FlaskClient, db: Database, desk: Desk) -> None:
    first = create_item(client, desk.manager, title="column head", status="done")
    top = create_item(client, desk.manager, title="new head", status="done", position=0)
    order = column(client, desk, "done")
    assert order.index(top["id"]) < order.index(first["id"]) and order[0] == top["id"]
    mine = create_item(client, desk.member, title="my own")
    client.patch(f"/api/v1/action-items/{mine['id']}", headers=desk.member.headers,
                 json={"priority": "low"})
    client.patch(f"/api/v1/action-items/{first['id']}", headers=desk.member.headers,
                 json={"priority": "urgent"})
    rows = {r["target_id"]: r for r in audit_rows(db, desk.owner.tenant_id, "actions.update")}
    assert str(mine["id"]) not in rows
    assert rows[str(first["id"])]["before"] == {"priority": "normal"}
    assert rows[str(first["id"])]["after"] == {"priority": "urgent"}
