"""The fake provider server itself: fault plans, recording, clean bounded shutdown."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.fakes.llm_server import FakeLLMServer, FaultPlan


def _post(url: str, body: dict[str, object], timeout: float = 5.0) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_fault_plan_sequences_cycles_and_rates() -> None:
    plan = FaultPlan(["http_500", None])
    assert [plan.next() for _ in range(4)] == ["http_500", None, None, None]
    cycle = FaultPlan(["timeout", None], repeat=True)
    assert [cycle.next() for _ in range(4)] == ["timeout", None, "timeout", None]
    draws = [FaultPlan(rates={"invalid_json": 0.5}, seed=3).next() for _ in range(3)]
    assert len(set(draws)) == 1  # same seed, same first draw
    with pytest.raises(ValueError):
        FaultPlan(["explode"])
    with pytest.raises(ValueError):
        FaultPlan(rates={"http_500": 0.8, "timeout": 0.5})


def test_records_requests_and_serves_each_wire() -> None:
    with FakeLLMServer(usage=(3, 4)) as fake:
        status, _ = _post(
            fake.openai_base + "/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert status == 200
        assert _post(fake.base_url + "/nope", {})[0] == 404
        fake.faults = FaultPlan(["rate_limit_429"])
        status, headers = _post(fake.cohere_base, {"model": "m", "messages": []})
        assert status == 429 and headers["Retry-After"] == "2"
        paths = [(r.path, r.fault) for r in fake.requests]
        assert paths == [
            ("/v1/chat/completions", None),
            ("/nope", None),
            ("/v2/chat", "rate_limit_429"),
        ]


def test_stop_is_bounded_even_with_a_hanging_request() -> None:
    fake = FakeLLMServer(hang_s=60, faults=FaultPlan.always("timeout")).start()
    url = fake.openai_base + "/chat/completions"
    worker = threading.Thread(target=lambda: _safe_post(url), daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.perf_counter()
    fake.stop()
    worker.join(timeout=5)
    assert time.perf_counter() - started < 3 and not worker.is_alive()
    fake.stop()  # idempotent


def _safe_post(url: str) -> None:
    try:
        _post(url, {"model": "m", "messages": []}, timeout=10)
    except OSError:
        pass


def test_latency_is_applied_and_changeable_at_run_time() -> None:
    with FakeLLMServer() as fake:
        fake.latency_s = 0.2
        started = time.perf_counter()
        _post(fake.openai_base + "/chat/completions", {"model": "m", "messages": []})
        assert time.perf_counter() - started >= 0.2
