"""Batch analysis on Dagster: the sensor requests runs only for real work, new inbound messages
are queued automatically (once, and only for tenants that want it), the job drains through the
LLM layer with run metadata from the ledger, and a failing item is dead-lettered with its error,
visible through the API. The web app runs with ANALYSIS_RUNNER=dagster: it starts no worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import dagster as dg
import pytest
from flask.testing import FlaskClient

from pipelines import analysis
from pipelines.resources import PostgresResource
from tests.factories import Member, add_member, register_owner
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import T0, URGENT, mixed_texts, owner_principal, seed_messages
from tests.webapp.llm.test_support import ok as _ok
from webapp.analysis import importance as llm_analysis
from webapp.analysis import jobs
from webapp.config import Settings
from webapp.db import Database
from webapp.errors import ConfigError
from webapp.messaging.service import ingest
from webapp.security.principal import Principal


def _evaluate(instance: dg.DagsterInstance, pg: PostgresResource) -> list[Any]:
    """One tick of the sensor whose work (if any) has waited its full batching time (the
    batching itself: tests/pipelines/test_analysis_batching.py)."""
    waited = analysis.write_cursor(time.time() - analysis.MAX_WAIT_S)
    context = dg.build_sensor_context(instance=instance, resources={"pg": pg}, cursor=waited)
    result = analysis.analysis_sensor(context)
    return list(result) if result is not None else []


def _run(instance: dg.DagsterInstance, pg: PostgresResource,
         **config: Any) -> dg.ExecuteInProcessResult:
    result = analysis.analysis_job.execute_in_process(
        resources={"pg": pg}, instance=instance,
        run_config={"ops": {"drain_analysis_queue": {"config": config}}} if config else None)
    assert result.success
    return result


def _step_meta(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    """The drain op's output metadata (what the Dagster UI shows for the run)."""
    events = [e for e in result.all_events
              if e.event_type_value == "STEP_OUTPUT" and e.step_key == "drain_analysis_queue"]
    data: Any = events[0].event_specific_data
    return dict(data.metadata)


def _auto(db: Database, p: Principal, on: bool) -> None:
    jobs.set_analysis_settings(db, p, jobs.AnalysisSettingsUpdate(auto_analyze=on))


