"""Tiny makers of the data tests need, each through the product's own door where it has one.

Import the module and call its makers by name (`from tests import factories as make`):
`make.tenant(db)`, `make.user(db, tenant, role="viewer")`, `make.principal(db)` for service
calls, `make.device(db, tenant)`, `make.messages(db, tenant, [make.msg("A1", "hi")])` (through
`webapp.messaging.service.ingest`), `make.conversation(db, tenant, chat)`, `make.provider(db,
tenant, "Primary")`. API tests sign in with `register_owner(client)` and `add_member(client,
owner, role)`, which go through the HTTP API and return a `Member` with its tokens.
The `db` fixture they take is the one in tests/conftest.py (a pool over the module's database).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webapp.config import Settings
from webapp.db import Database
from webapp.messaging.records import Record
from webapp.messaging.service import ingest
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant

PASSWORD = "correct horse battery"
MASTER_KEY = "test-master-key-" + "y" * 32
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)  # the tests' traffic starts here
ANA, BRUNO = "5511999990001@s.whatsapp.net", "5511999990002@s.whatsapp.net"


def make_settings(database_url: str, home: Path, **over: Any) -> Settings:
    """Settings for tests: generous limits unless a test asks for the real ones."""
    base = Settings(
        env="test", database_url=database_url, jwt_secret="test-jwt-secret-" + "x" * 32,
        master_key=MASTER_KEY, home=home, rate_limit="100000/minute",
        auth_rate_limit="100000/minute", login_failure_limit="100000/minute", pool_min=1,
        pool_max=8, log_level="WARNING",
        outbound_allow=("127.0.0.1",),  # the fake providers; as tests/conftest.py's environment
    )
    return replace(base, **over)


def unique_email(prefix: str = "user") -> str:
    """An email no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


# Tenants and users, through the services the CLI uses (no HTTP).

def tenant(db: Database, name: str = "Acme Support", timezone: str = "UTC") -> int:
    """A new empty tenant; its id."""
    return create_tenant(db, name, timezone)


def user(db: Database, tenant_id: int, role: str = "owner", *, email: str | None = None,
         name: str = "Olivia Owner", password: str = PASSWORD) -> int:
    """A new user who is a member of the tenant with this role; their id."""
    return add_user(db, tenant_id, email or unique_email(role), name, password, role)


def principal(db: Database, tenant_name: str = "Acme Support", role: str = "owner", *,
              tenant_id: int | None = None, name: str = "Olivia Owner") -> Principal:
    """A new member (of a new tenant unless `tenant_id` is given) as the Principal that service
    calls take; its session id is made up (no sign-in happened)."""
    if tenant_id is None:
        tenant_id = tenant(db, tenant_name)
    email = unique_email(role)
    user_id = user(db, tenant_id, role, email=email, name=name)
    return Principal(user_id, tenant_id, role, str(uuid.uuid4()), email, name, tenant_name)


# Signed-in members, through the HTTP API (for API tests).

@dataclass
class Member:
    """A signed-in member and the tokens to act as them."""

    user_id: int
    tenant_id: int
    email: str
    role: str
    access: str
    refresh: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth headers."""
        return {"Authorization": f"Bearer {self.access}"}


def register_owner(client: FlaskClient, tenant_name: str = "Acme Support") -> Member:
    """A new tenant and its owner, registered through the API."""
    email = unique_email("owner")
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": "Olivia Owner", "tenant_name": tenant_name})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return Member(body["user"]["id"], body["tenant"]["id"], email, "owner",
                  body["access_token"], body["refresh_token"])


def add_member(client: FlaskClient, owner: Member, role: str) -> Member:
    """A new member of owner's tenant with the given role, through a real invitation."""
    email = unique_email(role)
    inv_role = "admin" if role == "owner" else role
    r = client.post("/api/v1/invitations", headers=owner.headers,
                    json={"email": email, "role": inv_role})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": f"{role.title()} Person",
        "invitation_token": r.get_json()["token"]})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    member = Member(body["user"]["id"], body["tenant"]["id"], email, inv_role,
                    body["access_token"], body["refresh_token"])
    if role == "owner":
        r = client.patch(f"/api/v1/members/{member.user_id}", headers=owner.headers,
                         json={"role": "owner"})
        assert r.status_code == 200, r.get_json()
        member.role = "owner"
    return member


