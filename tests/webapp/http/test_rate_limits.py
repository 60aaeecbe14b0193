"""Flask-Limiter: 60/min per user on the API, 10/min per IP on login and register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.webapp.conftest import PASSWORD, make_settings, register_owner
from webapp.app import close_app, create_app


@pytest.fixture(scope="module")
def limited_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = make_settings(database_url, Path(tmp_path_factory.mktemp("rl")),
                             rate_limit="60/minute", auth_rate_limit="10/minute")
    application = create_app(settings)
    yield application
    close_app(application)


def test_61st_request_is_429_for_that_user_only(limited_app: Flask) -> None:
    client = limited_app.test_client()
    alice = register_owner(client)
    bob = register_owner(client)
    for i in range(60):
        r = client.get("/api/v1/auth/me", headers=alice.headers)
        assert r.status_code == 200, i
    r = client.get("/api/v1/auth/me", headers=alice.headers)
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/auth/me", headers=bob.headers).status_code == 200
    assert client.get("/healthz").status_code == 200  # not under /api/v1


def test_login_is_limited_per_ip(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [
        client.post("/api/v1/auth/login", json={"email": "nobody@example.com",
                                                "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    other_ip = client.post("/api/v1/auth/login",
                           json={"email": "nobody@example.com", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other_ip.status_code == 401


def test_retry_after_only_on_refusals_rate_headers_everywhere(limited_app: Flask) -> None:
    client = limited_app.test_client()
    carol = register_owner(client)
    ok = client.get("/api/v1/auth/me", headers=carol.headers)
    missing = client.get("/api/v1/conversations/999999999", headers=carol.headers)
    assert (ok.status_code, missing.status_code) == (200, 404)
    for resp in (ok, missing):
        assert "Retry-After" not in resp.headers
        assert resp.headers["X-RateLimit-Limit"] == "60"
        assert int(resp.headers["X-RateLimit-Remaining"]) < 60
        assert "X-RateLimit-Reset" in resp.headers
    for _ in range(60):
        last = client.get("/api/v1/auth/me", headers=carol.headers)
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) >= 1 and "X-RateLimit-Limit" in last.headers
