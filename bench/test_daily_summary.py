"""Daily-summary run for 1,000 conversations against a fake provider answering in 300 ms.

Target (issue 5): the run finishes within 5 minutes, with concurrency inside the provider's
limits (the provider has a requests/min limit; every summary must come from it, none refused
to the local fallback).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest

from bench.conftest import open_pool, record
from pipelines.resources import PostgresResource
from pipelines.summaries import DailySummariesConfig, daily_summaries
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import MASTER_KEY, add_provider, box, owner_principal
from webapp.db import Database
from webapp.llm import features
from webapp.llm.litellm_loader import load_litellm
from webapp.llm.routing import LLMContext
from webapp.messaging.service import ingest

CONVERSATIONS = 1000
MESSAGES_PER_CONVERSATION = 3
LATENCY_S = 0.3
RPM = 3000
DAY = dt.date(2026, 11, 20)
LIMIT_S = 300


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[Database]:
    with open_pool(database_url, max_size=8) as database:
        yield database


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    load_litellm()
    with FakeLLMServer(latency_s=LATENCY_S) as server:
        yield server


def _traffic() -> list[dict[str, Any]]:
    start = dt.datetime.combine(DAY, dt.time(8), dt.UTC)
    tag = uuid.uuid4().hex[:6].upper()
    out = []
    for c in range(CONVERSATIONS):
        chat = f"55119{c:08d}@s.whatsapp.net"
        for m in range(MESSAGES_PER_CONVERSATION):
            out.append({"kind": "message", "id": f"{tag}{c:05d}{m:02d}", "chat": chat,
                        "sender": chat, "sender_name": f"Customer {c}", "from_me": m == 1,
                        "timestamp": (start + dt.timedelta(seconds=30 * c + m)).isoformat(),
                        "text": f"message {m} of conversation {c}: when is my order arriving?"})
    return out


@pytest.mark.bench
def test_daily_summary_1000_conversations(db: Database, fake: FakeLLMServer,
                                          database_url: str) -> None:
    ctx = LLMContext(db, box())
    p = owner_principal(db, "Daily bench")
    provider = add_provider(ctx, p, fake, "Bench fake", requests_per_minute=RPM)
    for feature in ("summarization", "daily_summary"):
        features.assign(db, p, feature, provider["id"], 1)
    traffic = _traffic()
    for i in range(0, len(traffic), 500):
        assert not ingest(db, p.tenant_id, traffic[i:i + 500]).rejected
    pg = PostgresResource(dsn=database_url, master_key=MASTER_KEY)
    workers = DailySummariesConfig().max_workers
    started = time.perf_counter()
    result = dg.materialize([daily_summaries], partition_key=DAY.isoformat(),
                            resources={"pg": pg})
    elapsed = time.perf_counter() - started
    assert result.success
    meta = {k: v.value for k, v in
            result.asset_materializations_for_node("daily_summaries")[0].metadata.items()}
    with db.tenant(p.tenant_id) as conn:
        kinds = conn.execute("select provider_kind, count(*) as n from conversation_summaries "
                             "where day = %s group by 1", (DAY,)).fetchall()
        refused = conn.execute("select count(*) as n from llm_usage_logs "
                               "where provider_id is null").fetchone()
    record("daily_summary", {
        "conversations": CONVERSATIONS, "messages": len(traffic),
        "provider_latency_s": LATENCY_S, "provider_rpm": RPM, "workers": workers,
        "pool_max": pg.pool_max, "seconds": round(elapsed, 1), "limit_s": LIMIT_S,
        "llm_calls": meta["llm_calls"], "conversations_summarised":
            meta["conversations_summarised"],
        "calls_per_s": round(meta["llm_calls"] / elapsed, 1),
    })
    assert meta["conversations_summarised"] == CONVERSATIONS and meta["failures"] == 0
    assert [(k["provider_kind"], k["n"]) for k in kinds] == [("openai_compatible", CONVERSATIONS)]
    assert refused is not None and refused["n"] == 0  # nothing fell back to the local analyser
    assert elapsed < LIMIT_S