def _items(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        return conn.execute(
            "select i.*, j.scope, j.status as job_status, j.total from analysis_job_items i "
            "join analysis_jobs j on j.id = i.job_id order by i.message_id").fetchall()


def _analysed(db: Database, tenant_id: int, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        rows = conn.execute("select * from message_analyses where message_id = any(%s)",
                            (list(ids),)).fetchall()
    return {r["message_id"]: r for r in rows}


def _seed_outbound(db: Database, tenant_id: int, text: str) -> int:
    chat = "5511999990001@s.whatsapp.net"
    result = ingest(db, tenant_id, [{
        "kind": "message", "id": uuid.uuid4().hex[:16].upper(), "chat": chat,
        "sender": "5511988887777@s.whatsapp.net", "sender_name": "Team", "from_me": True,
        "timestamp": T0.isoformat(), "text": text}])
    assert not result.rejected, result.rejected
    return result.message_ids[0]


def test_sensor_requests_runs_only_for_work_and_new_messages_are_queued_once(
    platform_db: Database, pg: PostgresResource, instance: dg.DagsterInstance
) -> None:
    _run(instance, pg)  # whatever other tests left behind
    assert [type(r) for r in _evaluate(instance, pg)] == [dg.SkipReason]

    quiet = owner_principal(platform_db, "Manual only")
    _auto(platform_db, quiet, False)
    seed_messages(platform_db, quiet.tenant_id, ["please do not send this anywhere"])
    skipped = _evaluate(instance, pg)
    assert isinstance(skipped[0], dg.SkipReason) and "no queued" in str(skipped[0].skip_message)
    assert _items(platform_db, quiet.tenant_id) == []

    auto = owner_principal(platform_db, "Auto")
    inbound = seed_messages(platform_db, auto.tenant_id, [URGENT, "ok thanks", "see you"])
    outbound = _seed_outbound(platform_db, auto.tenant_id, "we are on it")
    first = _evaluate(instance, pg)
    assert len(first) == 1 and isinstance(first[0], dg.RunRequest)
    assert first[0].tags["messageflow/newly_queued"] == "3"
    items = _items(platform_db, auto.tenant_id)
    assert [i["message_id"] for i in items] == inbound and outbound not in inbound
    assert {(i["scope"]["source"], i["job_status"], i["total"]) for i in items} == {
        ("auto", "queued", 3)}

    second = _evaluate(instance, pg)  # same work, no run yet: a new request, a new run key
    assert isinstance(second[0], dg.RunRequest) and second[0].run_key != first[0].run_key
    assert second[0].tags["messageflow/newly_queued"] == "0"
    assert len(_items(platform_db, auto.tenant_id)) == 3  # queued once

    going = dg.DagsterRun(job_name="analysis_job", run_id=str(uuid.uuid4()),
                          status=dg.DagsterRunStatus.STARTED)
    instance.add_run(going)
    busy = _evaluate(instance, pg)
    assert isinstance(busy[0], dg.SkipReason) and "already going" in str(busy[0].skip_message)
    instance.delete_run(going.run_id)

    result = _run(instance, pg)
    out = result.output_for_node("drain_analysis_queue")
    assert out["messages_analysed"] == 3 and out["items_dead_lettered"] == 0
    analysed = _analysed(platform_db, auto.tenant_id, inbound)
    assert set(analysed) == set(inbound) and analysed[inbound[0]]["is_important"]
    assert {i["status"] for i in _items(platform_db, auto.tenant_id)} == {"done"}
    assert [type(r) for r in _evaluate(instance, pg)] == [dg.SkipReason]

    more = seed_messages(platform_db, auto.tenant_id, ["one more question?"])
    assert isinstance(_evaluate(instance, pg)[0], dg.RunRequest)
    items = _items(platform_db, auto.tenant_id)
    assert [i["message_id"] for i in items] == [*inbound, *more]
    assert len({i["job_id"] for i in items}) == 2  # the finished auto job is not reopened
    _run(instance, pg)
    assert _items(platform_db, quiet.tenant_id) == []


def _fake_tenant(client: FlaskClient, fake: FakeLLMServer, name: str) -> tuple[Member, int]:
    owner = register_owner(client, name)
    prov = _ok(client.post("/api/v1/llm/providers", headers=owner.headers, json={
        "name": "Fake vLLM", "kind": "openai_compatible", "model": "llama-fake",
        "api_base": fake.openai_base, "api_key": "sk-fake-0123456789abcdef",
        "price_input_per_mtok": "10", "price_output_per_mtok": "30"}), 201)
    _ok(client.post("/api/v1/llm/features/importance_detection/assign-provider",
                    headers=owner.headers, json={"provider_id": prov["id"], "priority": 1}), 201)
    return owner, int(prov["id"])


def _db(client: FlaskClient) -> Database:
    database: Database = client.application.extensions["mf_db"]
    return database


def test_the_job_drains_an_api_job_through_the_provider_with_run_metadata(
    client: FlaskClient, fake: FakeLLMServer, pg: PostgresResource,
    instance: dg.DagsterInstance
) -> None:
    owner, provider_id = _fake_tenant(client, fake, "Metadata Ltd")
    fake.usage = (1000, 200)
    ids = seed_messages(_db(client), owner.tenant_id, mixed_texts(25))
    job = _ok(client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                          json={"message_ids": ids}), 202)
    time.sleep(0.3)  # ANALYSIS_RUNNER=dagster: no in-process worker picks it up
    status = _ok(client.get(f"/api/v1/analysis-jobs/{job['job_id']}", headers=owner.headers))
    assert (status["status"], status["queued"]) == ("queued", 25)
    assert isinstance(_evaluate(instance, pg)[0], dg.RunRequest)

    result = _run(instance, pg, batch_size=20)
    out = result.output_for_node("drain_analysis_queue")
    assert (out["messages_analysed"], out["items_claimed"], out["items_failed"]) == (25, 25, 0)
    assert (out["llm_calls"], out["llm_call_failures"]) == (2, 0)  # 20 + 5 in one prompt each
    assert (out["input_tokens"], out["output_tokens"]) == (2000, 400)
    assert out["cost_usd"] == pytest.approx(2 * (1000 * 10 + 200 * 30) / 1e6)
    assert out["tenants"] == 1
    step_meta = _step_meta(result)
    assert step_meta["messages_analysed"].value == 25
    assert step_meta["cost_usd"].value == pytest.approx(0.032)
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.tags["messageflow/messages_analysed"] == "25"
    assert run.tags["messageflow/cost_usd"] == "0.032000"

    done = _ok(client.get(f"/api/v1/analysis-jobs/{job['job_id']}", headers=owner.headers))
    assert (done["status"], done["done"], done["failed"]) == ("done", 25, 0)
    analysed = _analysed(_db(client), owner.tenant_id, ids)
    assert len(analysed) == 25 and {a["provider_id"] for a in analysed.values()} == {provider_id}
    assert _items(_db(client), owner.tenant_id)[0]["scope"].get("source") is None  # API job only


def test_a_failing_item_is_dead_lettered_with_its_error_and_spares_its_batch(
    client: FlaskClient, pg: PostgresResource, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = register_owner(client, "Poison Pill")
    ids = seed_messages(_db(client), owner.tenant_id, ["hello?", "poison", "bye"])
    poison = ids[1]
    real = llm_analysis.analyze_messages

    def flaky(ctx: Any, tenant_id: int, message_ids: Sequence[int], **kw: Any) -> Any:
        if poison in message_ids:
            raise RuntimeError(f"poison pill in message {poison}")
        return real(ctx, tenant_id, message_ids, **kw)

    monkeypatch.setattr(llm_analysis, "analyze_messages", flaky)
    job = _ok(client.post("/api/v1/messages/batch-analyze", headers=owner.headers,
                          json={"message_ids": ids}), 202)
    first = _run(instance, pg).output_for_node("drain_analysis_queue")
    assert (first["messages_analysed"], first["items_retried"], first["items_dead_lettered"],
            first["drain_rounds"]) == (2, 2, 0, 2)  # round 2 only retried: wait for a new run
    assert isinstance(_evaluate(instance, pg)[0], dg.RunRequest)  # the sensor sees it due
    result = _run(instance, pg)
    last = result.output_for_node("drain_analysis_queue")
    assert (last["messages_analysed"], last["items_retried"], last["items_dead_lettered"]) == (
        0, 0, 1)  # third attempt: dead
    assert _step_meta(result)["errors"].value == [f"RuntimeError: poison pill in message {poison}"]

    status = _ok(client.get(f"/api/v1/analysis-jobs/{job['job_id']}", headers=owner.headers))
    assert (status["status"], status["done"], status["failed"]) == ("done", 2, 1)
    [dead] = status["failed_items"]
    assert (dead["message_id"], dead["status"], dead["attempts"]) == (poison, "dead", 3)
    assert dead["error"] == f"RuntimeError: poison pill in message {poison}"
    assert set(_analysed(_db(client), owner.tenant_id, ids)) == {ids[0], ids[2]}
    again = _run(instance, pg).output_for_node("drain_analysis_queue")
    assert again["items_claimed"] == 0  # a dead item is never claimed again


def test_the_automatic_analysis_switch_through_the_api(client: FlaskClient,
                                                       pg: PostgresResource) -> None:
    owner = register_owner(client, "Switch Co")
    member = add_member(client, owner, "member")
    assert _ok(client.get("/api/v1/analysis-settings", headers=member.headers))[
        "auto_analyze"] is True
    r = client.put("/api/v1/analysis-settings", headers=member.headers,
                   json={"auto_analyze": False})
    assert r.status_code == 403
    assert client.put("/api/v1/analysis-settings", headers=owner.headers,
                      json={"auto_analyze": "no"}).status_code == 400
    off = _ok(client.put("/api/v1/analysis-settings", headers=owner.headers,
                         json={"auto_analyze": False}))
    assert off["auto_analyze"] is False and off["updated_by"] == owner.user_id
    seed_messages(_db(client), owner.tenant_id, ["not for the provider"])
    with pg.database() as db:  # settle_s=0: the watermark passes it now, not a minute later
        served = jobs.enqueue_new_messages(db, settle_s=0)
    assert owner.tenant_id not in {r.tenant_id for r in served}
    _ok(client.put("/api/v1/analysis-settings", headers=owner.headers,
                   json={"auto_analyze": True}))
    later = seed_messages(_db(client), owner.tenant_id, ["this one may go"])
    with pg.database() as db:
        served = jobs.enqueue_new_messages(db)
    assert [r.queued for r in served if r.tenant_id == owner.tenant_id] == [1]
    with _db(client).tenant(owner.tenant_id) as conn:
        queued = [r["message_id"] for r in conn.execute(
            "select message_id from analysis_job_items").fetchall()]
        actions = [r["action"] for r in conn.execute("select action from audit_logs").fetchall()]
    assert queued == later  # the message that arrived while it was off stays manual
    assert actions.count("analysis.settings.update") == 2


def test_the_runner_setting(tmp_path: Any) -> None:
    base = {"MESSAGEFLOW_HOME": str(tmp_path)}
    assert Settings.from_env(base).analysis_runner == "inline"  # `serve` alone drains
    assert Settings.from_env({**base, "ANALYSIS_RUNNER": "Dagster"}).analysis_runner == "dagster"
    with pytest.raises(ConfigError, match="ANALYSIS_RUNNER must be one of inline, dagster"):
        Settings.from_env({**base, "ANALYSIS_RUNNER": "cron"})
