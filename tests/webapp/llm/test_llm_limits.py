"""Limits enforced by PostgreSQL: budget never exceeded (also concurrently), rpm, rpd, expiry."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import (
    add_provider,
    as_owner,
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
from webapp.llm import features, limits
from webapp.llm.client import ProviderConfig
from webapp.llm.providers import get_row
from webapp.llm.routing import LLMContext


def _spent(db: Database, tenant_id: int, provider_id: int) -> Decimal:
    rows = [r for r in ledger(db, tenant_id) if r["provider_id"] == provider_id]
    return sum((r["cost_usd"] or Decimal(0) for r in rows), Decimal(0))


def test_budget_exhausted_mid_batch_moves_on_and_never_overspends(
    platform_db: Database, fake: FakeLLMServer, fake2: FakeLLMServer
) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    fake.usage = fake2.usage = (1000, 500)  # $0.025 a call at $10/$30 per 1M
    budget = Decimal("0.2")
    capped = add_provider(ctx, p, fake, "Capped", monthly_budget_usd=budget, max_tokens=600)
    spare = add_provider(ctx, p, fake2, "Spare")
    features.assign(platform_db, p, "importance_detection", capped["id"], 1)
    features.assign(platform_db, p, "importance_detection", spare["id"], 2)
    ids = seed_messages(platform_db, p.tenant_id, mixed_texts(200))

    job = jobs.create_job(platform_db, p, BatchAnalyzeRequest(message_ids=ids))
    handled = jobs.drain(platform_db, 500, box=ctx.box, batch_size=5, workers=6)

    assert handled == 200
    status = jobs.job_status(platform_db, p, job["job_id"])
    assert (status["status"], status["done"], status["failed"]) == ("done", 200, 0)
    spent = _spent(platform_db, p.tenant_id, capped["id"])
    assert Decimal("0.1") <= spent <= budget, spent  # used most of it, never more
    rows = ledger(platform_db, p.tenant_id)
    assert {r["provider_id"] for r in rows} == {capped["id"], spare["id"]}
    with platform_db.tenant(p.tenant_id) as conn:
        counters = conn.execute(
            "select spent_usd, held_usd, held_requests from llm_rate_counters "
            "where provider_id = %s and period = 'month'", (capped["id"],)).fetchone()
        held = conn.execute("select count(*) as n from llm_reservations where status = 'held'"
                            ).fetchone()
    assert counters is not None and counters["spent_usd"] == spent
    assert counters["held_usd"] == 0 and counters["held_requests"] == 0
    assert held is not None and held["n"] == 0


def test_concurrent_reservations_never_pass_the_budget(platform_db: Database,
                                                       fake: FakeLLMServer) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    prov = add_provider(ctx, p, fake, "Tight", monthly_budget_usd=Decimal("1"), max_tokens=1000)
    with platform_db.tenant(p.tenant_id) as conn:
        row = get_row(conn, prov["id"])

    def grab(_: int) -> bool:
        with platform_db.tenant(p.tenant_id) as conn:
            return isinstance(limits.reserve(conn, row, Decimal("0.07")), limits.Reservation)

    with ThreadPoolExecutor(max_workers=10) as pool:
        granted = sum(pool.map(grab, range(40)))
    assert granted == 14  # floor(1 / 0.07), whatever the interleaving


def _reserve_in_a_process(args: tuple[str, int, int, int]) -> int:
    """Child process: its own pool, `n` reservations of $0.05; how many were granted."""
    url, tenant_id, provider_id, n = args
    db = Database(url, min_size=1, max_size=1)
    db.open()
    try:
        granted = 0
        for _ in range(n):
            with db.tenant(tenant_id) as conn:
                row = get_row(conn, provider_id)
                granted += isinstance(limits.reserve(conn, row, Decimal("0.05")),
                                      limits.Reservation)
        return granted
    finally:
        db.close()


def test_the_budget_holds_across_processes(platform_db: Database, database_url: str,
                                           fake: FakeLLMServer) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    prov = add_provider(ctx, p, fake, "Shared", monthly_budget_usd=Decimal("1"))
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        granted = pool.map(_reserve_in_a_process,
                           [(database_url, p.tenant_id, prov["id"], 12)] * 3)
    assert sum(granted) == 20  # $1 / $0.05, split among three processes


def test_requests_per_minute_and_day(platform_db: Database, database_url: str,
                                     fake: FakeLLMServer) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    prov = add_provider(ctx, p, fake, "Slow lane", requests_per_minute=2)
    features.assign(platform_db, p, "importance_detection", prov["id"], 1)
    ids = seed_messages(platform_db, p.tenant_id, ["a?", "b?", "c?", "d?"])
    outs = [importance.analyze_messages(ctx, p.tenant_id, [i]) for i in ids[:3]]
    assert [o.attempts[0].status for o in outs] == ["ok", "ok", "skipped"]
    assert outs[2].attempts[0].reason == "rpm_exceeded"
    assert outs[2].attempts[-1].kind == "local"
    as_owner(database_url, "update llm_usage_logs set created_at = created_at - "
                           "interval '2 minutes' where provider_id = %s", (prov["id"],))
    as_owner(database_url, "update llm_providers set rpm = null, rpd = 2 where id = %s",
             (prov["id"],))
    out = importance.analyze_messages(ctx, p.tenant_id, [ids[3]])
    assert out.attempts[0].reason == "rpd_exceeded"  # two calls already today
    assert len(fake.requests) == 2


def test_expired_reservations_are_given_back(platform_db: Database, database_url: str,
                                             fake: FakeLLMServer) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    prov = add_provider(ctx, p, fake, "Crashy", monthly_budget_usd=Decimal("0.10"))
    with platform_db.tenant(p.tenant_id) as conn:
        row = get_row(conn, prov["id"])
        assert isinstance(limits.reserve(conn, row, Decimal("0.08")), limits.Reservation)
        refused = limits.reserve(conn, row, Decimal("0.08"))
    assert isinstance(refused, limits.Refusal) and refused.reason == "budget_exhausted"
    as_owner(database_url, "update llm_reservations set expires_at = now() - interval '1 s' "
                           "where provider_id = %s", (prov["id"],))  # its caller crashed
    with platform_db.tenant(p.tenant_id) as conn:
        again = limits.reserve(conn, row, Decimal("0.08"))
    assert isinstance(again, limits.Reservation)


def test_budget_without_a_price_refuses_rather_than_guessing(
    platform_db: Database, fake: FakeLLMServer
) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db)
    prov = add_provider(ctx, p, fake, "NoPrice", model="mystery-model-9000",
                        monthly_budget_usd=Decimal("5"))
    # Create/PATCH refuse a budget without a price (test_llm_validation); an existing provider
    # can still lose its price (a price table change): emulate that under the API.
    with platform_db.tenant(p.tenant_id) as conn:
        conn.execute("update llm_providers set price_input_per_mtok = null,"
                     " price_output_per_mtok = null where id = %s", (prov["id"],))
    features.assign(platform_db, p, "importance_detection", prov["id"], 1)
    ids = seed_messages(platform_db, p.tenant_id, ["hello"])
    out = importance.analyze_messages(ctx, p.tenant_id, ids)
    assert out.attempts[0].reason == "budget_unpriced" and not fake.requests
    assert "price_input_per_mtok" in (out.attempts[0].public()["error_message"] or "")


def test_estimate_is_an_upper_bound_of_the_real_cost(fake: FakeLLMServer) -> None:
    from tests.webapp.llm.helpers import message

    texts = ["Olá, preciso do boleto até amanhã às 10h, é urgente!", "東京の倉庫から発送済みです",
             "Can you send the invoice today? Order #4411 is late."]
    prompt = build_importance_prompt([message(i + 1, t) for i, t in enumerate(texts)])
    config = ProviderConfig("openai", api_key="sk-x", api_base=fake.openai_base,
                            max_tokens=800)
    from webapp.llm.litellm_loader import load_litellm

    counted = load_litellm().token_counter(model="gpt-4-turbo", messages=prompt.messages)
    bound = limits.prompt_token_bound(config, prompt.messages, ImportanceBatch)
    assert counted < bound
    estimate = limits.estimate_usd(config, prompt.messages, ImportanceBatch)
    assert estimate is not None
    assert estimate >= Decimal(counted) * 10 / 1_000_000 + Decimal(800) * 30 / 1_000_000
