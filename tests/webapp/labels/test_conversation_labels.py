"""POST/DELETE /conversations/:id/labels: the list filter, counts, realtime events, and
tenant isolation (API and database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient

from tests.factories import Member
from tests.webapp.labels.conftest import Desks, create_label, error_of
from tests.webapp.messaging.conftest import events_since, last_event_id, query_all
from webapp.db import Database


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def attach(client: FlaskClient, who: Member, conversation: int, label: int) -> Any:
    """POST /conversations/:id/labels."""
    return client.post(f"/api/v1/conversations/{conversation}/labels", headers=who.headers,
                       json={"label_id": label})


def detach(client: FlaskClient, who: Member, conversation: int, label: int) -> Any:
    """DELETE /conversations/:id/labels/:label_id."""
    return client.delete(f"/api/v1/conversations/{conversation}/labels/{label}",
                         headers=who.headers)


def listed(client: FlaskClient, who: Member, label: str) -> list[int]:
    """Ids of the conversations GET /conversations?label= returns."""
    r = client.get("/api/v1/conversations", headers=who.headers, query_string={"label": label})
    assert r.status_code == 200, r.get_json()
    return [c["id"] for c in r.get_json()["data"]]


def count_of(client: FlaskClient, who: Member, label_id: int) -> int:
    """The label's conversation_count in GET /labels."""
    rows = client.get("/api/v1/labels", headers=who.headers).get_json()["data"]
    return int(next(lab["conversation_count"] for lab in rows if lab["id"] == label_id))


def test_attach_filters_counts_and_detach(client: FlaskClient, desks: Desks) -> None:
    label = create_label(client, desks.manager, "outage", "#dc2626")
    assert listed(client, desks.viewer, "outage") == []
    r = attach(client, desks.member, desks.ana, label["id"])
    assert r.status_code == 200, r.get_json()
    conv = r.get_json()
    assert conv["id"] == desks.ana
    assert conv["labels"] == [{"id": label["id"], "name": "outage", "color": "#dc2626"}]
    assert listed(client, desks.viewer, "outage") == [desks.ana]
    assert listed(client, desks.viewer, str(label["id"])) == [desks.ana]
    assert count_of(client, desks.viewer, label["id"]) == 1

    again = attach(client, desks.member, desks.ana, label["id"])
    assert again.status_code == 200 and again.get_json()["labels"] == conv["labels"]
    assert count_of(client, desks.viewer, label["id"]) == 1

    r = detach(client, desks.member, desks.ana, label["id"])
    assert r.status_code == 200 and r.get_json()["labels"] == []
    assert listed(client, desks.viewer, "outage") == []
    assert detach(client, desks.member, desks.ana, label["id"]).status_code == 200
    assert count_of(client, desks.viewer, label["id"]) == 0


def test_attach_and_detach_append_one_event_each(client: FlaskClient, desks: Desks,
                                                 db: Database) -> None:
    label = create_label(client, desks.manager, "events")
    t = desks.owner.tenant_id
    start = last_event_id(db, t)
    before = attach(client, desks.member, desks.bruno, label["id"]).get_json()
    attach(client, desks.member, desks.bruno, label["id"])  # already there: no event
    assert events_since(db, t, start) == [("conversation.updated", desks.bruno)]
    frame = query_all(db, t, "select mf_event_frame(e) as f from events e where id > %s",
                      (start,))[0]["f"]
    assert [lab["name"] for lab in frame["labels"]] == ["events"]
    assert frame["updated_at"] == before["updated_at"]

    mid = last_event_id(db, t)
    after = detach(client, desks.member, desks.bruno, label["id"]).get_json()
    detach(client, desks.member, desks.bruno, label["id"])  # not there: no event
    assert events_since(db, t, mid) == [("conversation.updated", desks.bruno)]
    assert _at(after["updated_at"]) > _at(before["updated_at"])


def test_rename_and_delete_update_every_labelled_conversation(
        client: FlaskClient, desks: Desks, db: Database) -> None:
    label = create_label(client, desks.manager, "shared")
    for chat in (desks.ana, desks.bruno):
        assert attach(client, desks.member, chat, label["id"]).status_code == 200
    t = desks.owner.tenant_id
    start = last_event_id(db, t)
    r = client.patch(f"/api/v1/labels/{label['id']}", headers=desks.manager.headers,
                     json={"name": "shared-renamed"})
    assert r.get_json()["conversation_count"] == 2
    assert sorted(events_since(db, t, start)) == [("conversation.updated", desks.ana),
                                                  ("conversation.updated", desks.bruno)]
    assert listed(client, desks.viewer, "shared-renamed") == [desks.bruno, desks.ana]

    mid = last_event_id(db, t)
    r = client.delete(f"/api/v1/labels/{label['id']}", headers=desks.manager.headers)
    assert r.get_json()["conversation_count"] == 2
    assert sorted(events_since(db, t, mid)) == [("conversation.updated", desks.ana),
                                                ("conversation.updated", desks.bruno)]
    conv = client.get(f"/api/v1/conversations/{desks.ana}", headers=desks.viewer.headers)
    assert "shared-renamed" not in [lab["name"] for lab in conv.get_json()["labels"]]


