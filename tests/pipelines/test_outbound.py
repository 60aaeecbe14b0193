"""The pipelines' provider calls obey the outbound policy too.

A Dagster process never builds the web app, so its policy is OUTBOUND_ALLOW read from the
environment (the tests' environment allows 127.0.0.1 only; `outside` listens on 127.0.0.2)."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest

from pipelines import health
from pipelines.resources import PostgresResource
from tests.fakes.fixtures import allow_outbound
from tests.fakes.llm_server import FakeLLMServer
from tests.webapp.llm.test_support import add_provider, box, ledger, owner_principal
from webapp.db import Database
from webapp.llm.routing import LLMContext
from webapp.security import outbound


@pytest.fixture
def policy_from_environment() -> Iterator[None]:
    """Forget any configured policy, as in a process that never ran create_app."""
    previous = outbound.configure(None)
    yield
    outbound.configure(previous)


def test_the_health_probe_of_a_refused_provider_sends_nothing(
    platform_db: Database, pg: PostgresResource, outside: FakeLLMServer,
    instance: dg.DagsterInstance, policy_from_environment: None
) -> None:
    p = owner_principal(platform_db, "Outbound pipeline")
    ctx = LLMContext(platform_db, box())
    with allow_outbound("127.0.0.1", "127.0.0.2"):  # saved while the deployment allowed it
        prov = add_provider(ctx, p, outside, "Inside")
    assert outbound.current() == outbound.OutboundPolicy.parse("127.0.0.1")  # the environment

    result = health.provider_health_job.execute_in_process(resources={"pg": pg},
                                                           instance=instance)

    assert result.success
    assert outside.requests == []
    checks = [r for r in ledger(platform_db, p.tenant_id) if r["feature"] == "health_check"]
    assert [(c["provider_id"], c["error_class"]) for c in checks] == [
        (prov["id"], "OutboundRefused")]
    assert "127.0.0.2 is a loopback address" in checks[0]["error_message"]
