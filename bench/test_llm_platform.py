"""LLM platform benchmarks: batching's token saving, batch throughput, routing overhead."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bench.conftest import open_pool, record
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import (
    add_provider,
    box,
    ledger,
    mixed_texts,
    owner_principal,
    seed_messages,
)
from webapp.analysis import importance, jobs
from webapp.analysis.models import BatchAnalyzeRequest
from webapp.analysis.prompts import build_importance_prompt
from webapp.analysis.schemas import ImportanceBatch
from webapp.db import Database
from webapp.llm import features
from webapp.llm.client import ProviderConfig, litellm_params
from webapp.llm.ledger import CallSpec
from webapp.llm.litellm_loader import load_litellm
from webapp.llm.routing import LLMContext, route

MESSAGES = 500


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[Database]:
    with open_pool(database_url, max_size=12) as database:
        yield database


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    load_litellm()
    with FakeLLMServer() as server:
        yield server


def _tenant_with_provider(db: Database, fake: FakeLLMServer, **over: Any
                          ) -> tuple[LLMContext, Any, dict[str, Any]]:
    ctx = LLMContext(db, box())
    p = owner_principal(db, "Bench")
    prov = add_provider(ctx, p, fake, "Bench provider", **over)
    features.assign(db, p, "importance_detection", prov["id"], 1)
    return ctx, p, prov


def _prompt_tokens(db: Database, tenant_id: int) -> tuple[int, int]:
    rows = [r for r in ledger(db, tenant_id) if r["status"] == "ok"]
    return sum(r["input_tokens"] for r in rows), len(rows)


@pytest.mark.bench
def test_batched_importance_uses_few_prompt_tokens(db: Database, fake: FakeLLMServer) -> None:
    texts = mixed_texts(MESSAGES)
    fake.reset()
    batched_ctx, batched, _ = _tenant_with_provider(db, fake)
    ids = seed_messages(db, batched.tenant_id, texts)
    importance.analyze_messages(batched_ctx, batched.tenant_id, ids)
    single_ctx, single, _ = _tenant_with_provider(db, fake)
    ids = seed_messages(db, single.tenant_id, texts)
    importance.analyze_messages(single_ctx, single.tenant_id, ids, batch_size=1)
    batched_tokens, batched_calls = _prompt_tokens(db, batched.tenant_id)
    single_tokens, single_calls = _prompt_tokens(db, single.tenant_id)
    share = batched_tokens / single_tokens
    record("llm_batching_tokens", {
        "messages": MESSAGES, "batch_size": importance.BATCH_SIZE,
        "batched_calls": batched_calls, "batched_prompt_tokens": batched_tokens,
        "single_calls": single_calls, "single_prompt_tokens": single_tokens,
        "batched_share": round(share, 3),
        "note": "prompt tokens from llm_usage_logs; the fake counts ~4 characters a token",
    })
    assert share <= 0.35


@pytest.mark.bench
def test_batch_analysis_throughput_at_300ms(db: Database, fake: FakeLLMServer) -> None:
    fake.reset()
    fake.latency_s = 0.3
    ctx, p, _ = _tenant_with_provider(db, fake)
    ids = seed_messages(db, p.tenant_id, mixed_texts(MESSAGES))
    job = jobs.create_job(db, p, BatchAnalyzeRequest(message_ids=ids))
    started = time.perf_counter()
    handled = 0
    while handled < MESSAGES:
        handled += jobs.drain(db, 1000, box=ctx.box)
    elapsed = time.perf_counter() - started
    status = jobs.job_status(db, p, job["job_id"])
    assert status["done"] == MESSAGES
    rate = MESSAGES / elapsed
    record("llm_batch_throughput", {
        "messages": MESSAGES, "fake_latency_s": 0.3, "batch_size": importance.BATCH_SIZE,
        "workers": jobs.WORKERS, "seconds": round(elapsed, 2),
        "messages_per_s": round(rate, 1), "calls": len(ledger(db, p.tenant_id)),
    })
    fake.latency_s = 0.0
    assert rate >= 50


def _direct(config: ProviderConfig, messages: list[dict[str, str]]) -> float:
    params = litellm_params(config, ImportanceBatch)
    started = time.perf_counter()
    response = load_litellm().completion(messages=messages, **params)
    ImportanceBatch.model_validate_json(response.choices[0].message.content)
    return (time.perf_counter() - started) * 1000


def _routed(ctx: LLMContext, tenant_id: int, prompt: Any) -> float:
    spec = CallSpec("importance_detection", prompt.version, message_count=1)
    started = time.perf_counter()
    route(ctx, tenant_id, prompt, ImportanceBatch, spec)
    return (time.perf_counter() - started) * 1000


def _overhead(db: Database, fake: FakeLLMServer, rounds: int, **over: Any) -> dict[str, Any]:
    ctx, p, prov = _tenant_with_provider(db, fake, **over)
    ids = seed_messages(db, p.tenant_id, ["Where is my order 1234? It is late."])
    prompt = build_importance_prompt(importance.load_inputs(db, p.tenant_id, ids))
    config = ProviderConfig("openai_compatible", model=prov["model"], api_key=prov["api_key"],
                            api_base=fake.openai_base, timeout_s=5)
    for _ in range(5):  # warm connections on both paths
        _direct(config, prompt.messages)
        _routed(ctx, p.tenant_id, prompt)
    direct, routed = [], []
    for _ in range(rounds):  # interleaved, so drift hits both paths alike
        direct.append(_direct(config, prompt.messages))
        routed.append(_routed(ctx, p.tenant_id, prompt))
    d50, r50 = statistics.median(direct), statistics.median(routed)
    return {"direct_p50_ms": round(d50, 2), "routed_p50_ms": round(r50, 2),
            "overhead_p50_ms": round(r50 - d50, 2), "calls": rounds}


@pytest.mark.bench
def test_routing_and_ledger_overhead(db: Database, fake: FakeLLMServer) -> None:
    fake.reset()
    plain = _overhead(db, fake, 300)
    limited = _overhead(db, fake, 300, requests_per_minute=100_000,
                        monthly_budget_usd=Decimal("1000"))
    record("llm_routing_overhead", {"no_limits": plain, "with_rpm_and_budget": limited,
                                    "note": "routed = chain lookup + key decrypt + call + "
                                            "ledger/health/counters transaction"})
    assert plain["overhead_p50_ms"] <= 10
