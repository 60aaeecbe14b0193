"""Routing against real PostgreSQL and the fake servers: fallback, breaker, 429, ledger."""

from __future__ import annotations

import datetime as dt

from tests.fakes.llm_server import FakeLLMServer, FaultPlan
from tests.webapp.llm.test_support import (
    URGENT,
    add_provider,
    as_owner,
    box,
    ledger,
    owner_principal,
    seed_messages,
)
from webapp.analysis import importance
from webapp.db import Database
from webapp.llm import features
from webapp.llm.routing import LLMContext


def _ctx(db: Database) -> LLMContext:
    return LLMContext(db, box())


def _health(db: Database, tenant_id: int, provider_id: int) -> dict:
    with db.tenant(tenant_id) as conn:
        row = conn.execute("select *, now() as now from llm_health where provider_id = %s",
                           (provider_id,)).fetchone()
    assert row is not None
    return row


def test_primary_down_uses_secondary_and_logs_both(
    platform_db: Database, fake: FakeLLMServer, fake2: FakeLLMServer
) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    primary = add_provider(ctx, p, fake, "Primary")
    secondary = add_provider(ctx, p, fake2, "Secondary")
    features.assign(platform_db, p, "importance_detection", primary["id"], 1)
    features.assign(platform_db, p, "importance_detection", secondary["id"], 2)
    fake.faults = FaultPlan.always("http_500")
    ids = seed_messages(platform_db, p.tenant_id, [URGENT, "thanks"])

    outcome = importance.analyze_messages(ctx, p.tenant_id, ids)

    assert set(outcome.analysis_ids) == set(ids)
    rows = ledger(platform_db, p.tenant_id)
    assert [(r["provider_id"], r["status"]) for r in rows] == [
        (primary["id"], "error"), (secondary["id"], "ok")]
    assert rows[0]["error_class"] == "InternalServerError" and not rows[0]["valid_output"]
    assert rows[1]["valid_output"] and rows[1]["message_count"] == 2
    assert rows[1]["prompt_version"] == "importance/v1" and rows[1]["cost_usd"] > 0
    with platform_db.tenant(p.tenant_id) as conn:
        stored = conn.execute("select provider_id, model, usage_log_id from message_analyses"
                              ).fetchall()
    assert {(r["provider_id"], r["model"], r["usage_log_id"]) for r in stored} == {
        (secondary["id"], "model-secondary", rows[1]["id"])}


def test_429_with_retry_after_cools_the_provider_down(
    platform_db: Database, fake: FakeLLMServer, fake2: FakeLLMServer
) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    primary = add_provider(ctx, p, fake, "Limited")
    backup = add_provider(ctx, p, fake2, "Backup")
    features.assign(platform_db, p, "importance_detection", primary["id"], 1)
    features.assign(platform_db, p, "importance_detection", backup["id"], 2)
    fake.retry_after_s = 7
    fake.faults = FaultPlan(["rate_limit_429"])
    ids = seed_messages(platform_db, p.tenant_id, ["hello", "where is my order 123?"])

    first = importance.analyze_messages(ctx, p.tenant_id, ids[:1])
    health = _health(platform_db, p.tenant_id, primary["id"])
    wait = (health["cooldown_until"] - health["now"]).total_seconds()
    assert 5.5 < wait <= 7.0, wait
    assert health["circuit"] == "closed"  # one 429 is not a broken provider
    assert [a.status for a in first.attempts] == ["rate_limited", "ok"]

    second = importance.analyze_messages(ctx, p.tenant_id, ids[1:])
    assert len(fake.requests) == 1  # honoured: no request during the cooldown
    assert [(a.status, a.reason) for a in second.attempts] == [
        ("skipped", "cooling_down"), ("ok", None)]
    statuses = [r["status"] for r in ledger(platform_db, p.tenant_id)]
    assert statuses == ["rate_limited", "ok", "ok"]  # skips are not calls


