"""Labels fixtures: two tenants with members of every working role and seeded conversations."""

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
class Desks:
    """Tenant A (owner, manager, member, viewer; Ana and Bruno) and tenant B (owner; one chat)."""

    owner: Member
    manager: Member
    member: Member
    viewer: Member
    other: Member
    ana: int
    bruno: int
    theirs: int


@pytest.fixture(scope="module")
def desks(app: Flask, db: Database) -> Desks:
    """The two tenants, seeded through ingest."""
    client = app.test_client()
    owner = register_owner(client, "Labels A")
    manager, member, viewer = (add_member(client, owner, r)
                               for r in ("manager", "member", "viewer"))
    other = register_owner(client, "Labels B")
    device = make.device(db, owner.tenant_id, name="A desk")
    ingest(db, owner.tenant_id, [msg("A1", "The printer is down", 1, chat=ANA),
                                 msg("B1", "Invoice INV-9 please", 2, chat=BRUNO, name="Bruno")],
           device_id=device)
    their_device = make.device(db, other.tenant_id, name="B desk")
    ingest(db, other.tenant_id, [msg("O1", "Hello", 3, chat=OTHER, name="Otto")],
           device_id=their_device)
    return Desks(owner, manager, member, viewer, other,
                 make.conversation(db, owner.tenant_id, ANA),
                 make.conversation(db, owner.tenant_id, BRUNO),
                 make.conversation(db, other.tenant_id, OTHER))


def create_label(client: FlaskClient, who: Member, name: str,
                 color: str | None = None) -> dict[str, Any]:
    """POST /labels as `who`; the 201 body."""
    body: dict[str, Any] = {"name": name} if color is None else {"name": name, "color": color}
    r = client.post("/api/v1/labels", headers=who.headers, json=body)
    assert r.status_code == 201, r.get_json()
    label: dict[str, Any] = r.get_json()
    return label


def error_of(resp: Any) -> dict[str, Any]:
    """The error object of an enveloped error response."""
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    error: dict[str, Any] = body["error"]
    return error
