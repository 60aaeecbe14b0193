"""Events for one member only, and frame serializers registered by the domain that owns them
(migration 0024): live and on replay, a member's personal event reaches that member alone."""

from __future__ import annotations

import json

import psycopg
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from tests.webapp.realtime.conftest import Client, connect, fence
from webapp.db import Database
from webapp.realtime import service as svc


def ready(base: str, member: Member, since: int | None = None) -> Client:
    """A connected client whose subscription is in place (its presence snapshot arrived)."""
    ws = connect(base, member.access, since)
    ws.first(lambda f: f["type"] == "presence" and f["data"]["user_id"] == member.user_id)
    return ws


def emit(db: Database, tenant_id: int, kind: str, data: dict[str, object],
         for_user: int | None) -> int:
    """Write one event as a service would (the app role, the tenant's context); its id."""
    with db.tenant(tenant_id, events=True) as conn:
        row = conn.execute(
            "insert into events (tenant_id, type, data, for_user_id) "
            "values (mf_current_tenant(), %s, %s, %s) returning id",
            (kind, json.dumps(data), for_user)).fetchone()
    assert row is not None
    return int(row["id"])


def test_a_personal_event_reaches_its_member_only(server: str, client: FlaskClient,
                                                  db: Database) -> None:
    owner = register_owner(client)
    member = add_member(client, owner, "member")
    ws_owner, ws_member = ready(server, owner), ready(server, member)
    mine = emit(db, owner.tenant_id, "test.personal", {"id": 7}, member.user_id)
    everyone = emit(db, owner.tenant_id, "test.shared", {"id": 8}, None)
    stop = fence(db, owner.tenant_id)
    assert ws_member.events_until(stop | {mine, everyone})[:2] == [mine, everyone]
    got_owner = ws_owner.events_until(stop | {everyone})
    assert mine not in got_owner and everyone in got_owner
    ws_owner.close()
    ws_member.close()


def test_replay_gives_a_personal_event_to_its_member_only(server: str, client: FlaskClient,
                                                          db: Database) -> None:
    owner = register_owner(client)
    member = add_member(client, owner, "member")
    before = svc.last_event_id(db, owner.tenant_id)
    mine = emit(db, owner.tenant_id, "test.personal", {"id": 9}, member.user_id)
    shared = emit(db, owner.tenant_id, "test.shared", {"id": 10}, None)
    stop = fence(db, owner.tenant_id)
    ws_owner = connect(server, owner.access, since=before)
    assert mine not in ws_owner.events_until(stop | {shared})
    ws_member = connect(server, member.access, since=before)
    assert ws_member.events_until(stop | {mine, shared})[:2] == [mine, shared]
    assert [f["id"] for f in svc.events_since(db, owner.tenant_id, before, 100)
            if f["id"] in (mine, shared)] == [shared]  # no member given: tenant-wide only
    ws_owner.close()
    ws_member.close()


def test_a_registered_serializer_builds_the_frame(client: FlaskClient, db: Database,
                                                  database_url: str) -> None:
    owner = register_owner(client)
    with psycopg.connect(database_url, autocommit=True) as admin:  # a migration's rights
        admin.execute("create function mf_test_frame(e events) returns jsonb language sql "
                      "stable as $$ select jsonb_build_object('built', e.data -> 'id') $$")
        admin.execute("create function mf_test_exact_frame(e events) returns jsonb "
                      "language sql stable as $$ select jsonb_build_object('exact', true) $$")
        admin.execute("insert into event_serializers values "
                      "('widget.', 'mf_test_frame(events)'), "
                      "('widget.special', 'mf_test_exact_frame(events)')")
    plain = emit(db, owner.tenant_id, "widget.created", {"id": 5}, None)
    special = emit(db, owner.tenant_id, "widget.special", {"id": 6}, None)
    other = emit(db, owner.tenant_id, "gadget.created", {"id": 7}, None)
    frames = {f["id"]: f for f in svc.events_by_ids(db, owner.tenant_id,
                                                    [plain, special, other])}
    assert frames[plain]["data"] == {"built": 5}
    assert frames[special]["data"] == {"exact": True}  # the longest prefix wins
    assert frames[other]["data"] == {"id": 7}  # nobody registered it: the event's own data
    assert frames[plain]["type"] == "widget.created"
