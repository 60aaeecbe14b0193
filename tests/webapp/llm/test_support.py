"""Shared builders of the LLM platform tests (no tests here): providers, ledgers, and the
LLM tests' defaults over tests/factories.py (tenants, messages).

Imported by the other platform test modules and by bench/test_llm_*.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import psycopg
from flask import Flask

from tests import factories as make
from tests.factories import MASTER_KEY, T0, conversation_of  # noqa: F401 - re-exported
from tests.fakes.llm_server import FakeLLMServer
from webapp.db import Database
from webapp.llm.models import ProviderCreate
from webapp.llm.providers import create_provider
from webapp.llm.routing import LLMContext
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal

URGENT = "URGENT: the payment terminal is down, we cannot sell anything. Call me asap!"
CHATTER = ("thanks, all good", "ok see you", "good morning!", "👍")


def box(master_key: str = MASTER_KEY) -> SecretBox:
    """The secret box of a MASTER_KEY."""
    return SecretBox(master_key)


def owner_principal(db: Database, name: str = "LLM tenant") -> Principal:
    """A new tenant and its owner, as a principal for service calls."""
    return make.principal(db, name)


def seed_messages(db: Database, tenant_id: int, texts: Sequence[str], **kw: Any) -> list[int]:
    """Ingest messages into one conversation (a minute apart); their ids in order."""
    return make.messages(db, tenant_id, make.chat(texts, **kw))


def mixed_texts(n: int) -> list[str]:
    """n message texts, every fifth one urgent."""
    return [URGENT if i % 5 == 0 else f"{CHATTER[i % len(CHATTER)]} #{i}" for i in range(n)]


def provider_body(fake: FakeLLMServer, name: str, **over: Any) -> ProviderCreate:
    """An openai_compatible provider pointing at the fake server."""
    fields: dict[str, Any] = {"name": name, "kind": "openai_compatible",
                              "model": f"model-{name.lower()}", "api_base": fake.openai_base,
                              "api_key": f"sk-{name.lower()}-secret-{uuid.uuid4().hex[:12]}",
                              "timeout_s": 5, "price_input_per_mtok": Decimal("10"),
                              "price_output_per_mtok": Decimal("30")}
    fields.update(over)
    return ProviderCreate(**fields)


def add_provider(ctx: LLMContext, p: Principal, fake: FakeLLMServer, name: str,
                 **over: Any) -> dict[str, Any]:
    """Create a provider through the service; returns its public shape plus the plain key."""
    body = provider_body(fake, name, **over)
    return {**create_provider(ctx.db, ctx.box, p, body), "api_key": body.api_key}


def as_owner(database_url: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run SQL as the superuser (to inspect or age rows across RLS)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []


def add_usage(database_url: str, tenant_id: int, provider_id: int | None, at: dt.datetime, *,
              cost: Decimal | None = Decimal("1"), status: str = "ok", latency: float = 100,
              feature: str = "summarization", tokens: tuple[int, int] = (100, 20)) -> None:
    """Append a ledger row as the owner (a chosen time, cost and status; no provider: local)."""
    kind, model = ("openai", "gpt-4-turbo") if provider_id else ("local", "heuristic")
    as_owner(database_url,
             "insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, "
             "feature, input_tokens, output_tokens, cost_usd, unpriced, latency_ms, status, "
             "valid_output, created_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
             "%s, %s)",
             (tenant_id, provider_id, kind, model, feature, tokens[0], tokens[1], cost,
              cost is None, latency, status, status == "ok", at))


def ledger(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    """A tenant's ledger rows, oldest first."""
    with db.tenant(tenant_id) as conn:
        return conn.execute("select * from llm_usage_logs order by id").fetchall()


def app_db(app: Flask) -> Database:
    """The app's database (the `mf_db` extension)."""
    database: Database = app.extensions["mf_db"]
    return database


def ok(r: Any, status: int = 200) -> Any:
    """The JSON body of a test-client response, after checking its status."""
    assert r.status_code == status, (r.status_code, r.get_json())
    return r.get_json()
