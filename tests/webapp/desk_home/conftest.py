"""Desk home fixtures: two tenants, members of every working role, traffic and flagged messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from webapp.db import Database

ANA, BRUNO = "5511999990001@s.whatsapp.net", "5511999990002@s.whatsapp.net"
OTHER = "5511999990009@s.whatsapp.net"
URGENT = "URGENT: the payment system is down, no customer can pay since 9am!"


@dataclass
class Desk:
    """Tenant A (owner, manager, member, viewer; Ana and Bruno) and tenant B (owner)."""

    owner: Member
    manager: Member
    member: Member
    viewer: Member
    other: Member
    ana: int
    bruno: int
    message_ids: list[int]
    their_message: int


def flag(db: Database, tenant_id: int, message_id: int, priority: str = "high",
         reason: str = "outage") -> int:
    """A stored analysis by the built-in analyser and its important message; the latter's id."""
    with db.tenant(tenant_id) as conn:
        a = conn.execute(
            "insert into message_analyses (tenant_id, message_id, conversation_id, provider_kind,"
            " model, prompt_version, heuristic, is_important, priority, reason, sentiment,"
            " sentiment_score, language, confidence) select mf_current_tenant(), m.id,"
            " m.conversation_id, 'local', 'messageflow-heuristic-v1', 'v1', true, true, %s, %s,"
            " 'negative', -0.5, 'en', 0.9 from messages m where m.id = %s returning id",
            (priority, reason, message_id)).fetchone()
        assert a is not None
        row = conn.execute(
            "insert into important_messages (tenant_id, message_id, conversation_id,"
            " analysis_id, priority, reason) select mf_current_tenant(), a.message_id,"
            " a.conversation_id, a.id, a.priority, a.reason from message_analyses a"
            " where a.id = %s returning id", (a["id"],)).fetchone()
    assert row is not None
    return int(row["id"])


@pytest.fixture(scope="module")
def desk(app: Flask, db: Database) -> Desk:
    """The two tenants, seeded through ingest."""
    client = app.test_client()
    owner = register_owner(client, "Desk A")
    manager, member, viewer = (add_member(client, owner, r)
                               for r in ("manager", "member", "viewer"))
    other = register_owner(client, "Desk B")
    device = make.device(db, owner.tenant_id, name="A desk")
    ids = make.messages(db, owner.tenant_id, [
        msg("A1", URGENT, 1, chat=ANA),
        msg("A2", "Thanks, have a nice day", 2, chat=ANA),
        msg("B1", "Invoice INV-9 is overdue, please pay", 3, chat=BRUNO, name="Bruno")],
        device_id=device)
    their_device = make.device(db, other.tenant_id, name="B desk")
    theirs = make.messages(db, other.tenant_id, [msg("O1", URGENT, 3, chat=OTHER, name="Otto")],
                           device_id=their_device)
    return Desk(owner, manager, member, viewer, other,
                make.conversation(db, owner.tenant_id, ANA),
                make.conversation(db, owner.tenant_id, BRUNO), ids, theirs[0])


def error_of(resp: Any) -> dict[str, Any]:
    """The error object of an enveloped error response."""
    body = resp.get_json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    return error


def frames(db: Database, tenant_id: int, type_: str, after: int = 0) -> list[dict[str, Any]]:
    """The realtime frames of a type the tenant's feed carries after an event id."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute("select e.id, mf_event_frame(e) as data from events e"
                            " where e.type = %s and e.id > %s order by e.id",
                            (type_, after)).fetchall()
    return [dict(r) for r in rows]


def last_event_id(db: Database, tenant_id: int) -> int:
    """The tenant's latest event id (0: none)."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select coalesce(max(id), 0) as id from events").fetchone()
    assert row is not None
    return int(row["id"])


def denied_audits(db: Database, tenant_id: int, user_id: int, action: str) -> int:
    """How many refused attempts of the action by the user are in the audit log."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select count(*) as n from audit_logs where actor_user_id = %s"
                           " and action = %s and outcome = 'denied'",
                           (user_id, action)).fetchone()
    assert row is not None
    return int(row["n"])


def yesterday_utc() -> dt.date:
    """Yesterday in UTC (the test tenants' time zone)."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