def test_breaker_opens_after_repeated_failures_and_probes_later(
    platform_db: Database, database_url: str, fake: FakeLLMServer
) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    flaky = add_provider(ctx, p, fake, "Flaky")
    features.assign(platform_db, p, "importance_detection", flaky["id"], 1)
    fake.faults = FaultPlan.always("http_500")
    ids = seed_messages(platform_db, p.tenant_id, [f"question {i}?" for i in range(5)])
    for mid in ids[:3]:
        importance.analyze_messages(ctx, p.tenant_id, [mid])  # falls back to local each time
    health = _health(platform_db, p.tenant_id, flaky["id"])
    assert health["circuit"] == "open" and health["consecutive_failures"] == 3
    assert health["cooldown_until"] > health["now"] + dt.timedelta(seconds=25)
    assert health["status"] == "degraded"  # 3 failures in a window of 3 (< 5 samples)

    out = importance.analyze_messages(ctx, p.tenant_id, [ids[3]])
    assert out.attempts[0].reason == "cooling_down" and len(fake.requests) == 3

    as_owner(database_url, "update llm_health set cooldown_until = now() - interval '1 second' "
                           "where provider_id = %s", (flaky["id"],))
    fake.faults = FaultPlan()
    probe = importance.analyze_messages(ctx, p.tenant_id, [ids[4]])
    assert [a.status for a in probe.attempts] == ["ok"] and len(fake.requests) == 4
    health = _health(platform_db, p.tenant_id, flaky["id"])
    assert health["circuit"] == "closed" and health["consecutive_failures"] == 0
    assert health["cooldown_until"] is None and health["probe_until"] is None


def test_failed_probe_reopens_for_longer(
    platform_db: Database, database_url: str, fake: FakeLLMServer
) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    bad = add_provider(ctx, p, fake, "Bad")
    features.assign(platform_db, p, "summarization", bad["id"], 1)
    features.assign(platform_db, p, "importance_detection", bad["id"], 1)
    fake.faults = FaultPlan.always("timeout")
    as_owner(database_url, "update llm_providers set timeout_s = 0.3 where id = %s", (bad["id"],))
    ids = seed_messages(platform_db, p.tenant_id, ["a?", "b?", "c?", "d?"])
    for mid in ids[:3]:
        importance.analyze_messages(ctx, p.tenant_id, [mid])
    as_owner(database_url, "update llm_health set cooldown_until = now() - interval '1 second' "
                           "where provider_id = %s", (bad["id"],))
    out = importance.analyze_messages(ctx, p.tenant_id, [ids[3]])
    assert out.attempts[0].status == "timeout"
    health = _health(platform_db, p.tenant_id, bad["id"])
    assert health["circuit"] == "open" and health["trips"] == 2
    assert health["cooldown_until"] > health["now"] + dt.timedelta(seconds=55)


def test_no_provider_at_all_uses_the_local_analyser(platform_db: Database) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    ids = seed_messages(platform_db, p.tenant_id, [URGENT, "obrigado!"])
    outcome = importance.analyze_messages(ctx, p.tenant_id, ids)
    assert set(outcome.analysis_ids) == set(ids)
    rows = ledger(platform_db, p.tenant_id)
    assert len(rows) == 1 and rows[0]["provider_id"] is None
    assert rows[0]["provider_kind"] == "local" and rows[0]["model"] == "messageflow-heuristic-v1"
    assert rows[0]["cost_usd"] == 0 and not rows[0]["unpriced"]
    stored = importance.stored_analyses(platform_db, p.tenant_id, ids)
    urgent = next(a for a in stored if a["message_id"] == ids[0])
    assert urgent["heuristic"] and urgent["is_important"] and urgent["priority"] == "urgent"
    with platform_db.tenant(p.tenant_id) as conn:
        important = conn.execute("select message_id from important_messages").fetchall()
        events = conn.execute("select data from events where type = 'message.analyzed' "
                              "order by id").fetchall()
    assert [r["message_id"] for r in important] == [ids[0]]
    assert [e["data"]["id"] for e in events] == ids


def test_unknown_price_is_null_and_flagged_unpriced(
    platform_db: Database, fake: FakeLLMServer
) -> None:
    ctx = _ctx(platform_db)
    p = owner_principal(platform_db)
    own = add_provider(ctx, p, fake, "Ollama", price_input_per_mtok=None,
                       price_output_per_mtok=None, model="llama-3.1-8b-instruct")
    features.assign(platform_db, p, "importance_detection", own["id"], 1)
    ids = seed_messages(platform_db, p.tenant_id, ["hi"])
    importance.analyze_messages(ctx, p.tenant_id, ids)
    row = ledger(platform_db, p.tenant_id)[0]
    assert row["status"] == "ok" and row["cost_usd"] is None and row["unpriced"]
    assert row["input_tokens"] > 0 and row["output_tokens"] > 0
