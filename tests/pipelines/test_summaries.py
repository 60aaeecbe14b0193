"""Daily summaries: per-tenant local days, digests and conversation summaries through the LLM
layer (fake provider), idempotent re-runs, run config per tenant, metadata, the schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pytest

import pipelines.summaries as pipeline_summaries
from pipelines.daily import TENANT_TAG, Tenant, midnight_requests, safe_timezone, select_tenants
from pipelines.resources import PostgresResource
from pipelines.summaries import daily_summaries, daily_summaries_schedule
from pipelines.summaries import defs as summaries_defs
from tests.fakes.llm_server import FakeLLMServer
from tests.fakes.responders import request_feature_and_data
from tests.webapp.llm.test_support import (
    add_provider,
    as_owner,
    box,
    conversation_of,
    owner_principal,
    seed_messages,
)
from webapp.analysis import summaries
from webapp.db import Database
from webapp.llm import features
from webapp.llm.routing import LLMContext

DAY = "2026-11-20"
UTC = dt.UTC


@dataclass(frozen=True)
class World:
    """Two tenants with traffic around day D: A in UTC, B in São Paulo (UTC-3)."""

    a: int
    b: int
    a_conversations: tuple[int, int]
    b_conversation: int
    b_day_message: int


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _tenant(db: Database, fake: FakeLLMServer, name: str, tz: str, url: str) -> int:
    ctx = LLMContext(db, box())
    p = owner_principal(db, name)
    provider = add_provider(ctx, p, fake, f"{name} fake")
    for feature in ("summarization", "daily_summary"):
        features.assign(db, p, feature, provider["id"], 1)
    as_owner(url, "update tenants set timezone = %s where id = %s", (tz, p.tenant_id))
    return p.tenant_id


@pytest.fixture(scope="module")
def world(platform_db: Database, fake_server: FakeLLMServer, database_url: str) -> World:
    db = platform_db
    a = _tenant(db, fake_server, "Summaries UTC", "UTC", database_url)
    b = _tenant(db, fake_server, "Summaries SP", "America/Sao_Paulo", database_url)
    c1 = seed_messages(db, a, ["hello", "the terminal is down, urgent", "fixed?"],
                       chat="5511900000001@s.whatsapp.net", start=_at(20, 9))
    c2 = seed_messages(db, a, ["late question", "still there?"],
                       chat="5511900000002@s.whatsapp.net", start=_at(20, 23, 30))
    seed_messages(db, a, ["next day"], chat="5511900000003@s.whatsapp.net", start=_at(21, 0, 30))
    # B: 2026-11-21 01:00 UTC is 22:00 on the 20th in São Paulo; 11-20 02:00 UTC is the 19th.
    in_day = seed_messages(db, b, ["boa noite, preciso do boleto"],
                           chat="5511900000004@s.whatsapp.net", start=_at(21, 1))
    seed_messages(db, b, ["ontem"], chat="5511900000005@s.whatsapp.net", start=_at(20, 2))
    return World(a, b, (conversation_of(db, a, c1[0]), conversation_of(db, a, c2[0])),
                 conversation_of(db, b, in_day[0]), in_day[0])


def _run(pg: PostgresResource, run_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    result = dg.materialize([daily_summaries], partition_key=DAY, resources={"pg": pg},
                            run_config=run_config)
    assert result.success
    mat = result.asset_materializations_for_node("daily_summaries")[0]
    return {k: v.value for k, v in mat.metadata.items()}


def _rows(db: Database, tenant_id: int, sql: str) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return conn.execute(sql).fetchall()


def _digests(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    return _rows(db, tenant_id, "select * from daily_summaries order by id")


def _day_summaries(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    return _rows(db, tenant_id, "select * from conversation_summaries where day is not null "
                                "order by conversation_id")


def test_each_tenant_gets_its_local_day(world: World, platform_db: Database,
                                        pg: PostgresResource, fake: FakeLLMServer) -> None:
    meta = _run(pg)
    assert meta["tenants"] == 2 and meta["tenants_pending"] == 0
    assert meta["digests"] == 2 and meta["conversations_summarised"] == 3
    assert meta["failures"] == 0 and meta["llm_calls"] == 5
    assert meta["input_tokens"] > 0 and meta["output_tokens"] > 0 and meta["cost_usd"] > 0
    [a] = _digests(platform_db, world.a)
    assert (a["day"], a["messages"], a["conversations"], a["conversation_summaries"]) == (
        dt.date(2026, 11, 20), 5, 2, 2)
    assert a["provider_kind"] == "openai_compatible" and not a["heuristic"]
    assert a["summary"].startswith("fake day of")
    assert [r["conversation_id"] for r in _day_summaries(platform_db, world.a)] == list(
        world.a_conversations)
    [b] = _digests(platform_db, world.b)
    assert (b["timezone"], b["messages"], b["window_start"]) == (
        "America/Sao_Paulo", 1, _at(20, 3))
    [bs] = _day_summaries(platform_db, world.b)
    assert (bs["conversation_id"], bs["message_count"], bs["day"]) == (
        world.b_conversation, 1, dt.date(2026, 11, 20))
    # The model saw exactly B's local-day message, and every call went through the ledger.
    sent = [request_feature_and_data(r.body or {}) for r in fake.requests]
    b_ids = [[m["id"] for m in data["messages"]] for feature, data in sent
             if feature == "summarization"
             and any(m["id"] == world.b_day_message for m in data["messages"])]
    assert b_ids == [[world.b_day_message]]
    ledger = _rows(platform_db, world.b, "select feature, status from llm_usage_logs")
    assert {r["feature"] for r in ledger} == {"daily_summary", "summarization"}
    assert {r["status"] for r in ledger} == {"ok"}


def test_rerun_replaces_the_day(world: World, platform_db: Database,
                                pg: PostgresResource, fake: FakeLLMServer) -> None:
    ctx = LLMContext(platform_db, box())
    on_demand = summaries.summarize(ctx, world.a, None, world.a_conversations[0])
    _run(pg)
    first = _digests(platform_db, world.a), _day_summaries(platform_db, world.a)
    events = _rows(platform_db, world.a, "select count(*) as n from events "
                                         "where type = 'daily_summary.created'")[0]["n"]
    meta = _run(pg)
    second = _digests(platform_db, world.a), _day_summaries(platform_db, world.a)
    assert meta["digests"] == 2 and meta["conversations_summarised"] == 3
    assert len(second[0]) == len(first[0]) == 1 and len(second[1]) == len(first[1]) == 2
    assert second[0][0]["id"] != first[0][0]["id"]  # replaced, not duplicated
    assert {r["id"] for r in second[1]}.isdisjoint(r["id"] for r in first[1])
    kept = _rows(platform_db, world.a, "select id, day from conversation_summaries "
                                       "where day is null")
    assert [(r["id"], r["day"]) for r in kept] == [(on_demand["id"], None)]
    after = _rows(platform_db, world.a, "select count(*) as n from events "
                                        "where type = 'daily_summary.created'")[0]["n"]
    assert after == events + 1


def test_run_config_limits_the_run_to_one_tenant(world: World, platform_db: Database,
                                                 pg: PostgresResource,
                                                 fake: FakeLLMServer) -> None:
    _run(pg)
    before_a, before_b = _digests(platform_db, world.a), _digests(platform_db, world.b)
    meta = _run(pg, {"ops": {"daily_summaries": {"config": {"tenant_ids": [world.b]}}}})
    assert (meta["tenants"], meta["digests"], meta["conversations_summarised"]) == (1, 1, 1)
    assert _digests(platform_db, world.a) == before_a
    assert _digests(platform_db, world.b)[0]["id"] != before_b[0]["id"]


def test_a_day_still_running_somewhere_is_pending(world: World, platform_db: Database) -> None:
    day = dt.date(2026, 11, 20)
    # 02:00 UTC on the 21st: over in UTC, still 23:00 on the 20th in São Paulo.
    ready, pending = select_tenants(platform_db, day, [world.a, world.b], now=_at(21, 2))
    assert [t.id for t in ready] == [world.a] and pending == [world.b]
    ready, pending = select_tenants(platform_db, day, [world.a, world.b], now=_at(21, 3))
    assert [t.id for t in ready] == [world.a, world.b] and pending == []


def test_schedule_runs_each_tenant_after_its_midnight() -> None:
    tenants = [Tenant(1, "utc", "UTC"), Tenant(2, "sp", "America/Sao_Paulo"),
               Tenant(3, "kolkata", "Asia/Kolkata")]
    def keys(tick: dt.datetime) -> list[tuple[str | None, str]]:
        return [(r.partition_key, r.tags[TENANT_TAG])
                for r in midnight_requests(tenants, tick, "daily_summaries")]
    assert keys(_at(21, 0, 15)) == [("2026-11-20", "1")]
    assert keys(_at(21, 1, 15)) == []
    assert keys(_at(21, 3, 15)) == [("2026-11-20", "2")]
    # Kolkata (UTC+5:30): midnight of the 21st is 18:30 UTC on the 20th.
    assert keys(_at(20, 19, 15)) == [("2026-11-20", "3")]
    every_hour = [_at(20, 0, 15) + dt.timedelta(hours=h) for h in range(48)]
    assert sum(len(keys(t)) for t in every_hour) == 6  # once a day per tenant, never twice


def test_scheduled_request_runs_that_tenant(world: World, platform_db: Database,
                                            pg: PostgresResource, fake: FakeLLMServer) -> None:
    tick = _at(21, 3, 15)  # just after São Paulo's midnight
    repo = dg.Definitions.merge(summaries_defs, dg.Definitions(resources={"pg": pg}))
    with dg.build_schedule_context(scheduled_execution_time=tick, resources={"pg": pg},
                                   repository_def=repo.get_repository_def()) as context:
        requests = list(daily_summaries_schedule.evaluate_tick(context).run_requests or [])
    mine = [r for r in requests if r.tags.get(TENANT_TAG) == str(world.b)]
    assert [r.partition_key for r in mine] == [DAY]
    assert not [r for r in requests if r.tags.get(TENANT_TAG) == str(world.a)]
    meta = _run(pg, mine[0].run_config)
    assert (meta["tenants"], meta["digests"]) == (1, 1)
    assert len(_digests(platform_db, world.b)) == 1


def test_unknown_time_zone_falls_back_to_utc() -> None:
    assert safe_timezone("Mars/Olympus_Mons") == "UTC"
    assert safe_timezone("") == "UTC"
    assert safe_timezone("Asia/Kolkata") == "Asia/Kolkata"


def test_a_failed_tenant_day_is_shown_as_failed_with_its_reason(
        world: World, platform_db: Database, pg: PostgresResource,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kw: Any) -> Any:
        raise RuntimeError("provider said: internals")

    monkeypatch.setattr(pipeline_summaries, "summarize_tenant_day", broken)
    with platform_db.tenant(world.b) as conn:
        conn.execute("delete from daily_summaries where day = %s", (DAY,))
    result = dg.materialize([daily_summaries], partition_key=DAY, resources={"pg": pg},
                            run_config={"ops": {"daily_summaries": {"config": {
                                "tenant_ids": [world.b]}}}}, raise_on_error=False)
    assert not result.success
    jobs = _rows(platform_db, world.b, "select day::text, status, error from daily_summary_jobs")
    assert jobs == [{"day": DAY, "status": "failed",
                     "error": "The generation failed (RuntimeError)."}]
