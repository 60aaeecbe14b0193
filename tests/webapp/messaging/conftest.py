"""Messaging fixtures: tenants seeded through ingest, the outbox desk, and query helpers (the
database, devices, records and conversations come from tests/conftest.py and tests/factories.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import ANA, BRUNO, T0, Member, msg, register_owner
from webapp.db import Database
from webapp.messaging.service import ingest
from webapp.messaging.simulator import generate
from webapp.whatsapp.gateway import FakeGateway


def seed_simulated(db: Database, tenant_id: int, device_id: int, count: int = 300,
                   seed: int = 7) -> None:
    """Realistic traffic from the simulator, through ingest."""
    result = ingest(db, tenant_id, generate(seed, start=T0, count=count), device_id=device_id)
    assert result.rejected == []


def query_all(db: Database, tenant_id: int, sql: Any, params: Any = None) -> list[dict[str, Any]]:
    """Rows of a query run in the tenant's context."""
    with db.tenant(tenant_id) as conn:
        return conn.execute(sql, params).fetchall()


def events_since(db: Database, tenant_id: int, after: int) -> list[tuple[str, int]]:
    """(type, entity id) of the tenant's events after an event id."""
    rows = query_all(db, tenant_id, "select type, (data ->> 'id')::bigint as entity from events "
                     "where id > %s order by id", (after,))
    return [(r["type"], r["entity"]) for r in rows]


def last_event_id(db: Database, tenant_id: int) -> int:
    """The tenant's latest event id (0 when none)."""
    rows = query_all(db, tenant_id, "select coalesce(max(id), 0) as id from events")
    return int(rows[0]["id"])


@dataclass
class OutboxDesk:
    """One tenant with a connected simulator device and two conversations (Ana, Bruno)."""

    owner: Member
    device: int
    ana: int
    bruno: int

    @property
    def tenant(self) -> int:
        """The tenant id."""
        return self.owner.tenant_id


@pytest.fixture(scope="module")
def outbox_desk(app: Flask, db: Database) -> OutboxDesk:
    """The tenant the outbox tests send from."""
    owner = register_owner(app.test_client(), "Outbox")
    device = make.device(db, owner.tenant_id, name="Sim", jid="15550100001@s.whatsapp.net")
    ingest(db, owner.tenant_id, [msg("A1", "Is the printer fixed?", 1, chat=ANA),
                                 msg("B1", "Invoice INV-9 please", 2, chat=BRUNO)],
           device_id=device)
    return OutboxDesk(owner, device, make.conversation(db, owner.tenant_id, ANA),
                      make.conversation(db, owner.tenant_id, BRUNO))


@pytest.fixture
def settled_outbox(database_url: str) -> Iterator[None]:
    """After the test nothing is left due (queued rows would leak into the next test)."""
    yield
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("update outbox set status = 'failed' where status in ('queued', 'sending')")


@pytest.fixture
def fake(outbox_desk: OutboxDesk) -> FakeGateway:
    """A FakeGateway with the desk's device started."""
    gateway = FakeGateway()
    gateway.start(str(outbox_desk.device))
    return gateway


def queue_reply(client: FlaskClient, desk: OutboxDesk, text: str,
                **extra: Any) -> dict[str, Any]:
    """POST /messages/reply to Ana's conversation; the 202 body."""
    r = client.post("/api/v1/messages/reply", headers=desk.owner.headers,
                    json={"conversation_id": desk.ana, "text": text, **extra})
    assert r.status_code == 202, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def outbox_state(db: Database, desk: OutboxDesk, message_id: int) -> dict[str, Any]:
    """The message's status and WhatsApp id with its outbox row's state."""
    rows = query_all(db, desk.tenant, "select m.status, m.wa_message_id, m.delivered_at, "
                     "o.status as outbox, o.attempts, o.next_attempt_at, o.last_error "
                     "from messages m join outbox o on o.message_id = m.id where m.id = %s",
                     (message_id,))
    assert len(rows) == 1
    return rows[0]


def db_now(db: Database) -> dt.datetime:
    """The database's clock."""
    with db.system() as conn:
        row = conn.execute("select now() as now").fetchone()
    assert row is not None
    now: dt.datetime = row["now"]
    return now
