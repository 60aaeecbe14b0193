"""Due dates passing: the assignee of an open item is told once per due date."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from tests.webapp.actions.conftest import Desk, create_item, events_of, notifications_of
from webapp.actions.due import notify_due
from webapp.db import Database

TODAY = dt.datetime.now(dt.UTC).date()


def at(days: int) -> dt.datetime:
    """Noon UTC, `days` from today."""
    day = TODAY + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def due_rows(db: Database, desk: Desk, item_id: int) -> list[str]:
    return [r["dedupe_key"] for r in notifications_of(db, desk.owner.tenant_id,
                                                      desk.member2.user_id)
            if r["kind"] == "due_date" and r["link"] == f"/app/action-items/{item_id}"]


def test_passed_due_date_notifies_once_and_again_after_a_new_date(
        client: FlaskClient, db: Database, desk: Desk) -> None:
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    item = create_item(client, desk.member, title="Due soon", due_date=tomorrow,
                       assignee_id=desk.member2.user_id)
    done = create_item(client, desk.member, title="Done already", due_date=tomorrow,
                       assignee_id=desk.member2.user_id, status="done")
    unassigned = create_item(client, desk.member, title="Nobody's", due_date=tomorrow)
    notify_due(db, at(1))  # due today is not passed yet
    assert due_rows(db, desk, item["id"]) == []
    assert notify_due(db, at(2)) >= 1
    assert notify_due(db, at(2)) == 0 and notify_due(db, at(5)) == 0
    assert due_rows(db, desk, item["id"]) == [f"action_item:{item['id']}:due:{tomorrow}"]
    assert due_rows(db, desk, done["id"]) == [] and due_rows(db, desk, unassigned["id"]) == []
    pushed = [e for e in events_of(db, desk.owner.tenant_id, "notification.created")
              if e["frame"]["kind"] == "due_date" and e["frame"]["title"] == "Due date passed: "
              "Due soon"]
    assert [e["for_user_id"] for e in pushed] == [desk.member2.user_id]
    later = (TODAY + dt.timedelta(days=3)).isoformat()
    client.patch(f"/api/v1/action-items/{item['id']}", headers=desk.member.headers,
                 json={"due_date": later})
    notify_due(db, at(3))
    assert len(due_rows(db, desk, item["id"])) == 1
    notify_due(db, at(4))
    assert len(due_rows(db, desk, item["id"])) == 2


def test_the_tenants_time_zone_decides_when_a_day_is_over(client: FlaskClient, db: Database,
                                                          desk: Desk) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    with db.tenant(desk.owner.tenant_id) as conn:
        conn.execute("update tenants set timezone = 'Pacific/Kiritimati' "
                     "where id = mf_current_tenant()")  # UTC+14
    try:
        item = create_item(client, desk.member, title="Kiribati", due_date=tomorrow.isoformat(),
                           assignee_id=desk.member2.user_id)
        # 09:00 UTC tomorrow is 23:00 tomorrow in UTC+14: the due day is not over yet;
        # 11:00 UTC is 01:00 the day after there: it has passed.
        morning = dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=dt.UTC)
        notify_due(db, morning)
        assert due_rows(db, desk, item["id"]) == []
        notify_due(db, morning + dt.timedelta(hours=2))
        assert len(due_rows(db, desk, item["id"])) == 1
    finally:
        with db.tenant(desk.owner.tenant_id) as conn:
            conn.execute("update tenants set timezone = 'UTC' where id = mf_current_tenant()")
