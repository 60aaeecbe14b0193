"""Fixtures of the LLM-layer tests: one fake provider server and one litellm import per session."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.fakes.llm_server import FakeLLMServer
from webapp.llm.client import load_litellm


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
