"""/action-items/:id/comments and /comments/:id: threads, mentions, who may delete."""

from __future__ import annotations

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


def comment(client: FlaskClient, who: object, item_id: int, body: str) -> dict:  # type: ignore[type-arg]
    r = client.post(f"/api/v1/action-items/{item_id}/comments",
                    headers=who.headers, json={"body": body})  # type: ignore[attr-defined]
    assert r.status_code == 201, r.get_json()
    out: dict = r.get_json()  # type: ignore[type-arg]
    return out


def test_mentions_are_resolved_stored_and_notified_once(client: FlaskClient, db: Database,
                                                        desk: Desk) -> None:
    item = create_item(client, desk.member, title="Printer")
    me = client.get("/api/v1/auth/me", headers=desk.member2.headers).get_json()["user"]
    before = len(notifications_of(db, desk.owner.tenant_id, desk.member2.user_id))
    c = comment(client, desk.member, item["id"],
                f"@{me['email']} can you look? cc @{me['email']} and @nobody")
    assert [(m["user_id"], m["text"]) for m in c["mentions"]] == [
        (desk.member2.user_id, "@" + me["email"])]
    assert c["author_id"] == desk.member.user_id and c["author_name"]
    rows = notifications_of(db, desk.owner.tenant_id, desk.member2.user_id)[before:]
    assert [r["kind"] for r in rows] == ["mention"]
    assert rows[0]["link"] == f"/app/action-items/{item['id']}#comment-{c['id']}"
    other = [e for e in events_of(db, desk.owner.tenant_id, "notification.created")
             if e["frame"]["id"] == rows[0]["id"]]
    assert [e["for_user_id"] for e in other] == [desk.member2.user_id]
    created = [e for e in events_of(db, desk.owner.tenant_id, "comment.created")
               if e["data"]["id"] == c["id"]]
    assert created[0]["frame"] == c
    listed = client.get(f"/api/v1/action-items/{item['id']}/comments",
                        headers=desk.viewer.headers).get_json()
    assert listed == {"data": [c], "next_cursor": None}
    assert client.get(f"/api/v1/action-items/{item['id']}",
                      headers=desk.member.headers).get_json()["comment_count"] == 1


def test_thread_is_oldest_first_and_pages(client: FlaskClient, desk: Desk) -> None:
    item = create_item(client, desk.member, title="Long thread")
    made = [comment(client, desk.member, item["id"], f"note {n}")["id"] for n in range(5)]
    seen: list[int] = []
    url = f"/api/v1/action-items/{item['id']}/comments?limit=2"
    while url:
        body = client.get(url, headers=desk.member.headers).get_json()
        seen += [c["id"] for c in body["data"]]
        nxt = body["next_cursor"]
        url = f"/api/v1/action-items/{item['id']}/comments?limit=2&cursor={nxt}" if nxt else ""
    assert seen == made


def test_delete_by_author_or_manager_others_403_audited(client: FlaskClient, db: Database,
                                                        desk: Desk) -> None:
    item = create_item(client, desk.member, title="Deletions")
    mine = comment(client, desk.member, item["id"], "mine")
    theirs = comment(client, desk.member2, item["id"], "theirs")
    r = client.delete(f"/api/v1/comments/{theirs['id']}", headers=desk.member.headers)
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    denied = [a for a in audit_rows(db, desk.owner.tenant_id, "comments.delete")
              if a["target_id"] == str(theirs["id"])]
    assert [(a["outcome"], a["actor_user_id"]) for a in denied] == [
        ("denied", desk.member.user_id)]
    r = client.delete(f"/api/v1/comments/{mine['id']}", headers=desk.member.headers)
    assert r.get_json() == {"status": "deleted", "id": mine["id"], "action_item_id": item["id"]}
    r = client.delete(f"/api/v1/comments/{theirs['id']}", headers=desk.manager.headers)
    assert r.status_code == 200
    allowed = [a for a in audit_rows(db, desk.owner.tenant_id, "comments.delete")
               if a["target_id"] == str(theirs["id"]) and a["outcome"] == "allowed"]
    assert allowed[0]["before"]["body"] == "theirs"
    gone = [e for e in events_of(db, desk.owner.tenant_id, "comment.deleted")
            if e["data"]["id"] == theirs["id"]]
    assert gone[0]["frame"] == {"id": theirs["id"], "action_item_id": item["id"]}
    assert client.get(f"/api/v1/action-items/{item['id']}/comments",
                      headers=desk.member.headers).get_json()["data"] == []


def test_another_tenants_item_or_comment_is_404(client: FlaskClient, desk: Desk) -> None:
    theirs = create_item(client, desk.other, title="B's")
    c = comment(client, desk.other, theirs["id"], "B's comment")
    h = desk.owner.headers
    assert client.get(f"/api/v1/action-items/{theirs['id']}/comments",
                      headers=h).status_code == 404
    r = client.post(f"/api/v1/action-items/{theirs['id']}/comments", headers=h,
                    json={"body": "hello"})
    assert r.status_code == 404
    assert client.delete(f"/api/v1/comments/{c['id']}", headers=h).status_code == 404
    assert client.get(f"/api/v1/action-items/{theirs['id']}/comments",
                      headers=desk.other.headers).get_json()["data"] == [c]


def test_bad_comments_and_viewer(client: FlaskClient, db: Database, desk: Desk) -> None:
    item = create_item(client, desk.member, title="Bad comments")
    url = f"/api/v1/action-items/{item['id']}/comments"
    for body in ({"body": ""}, {"body": "   "}, {"body": "x" * 5001}, {}, {"body": 5},
                 {"body": "a\u0000b"}):
        r = client.post(url, headers=desk.member.headers, json=body)
        assert r.status_code == 400, body
    c = comment(client, desk.member, item["id"], "keep me")
    r1 = client.post(url, headers=desk.viewer.headers, json={"body": "viewer"})
    r2 = client.delete(f"/api/v1/comments/{c['id']}", headers=desk.viewer.headers)
    assert (r1.status_code, r2.status_code) == (403, 403)
    denied = [a for a in audit_rows(db, desk.owner.tenant_id, "comments.write")
              if a["actor_user_id"] == desk.viewer.user_id]
    assert [a["outcome"] for a in denied] == ["denied", "denied"]
