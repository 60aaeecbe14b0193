"""Shared fixtures of every test that talks to a model: one litellm import and one fake provider
server (plus a second 'vendor', and one on 127.0.0.2 that the outbound policy refuses) per
session, and `allow_outbound` to run a block under another OUTBOUND_ALLOW.

Registered for the whole suite in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from tests.fakes.llm_server import FakeLLMServer
from webapp.llm.litellm_loader import load_litellm
from webapp.security import outbound


@contextmanager
def allow_outbound(*entries: str, resolver: outbound.Resolver = outbound.system_resolver
                   ) -> Iterator[outbound.OutboundPolicy]:
    """Run a block under this OUTBOUND_ALLOW (and resolver); the previous policy comes back."""
    policy = outbound.OutboundPolicy.parse(entries, resolver)
    previous = outbound.configure(policy)
    try:
        yield policy
    finally:
        outbound.configure(previous)


@pytest.fixture(scope="session")
def litellm_module() -> ModuleType:
    """litellm, imported once for the whole session (~5 s)."""
    return load_litellm()


@pytest.fixture(scope="session")
def fake_server(litellm_module: ModuleType) -> Iterator[FakeLLMServer]:
    """One loopback fake provider for the session."""
    with FakeLLMServer(hang_s=2.0) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The session's fake server, reset to defaults before and after each test."""
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture(scope="session")
def second_fake(litellm_module: ModuleType) -> Iterator[FakeLLMServer]:
    """A second fake provider server (a different 'vendor' than `fake`)."""
    with FakeLLMServer(hang_s=2.0) as server:
        yield server


@pytest.fixture
def fake2(second_fake: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The second fake, reset to defaults around each test."""
    second_fake.reset()
    yield second_fake
    second_fake.reset()


@pytest.fixture(scope="session")
def refused_server(litellm_module: ModuleType) -> Iterator[FakeLLMServer]:
    """A fake provider on 127.0.0.2: reachable on this machine, outside the tests'
    OUTBOUND_ALLOW (127.0.0.1), so only the outbound policy keeps requests from it."""
    with FakeLLMServer(host="127.0.0.2", hang_s=2.0) as server:
        yield server


@pytest.fixture
def outside(refused_server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The 127.0.0.2 fake, reset to defaults around each test."""
    refused_server.reset()
    yield refused_server
    refused_server.reset()
