"""Event ids follow commit order within a tenant, so `since` cursors never skip an event."""

from __future__ import annotations

import threading
from typing import Any

import psycopg

from webapp.db import Database
from webapp.realtime import service as svc
from webapp.tenants.service import create_tenant

INSERT = "insert into events (tenant_id, type, data) values (%s, 'test.order', '{}') returning id"
# The shape ingest uses: the insert inside a CTE, rows from a SELECT.
INSERT_CTE = ("with ins as (insert into events (tenant_id, type, data) "
              "select t, 'test.order', '{}' from unnest(array[%s::bigint, %s::bigint]) t "
              "returning id) select max(id) as id from ins")


def _insert_in_thread(db: Database, tenant_id: int, out: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        with db.tenant(tenant_id) as conn:
            out["id"] = conn.execute(INSERT_CTE, (tenant_id, tenant_id)).fetchone()["id"]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_later_event_of_the_tenant_waits_for_the_open_one_and_gets_a_higher_id(
        db: Database) -> None:
    tenant = create_tenant(db, "Order A")
    other = create_tenant(db, "Order B")
    with db.tenant(tenant) as conn:
        held = conn.execute(INSERT, (tenant,)).fetchone()["id"]
        # A reader connecting now sees a floor below the open event, so it is not skipped later.
        assert svc.last_event_id(db, tenant) < held

        later: dict[str, Any] = {}
        thread = _insert_in_thread(db, tenant, later)
        thread.join(0.5)
        assert thread.is_alive(), "the tenant's next event must wait for the open transaction"

        elsewhere: dict[str, Any] = {}
        _insert_in_thread(db, other, elsewhere).join(5)
        assert "id" in elsewhere, "another tenant's events must not wait"
    thread.join(5)
    assert not thread.is_alive()
    assert later["id"] > held
    # The waiting statement drew its ids only once it had the lock: after the other tenant's.
    assert later["id"] > elsewhere["id"]
    assert svc.event_ids_since(db, tenant, held - 1, 10) == [held, later["id"] - 1, later["id"]]


def test_ids_stay_unique_and_increasing_under_concurrent_writers(db: Database) -> None:
    tenant = create_tenant(db, "Order C")
    ids: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(25):
            with db.tenant(tenant) as conn:
                new = conn.execute(INSERT, (tenant,)).fetchone()["id"]
            with lock:
                ids.append(new)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ids) == len(set(ids)) == 100
    assert svc.event_ids_since(db, tenant, 0, 1000) == sorted(ids)


def test_a_writer_without_a_tenant_setting_is_ordered_too(db: Database,
                                                          database_url: str) -> None:
    # As a cross-tenant SECURITY DEFINER writer runs: as the owner, with no app.tenant_id.
    tenant = create_tenant(db, "Order D")
    with db.tenant(tenant) as conn:
        held = conn.execute(INSERT, (tenant,)).fetchone()["id"]
        later: dict[str, Any] = {}

        def owner_insert() -> None:
            with psycopg.connect(database_url) as owner:
                row = owner.execute(INSERT, (tenant,)).fetchone()
                assert row is not None
                later["id"] = row[0]

        thread = threading.Thread(target=owner_insert, daemon=True)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the row of an open tenant must wait for its transaction"
    thread.join(5)
    assert later["id"] > held