def test_unknown_label_or_conversation_is_404(client: FlaskClient, desks: Desks) -> None:
    label = create_label(client, desks.manager, "for-404")
    r = attach(client, desks.member, 999_999_999, label["id"])
    assert r.status_code == 404 and error_of(r)["message"] == "No such conversation."
    r = attach(client, desks.member, desks.ana, 999_999_999)
    assert r.status_code == 404 and error_of(r)["message"] == "No such label."
    r = detach(client, desks.member, desks.ana, 999_999_999)
    assert r.status_code == 404


@pytest.mark.parametrize("body", [{}, {"label_id": 0}, {"label_id": "x"}, {"label_id": None},
                                  {"label_id": 1, "extra": True}])
def test_attach_bad_body_is_a_400(client: FlaskClient, desks: Desks,
                                  body: dict[str, Any]) -> None:
    r = client.post(f"/api/v1/conversations/{desks.ana}/labels", headers=desks.member.headers,
                    json=body)
    assert r.status_code == 400
    assert set(error_of(r)["details"]["fields"]) <= {"label_id", "extra"}


def test_other_tenants_labels_and_conversations_are_404(client: FlaskClient,
                                                        desks: Desks, db: Database) -> None:
    ours = create_label(client, desks.manager, "ours")
    theirs = create_label(client, desks.other, "theirs")
    assert attach(client, desks.member, desks.ana, ours["id"]).status_code == 200
    names = [lab["name"] for lab in
             client.get("/api/v1/labels", headers=desks.other.headers).get_json()["data"]]
    assert "ours" not in names and "theirs" in names
    start = last_event_id(db, desks.owner.tenant_id)
    cases = [
        attach(client, desks.owner, desks.ana, theirs["id"]),      # their label, our chat
        attach(client, desks.owner, desks.theirs, ours["id"]),     # our label, their chat
        attach(client, desks.other, desks.ana, theirs["id"]),      # their label, our chat
        detach(client, desks.other, desks.ana, ours["id"]),        # take ours off our chat
        client.patch(f"/api/v1/labels/{ours['id']}", headers=desks.other.headers,
                     json={"name": "hijacked"}),
        client.delete(f"/api/v1/labels/{ours['id']}", headers=desks.other.headers),
    ]
    assert [r.status_code for r in cases] == [404] * len(cases)
    assert listed(client, desks.viewer, "ours") == [desks.ana]
    assert listed(client, desks.other, "ours") == []
    assert count_of(client, desks.owner, ours["id"]) == 1
    assert events_since(db, desks.owner.tenant_id, start) == []


def test_the_database_refuses_a_label_of_another_tenant(desks: Desks, db: Database) -> None:
    """Foreign keys ignore RLS; the (tenant_id, id) keys of migration 0012 close that hole."""
    theirs = query_all(db, desks.other.tenant_id, "insert into labels (tenant_id, name) "
                       "values (mf_current_tenant(), 'db-theirs') returning id")[0]["id"]
    ours = query_all(db, desks.owner.tenant_id, "insert into labels (tenant_id, name) "
                     "values (mf_current_tenant(), 'db-ours') returning id")[0]["id"]
    insert = ("insert into conversation_labels (tenant_id, conversation_id, label_id) "
              "values (mf_current_tenant(), %s, %s)")
    for conversation, label in ((desks.ana, theirs), (desks.theirs, ours)):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), \
                db.pool.connection() as conn, conn.transaction():
            conn.execute("select set_config('app.tenant_id', %s, true)",
                         (str(desks.owner.tenant_id),))
            conn.execute(insert, (conversation, label))
    with pytest.raises(psycopg.errors.UniqueViolation), \
            db.pool.connection() as conn, conn.transaction():
        conn.execute("select set_config('app.tenant_id', %s, true)",
                     (str(desks.owner.tenant_id),))
        conn.execute("insert into labels (tenant_id, name) values (mf_current_tenant(), "
                     "'DB-OURS')")
