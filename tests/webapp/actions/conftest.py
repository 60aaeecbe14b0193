"""Desk fixtures: two tenants with members of every working role and seeded conversations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from webapp.db import Database
from webapp.messaging.service import ingest

ANA, BRUNO = "5511999990001@s.whatsapp.net", "5511999990002@s.whatsapp.net"
OTHER = "5511999990009@s.whatsapp.net"


@dataclass
class Desk:
    """Tenant A (owner, manager, member, second member, viewer; Ana's chat) and tenant B."""

    owner: Member
    manager: Member
    member: Member
    member2: Member
    viewer: Member
    other: Member
    ana: int
    ana_message: int
    theirs: int
    their_message: int


def first_message(db: Database, tenant_id: int, conversation_id: int) -> int:
    """The id of the conversation's first message."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select min(id) as id from messages where conversation_id = %s",
                           (conversation_id,)).fetchone()
    assert row is not None
    return int(row["id"])


@pytest.fixture(scope="module")
def desk(app: Flask, db: Database) -> Desk:
    """The two tenants, seeded through ingest."""
    client = app.test_client()
    owner = register_owner(client, "Desk A")
    manager, member, member2, viewer = (add_member(client, owner, r)
                                        for r in ("manager", "member", "member", "viewer"))
    other = register_owner(client, "Desk B")
    device = make.device(db, owner.tenant_id, name="A desk")
    ingest(db, owner.tenant_id, [msg("A1", "The printer is down", 1, chat=ANA)],
           device_id=device)
    their_device = make.device(db, other.tenant_id, name="B desk")
    ingest(db, other.tenant_id, [msg("O1", "Hello", 3, chat=OTHER, name="Otto")],
           device_id=their_device)
    ana = make.conversation(db, owner.tenant_id, ANA)
    theirs = make.conversation(db, other.tenant_id, OTHER)
    return Desk(owner, manager, member, member2, viewer, other, ana,
                first_message(db, owner.tenant_id, ana), theirs,
                first_message(db, other.tenant_id, theirs))


def create_item(client: FlaskClient, who: Member, **body: Any) -> dict[str, Any]:
    """POST /action-items as `who`; the 201 body."""
    body.setdefault("title", "Call the customer back")
    r = client.post("/api/v1/action-items", headers=who.headers, json=body)
    assert r.status_code == 201, r.get_json()
    item: dict[str, Any] = r.get_json()
    return item


def error_of(resp: Any) -> dict[str, Any]:
    """The error object of an enveloped error response."""
    body = resp.get_json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    return error


def audit_rows(db: Database, tenant_id: int, action: str) -> list[dict[str, Any]]:
    """The tenant's audit rows of one action, oldest first."""
    with db.tenant(tenant_id) as conn:
        return conn.execute("select actor_user_id, action, outcome, target_id, before, after "
                            "from audit_logs where action = %s order by id",
                            (action,)).fetchall()


def notifications_of(db: Database, tenant_id: int, user_id: int) -> list[dict[str, Any]]:
    """A member's notification rows, oldest first."""
    with db.tenant(tenant_id) as conn:
        return conn.execute("select id, kind, title, link, dedupe_key, actor_id "
                            "from notifications where user_id = %s order by id",
                            (user_id,)).fetchall()


def events_of(db: Database, tenant_id: int, type_: str) -> list[dict[str, Any]]:
    """The tenant's events of one type with their frames, oldest first."""
    with db.tenant(tenant_id) as conn:
        return conn.execute("select e.id, e.for_user_id, e.data, mf_event_frame(e) as frame "
                            "from events e where e.type = %s order by e.id",
                            (type_,)).fetchall()
