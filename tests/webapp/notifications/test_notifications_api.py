"""/notifications: notify() once per cause, my inbox unread first, read state, sending."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.webapp.actions.conftest import Desk, audit_rows, error_of, events_of
from webapp.db import Database
from webapp.notifications.service import notify
from webapp.realtime.service import events_since


def make(db: Database, desk: Desk, user_ids: list[int], title: str,
         dedupe_key: str | None = None, actor_id: int | None = None) -> int:
    with db.tenant(desk.owner.tenant_id, events=True) as conn:
        return notify(conn, tenant_id=desk.owner.tenant_id, user_ids=user_ids, kind="mention",
                      title=title, body="body", link="/app/action-items/1",
                      dedupe_key=dedupe_key, actor_id=actor_id)


def test_notify_is_once_per_key_members_only_and_never_the_actor(db: Database,
                                                                 desk: Desk) -> None:
    targets = [desk.member.user_id, desk.member2.user_id, desk.other.user_id]
    assert make(db, desk, targets, "once", "k:1", actor_id=desk.member2.user_id) == 1
    assert make(db, desk, targets, "once again", "k:1", actor_id=desk.member2.user_id) == 0
    assert make(db, desk, [desk.member.user_id], "no key") == 1
    assert make(db, desk, [desk.member.user_id], "no key") == 1
    assert make(db, desk, [], "nobody") == 0
    with db.tenant(desk.other.tenant_id) as conn:
        leaked = conn.execute("select count(*) as n from notifications where title = 'once'")
        assert leaked.fetchone() == {"n": 0}


def inbox(client: FlaskClient, desk: Desk, query: str = "") -> dict:  # type: ignore[type-arg]
    r = client.get(f"/api/v1/notifications{query}", headers=desk.manager.headers)
    assert r.status_code == 200, r.get_json()
    body: dict = r.get_json()  # type: ignore[type-arg]
    return body


def test_inbox_is_unread_first_then_newest_and_pages(client: FlaskClient, db: Database,
                                                     desk: Desk) -> None:
    for n in range(5):
        make(db, desk, [desk.manager.user_id], f"inbox {n}")
    first = inbox(client, desk)["data"]
    assert [n["title"] for n in first[:5]] == [f"inbox {n}" for n in range(4, -1, -1)]
    read = first[2]
    r = client.patch(f"/api/v1/notifications/{read['id']}", headers=desk.manager.headers,
                     json={"read": True})
    assert r.status_code == 200 and r.get_json()["read"] is True and r.get_json()["read_at"]
    body = inbox(client, desk)
    assert body["data"][-1]["id"] == read["id"] and body["unread_count"] == 4
    assert read["id"] not in [n["id"] for n in inbox(client, desk, "?unread=true")["data"]]
    seen: list[int] = []
    url = "/api/v1/notifications?limit=2"
    while url:
        page = client.get(url, headers=desk.manager.headers).get_json()
        seen += [n["id"] for n in page["data"]]
        url = f"/api/v1/notifications?limit=2&cursor={page['next_cursor']}" \
            if page["next_cursor"] else ""
    assert seen == [n["id"] for n in body["data"]]
    count = client.get("/api/v1/notifications/unread-count", headers=desk.manager.headers)
    assert count.get_json() == {"unread_count": 4}
    done = client.post("/api/v1/notifications/read-all", headers=desk.manager.headers)
    assert done.get_json() == {"updated": 4} and inbox(client, desk)["unread_count"] == 0
    back = client.patch(f"/api/v1/notifications/{read['id']}", headers=desk.manager.headers,
                        json={"read": False})
    assert back.get_json()["read"] is False and inbox(client, desk)["unread_count"] == 1


def test_someone_elses_or_another_tenants_notification_is_404(client: FlaskClient,
                                                              db: Database, desk: Desk) -> None:
    make(db, desk, [desk.member2.user_id], "not yours")
    with db.tenant(desk.owner.tenant_id) as conn:
        row = conn.execute("select id from notifications where title = 'not yours'").fetchone()
    assert row is not None
    for who in (desk.member, desk.other):
        r = client.patch(f"/api/v1/notifications/{row['id']}", headers=who.headers,
                         json={"read": True})
        assert r.status_code == 404, who.role


def test_manager_sends_to_a_member_or_a_role_live(client: FlaskClient, db: Database,
                                                  desk: Desk) -> None:
    r = client.post("/api/v1/notifications", headers=desk.manager.headers,
                    json={"user_id": desk.member.user_id, "title": "Stand-up at 10",
                          "link": "/app/home"})
    assert r.status_code == 201 and r.get_json() == {"created": 1}
    r = client.post("/api/v1/notifications", headers=desk.manager.headers,
                    json={"role": "member", "title": "Members, read this"})
    assert r.get_json() == {"created": 2}
    frames = [e for e in events_of(db, desk.owner.tenant_id, "notification.created")
              if e["frame"]["title"] == "Members, read this"]
    assert sorted(f["for_user_id"] for f in frames) == sorted(
        [desk.member.user_id, desk.member2.user_id])
    assert frames[0]["frame"]["actor_id"] == desk.manager.user_id
    assert frames[0]["frame"]["kind"] == "message" and frames[0]["frame"]["read"] is False
    assert audit_rows(db, desk.owner.tenant_id, "notifications.send")


def test_bad_sends(client: FlaskClient, desk: Desk) -> None:
    h = desk.manager.headers
    for body, field in [({"title": "x"}, "body"),
                        ({"title": "x", "user_id": 1, "role": "member"}, "body"),
                        ({"title": "", "role": "member"}, "title"),
                        ({"title": "x", "role": "boss"}, "role"),
                        ({"title": "x", "role": "member", "link": "https://evil"}, "link"),
                        ({"title": "x", "user_id": desk.other.user_id}, "user_id")]:
        r = client.post("/api/v1/notifications", headers=h, json=body)
        assert r.status_code == 400, body
        fields = error_of(r)["details"]["fields"]
        assert field in fields or any(k.startswith(field) for k in fields), (body, fields)
    for query in ("?unread=maybe", "?limit=500", "?cursor=abc"):
        assert client.get(f"/api/v1/notifications{query}", headers=h).status_code == 400
    r = client.patch("/api/v1/notifications/1", headers=h, json={"read": "yes"})
    assert r.status_code == 400


def test_members_cannot_send_and_are_audited(client: FlaskClient, db: Database,
                                             desk: Desk) -> None:
    for who in (desk.member, desk.viewer):
        r = client.post("/api/v1/notifications", headers=who.headers,
                        json={"role": "member", "title": "spam"})
        assert r.status_code == 403
    denied = [r for r in audit_rows(db, desk.owner.tenant_id, "notifications.send")
              if r["outcome"] == "denied"]
    assert {r["actor_user_id"] for r in denied} >= {desk.member.user_id, desk.viewer.user_id}
    # A viewer still reads and marks their own notifications.
    assert client.get("/api/v1/notifications", headers=desk.viewer.headers).status_code == 200
    assert client.post("/api/v1/notifications/read-all",
                       headers=desk.viewer.headers).status_code == 200


def test_the_socket_replays_a_notification_to_its_recipient_only(client: FlaskClient,
                                                                  db: Database,
                                                                  desk: Desk) -> None:
    make(db, desk, [desk.member2.user_id], "for member2's eyes")

    def titles(user_id: int | None) -> list[str]:
        frames = events_since(db, desk.owner.tenant_id, 0, 100_000, user_id=user_id)
        return [f["data"]["title"] for f in frames if f["type"] == "notification.created"]

    assert "for member2's eyes" in titles(desk.member2.user_id)
    assert "for member2's eyes" not in titles(desk.member.user_id)
    assert "for member2's eyes" not in titles(None)


def test_read_state_changes_reach_my_other_tabs_only(client: FlaskClient, db: Database,
                                                     desk: Desk) -> None:
    make(db, desk, [desk.member2.user_id], "tab sync")
    mine = client.get("/api/v1/notifications?unread=true",
                      headers=desk.member2.headers).get_json()["data"][0]
    client.patch(f"/api/v1/notifications/{mine['id']}", headers=desk.member2.headers,
                 json={"read": True})
    client.post("/api/v1/notifications/read-all", headers=desk.member2.headers)

    def frames(user_id: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
        return [(f["type"], f["data"]) for f in
                events_since(db, desk.owner.tenant_id, 0, 100_000, user_id=user_id)
                if f["type"] in ("notification.updated", "notification.read_all")]

    updated = [d for t, d in frames(desk.member2.user_id) if t == "notification.updated"]
    assert updated[-1]["id"] == mine["id"] and updated[-1]["read"] is True
    assert not [d for t, d in frames(desk.member.user_id) if d.get("id") == mine["id"]]