# Devices, conversations and messages.

def device(db: Database, tenant_id: int, *, kind: str = "simulator", status: str = "connected",
           name: str = "Desk phone", jid: str | None = None,
           pair_phone: str | None = None) -> int:
    """A device row of the tenant; its id."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute(
            "insert into devices (tenant_id, kind, display_name, status, jid, pair_phone) "
            "values (mf_current_tenant(), %s, %s, %s, %s, %s) returning id",
            (kind, name, status, jid, pair_phone)).fetchone()
    assert row is not None
    return int(row["id"])


def msg(id_: str, text: str | None, at: float = 0, *, chat: str = ANA,
        sender: str | None = None, name: str = "Ana", **kw: Any) -> dict[str, Any]:
    """A message traffic record `at` seconds after T0."""
    return {"kind": "message", "id": id_, "chat": chat, "sender": sender or chat,
            "sender_name": name, "text": text,
            "timestamp": (T0 + dt.timedelta(seconds=at)).isoformat(), **kw}


def chat(texts: Sequence[str], *, chat: str = ANA, start: dt.datetime = T0,
         prefix: str | None = None) -> list[dict[str, Any]]:
    """Inbound message records of one chat, a minute apart."""
    tag = prefix or uuid.uuid4().hex[:8].upper()
    return [{"kind": "message", "id": f"{tag}{i:06d}", "chat": chat, "sender": chat,
             "sender_name": "Ana", "from_me": False,
             "timestamp": (start + dt.timedelta(minutes=i)).isoformat(), "text": text}
            for i, text in enumerate(texts)]


def messages(db: Database, tenant_id: int, records: Iterable[Record | dict[str, Any]], *,
             device_id: int | None = None) -> list[int]:
    """Store traffic records through ingest (none may be rejected); the new message ids."""
    result = ingest(db, tenant_id, records, device_id=device_id)
    assert not result.rejected, result.rejected
    return result.message_ids


def conversation(db: Database, tenant_id: int, chat_jid: str = ANA) -> int:
    """The id of the tenant's conversation with this chat."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute("select id from conversations where chat_jid = %s",
                            (chat_jid,)).fetchall()
    assert len(rows) == 1, rows
    return int(rows[0]["id"])


def conversation_of(db: Database, tenant_id: int, message_id: int) -> int:
    """The conversation of a message."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select conversation_id from messages where id = %s",
                           (message_id,)).fetchone()
    assert row is not None
    return int(row["conversation_id"])


# LLM providers.

def provider(db: Database, tenant_id: int, name: str, *, kind: str = "openai",
             model: str = "gpt-4-turbo", budget: Any = None) -> int:
    """A provider row of the tenant (no key: for ledgers, budgets and analytics; a provider
    that is called goes through webapp.llm.providers.create_provider instead); its id."""
    with db.tenant(tenant_id) as conn:
        row = conn.execute(
            "insert into llm_providers (tenant_id, name, kind, model, monthly_budget_usd) "
            "values (mf_current_tenant(), %s, %s, %s, %s) returning id",
            (name, kind, model, budget)).fetchone()
    assert row is not None
    return int(row["id"])


def forget_cached_reads(app: Flask) -> None:
    """Drop the app's cached reads (webapp/db/watermark_cache.py), for a test that changes rows
    in SQL without the event a product write commits with (the cache would keep its figures up
    to its max age, as it does for such changes in production)."""
    caches: dict[str, Any] = app.extensions.get("mf_read_caches", {})
    caches.clear()
