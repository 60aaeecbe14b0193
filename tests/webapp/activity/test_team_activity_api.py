"""/team/activity: sign-ins, assignments, status changes and action-item moves, for managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from tests.webapp.actions.conftest import Desk, audit_rows, create_item, notifications_of
from webapp.db import Database


def activity(client: FlaskClient, desk: Desk, query: str = "") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/team/activity?limit=200{query}", headers=desk.manager.headers)
    assert r.status_code == 200, r.get_json()
    rows: list[dict[str, Any]] = r.get_json()["data"]
    return rows


def test_moves_assignments_and_comments_show_up(client: FlaskClient, desk: Desk) -> None:
    item = create_item(client, desk.member, title="Timeline item")
    h = desk.member.headers
    client.patch(f"/api/v1/action-items/{item['id']}", headers=h,
                 json={"status": "in_progress", "assignee_id": desk.member2.user_id})
    client.post(f"/api/v1/action-items/{item['id']}/comments", headers=h, json={"body": "hi"})
    rows = [r for r in activity(client, desk, f"&user_id={desk.member.user_id}")
            if r["details"].get("action_item_id") == item["id"]]
    assert [r["type"] for r in rows] == ["comment.created", "action_item.assigned",
                                         "action_item.moved", "action_item.created"]
    moved = rows[2]
    assert moved["details"]["from"] == "todo" and moved["details"]["to"] == "in_progress"
    assert moved["user_id"] == desk.member.user_id and moved["user_name"]
    family = {r["type"] for r in activity(client, desk, "&type=action_item")}
    assert family == {"action_item.created", "action_item.assigned", "action_item.moved"}
    assert {r["type"] for r in activity(client, desk, "&type=action_item.moved")} == {
        "action_item.moved"}


def test_conversation_assignment_and_status_are_recorded_and_notified_once(
        client: FlaskClient, db: Database, desk: Desk) -> None:
    url = f"/api/v1/conversations/{desk.ana}"
    before = len(notifications_of(db, desk.owner.tenant_id, desk.member2.user_id))
    for body in ({"assignee_id": desk.member2.user_id}, {"status": "pending"},
                 {"assignee_id": None}, {"assignee_id": desk.member2.user_id}):
        assert client.patch(url, headers=desk.manager.headers, json=body).status_code == 200
    rows = notifications_of(db, desk.owner.tenant_id, desk.member2.user_id)[before:]
    assert [(r["kind"], r["link"]) for r in rows] == [
        ("assignment", f"/app/conversations/{desk.ana}")]
    types = [r["type"] for r in activity(client, desk, "&type=conversation")
             if r["details"]["conversation_id"] == desk.ana]
    assert types[:4] == ["conversation.assigned", "conversation.assigned",
                         "conversation.status_changed", "conversation.assigned"]


def test_sign_ins_are_there_and_refreshes_only_when_asked(client: FlaskClient,
                                                          desk: Desk) -> None:
    assert "login" in {r["type"] for r in activity(client, desk)} or "register" in {
        r["type"] for r in activity(client, desk)}
    client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {desk.member.refresh}"})
    assert "refresh" not in {r["type"] for r in activity(client, desk)}


def test_since_pages_and_tenancy(client: FlaskClient, desk: Desk) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert activity(client, desk, f"&since={later}") == []
    seen: list[int] = []
    url = "/api/v1/team/activity?limit=3"
    while url and len(seen) < 30:
        body = client.get(url, headers=desk.manager.headers).get_json()
        seen += [r["id"] for r in body["data"]]
        url = f"/api/v1/team/activity?limit=3&cursor={body['next_cursor']}" \
            if body["next_cursor"] else ""
    assert len(seen) == len(set(seen)) and seen == sorted(seen, reverse=True)
    create_item(client, desk.other, title="B's secret")
    theirs = client.get("/api/v1/team/activity?limit=200", headers=desk.other.headers)
    assert all(r["details"].get("title") != "Timeline item" for r in theirs.get_json()["data"])
    assert all(r["details"].get("title") != "B's secret" for r in activity(client, desk))


def test_members_and_bad_filters_are_refused(client: FlaskClient, db: Database,
                                             desk: Desk) -> None:
    for who in (desk.member, desk.viewer):
        assert client.get("/api/v1/team/activity", headers=who.headers).status_code == 403
    assert [r["outcome"] for r in audit_rows(db, desk.owner.tenant_id, "team.activity.read")
            ][-2:] == ["denied", "denied"]
    for query in ("type=DROP TABLE", "since=yesterday", "since=2026-02-30T00:00:00Z",
                  "user_id=abc", "cursor=x"):
        r = client.get(f"/api/v1/team/activity?{query}", headers=desk.manager.headers)
        assert r.status_code == 400, query
