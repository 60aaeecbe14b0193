"""Rate limits: 60/min per user on the API, 10/min per IP on login and register, 10 failed
sign-ins per account per 15 minutes; exact across the processes of one deployment (a real
gunicorn with two workers over the shared PostgreSQL store), and in Redis when REDIS_URL is set."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, make_settings, register_owner, unique_email
from webapp.app import close_app, create_app

BIN = Path(sys.executable).parent
REDIS_TEST_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def limited_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = make_settings(database_url, Path(tmp_path_factory.mktemp("rl")),
                             rate_limit="60/minute", auth_rate_limit="10/minute",
                             media_rate_limit="100/minute",
                             login_failure_limit="10 per 15 minutes")
    application = create_app(settings)
    yield application
    close_app(application)


def test_pictures_and_media_are_counted_apart_under_their_own_limit(limited_app: Flask) -> None:
    """A list of 70 conversations loads 70 avatars: the API's 60/min stays for the API."""
    client = limited_app.test_client()
    carol = register_owner(client)
    for i in range(100):
        r = client.get(f"/api/v1/contacts/{i + 1}/avatar", headers=carol.headers)
        assert r.status_code == 404, (i, r.status_code)  # no such picture, but not limited
    r = client.get("/api/v1/messages/1/media", headers=carol.headers)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    for i in range(60):  # the API's own minute is untouched
        assert client.get("/api/v1/auth/me", headers=carol.headers).status_code == 200, i
    assert client.get("/api/v1/auth/me", headers=carol.headers).status_code == 429


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
    assert r.get_json()["error"]["details"]["retry_after"] == int(r.headers["Retry-After"])
    assert client.get("/api/v1/auth/me", headers=bob.headers).status_code == 200
    assert client.get("/healthz").status_code == 200  # not under /api/v1


def test_the_limit_counts_every_route_together(limited_app: Flask) -> None:
    """60 per minute per user on the API as a whole, not 60 on each route."""
    client = limited_app.test_client()
    carol = register_owner(client)
    routes = ("/api/v1/auth/me", "/api/v1/conversations", "/api/v1/labels", "/api/v1/members")
    for i in range(60):
        r = client.get(routes[i % len(routes)], headers=carol.headers)
        assert r.status_code == 200, (i, r.get_json())
    for route in routes:
        assert client.get(route, headers=carol.headers).status_code == 429, route


def test_login_is_limited_per_ip(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [
        client.post("/api/v1/auth/login", json={"email": unique_email("nobody"),
                                                "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    other_ip = client.post("/api/v1/auth/login",
                           json={"email": unique_email("nobody"), "password": PASSWORD},
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


def login(client: FlaskClient, email: str, password: str, ip: str) -> Any:
    """POST /auth/login from the given client address."""
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_account_lockout_counts_failures_not_successes(
    limited_app: Flask, database_url: str
) -> None:
    """Failures from any IP and in any letter case count for the account; a success neither
    counts nor erases them; the 11th attempt is refused without a password check (the right
    password too); other accounts are unaffected; the store holds no address."""
    client = limited_app.test_client()
    dave, erin = register_owner(client), register_owner(client)
    spelled = [dave.email, dave.email.upper(), f"  {dave.email.title()} "]
    for i in range(5):
        assert login(client, spelled[i % 3], "wrong password!", f"10.7.0.{i}").status_code == 401
    for i in range(12):  # successes: not counted, nothing erased
        assert login(client, dave.email, PASSWORD, f"10.7.1.{i}").status_code == 200
    for i in range(5):
        assert login(client, dave.email, "wrong password!", f"10.7.2.{i}").status_code == 401
    locked = login(client, dave.email, PASSWORD, "10.7.3.1")
    assert locked.status_code == 429
    body = locked.get_json()["error"]
    assert body["code"] == "rate_limited" and body["details"]["limit"] == "10 per 15 minute"
    assert 600 < body["details"]["retry_after"] <= 900  # the oldest failure is minutes old at most
    assert locked.headers["Retry-After"] == str(body["details"]["retry_after"])
    assert login(client, erin.email, PASSWORD, "10.7.3.1").status_code == 200
    with psycopg.connect(database_url) as conn:
        keys = [k for (k,) in conn.execute("select key from mf_rate_keys")]
    assert any("mf-login-fail/" in k for k in keys)
    assert not any("@" in k or dave.email.split("@")[0] in k for k in keys)


@dataclass
class Answer:
    """One HTTP answer of the gunicorn server."""

    status: int
    headers: dict[str, str]
    body: Any


def send(port: int, method: str, path: str, body: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> Answer:
    """One request on a fresh connection (so the kernel may hand it to either worker)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Connection": "close", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return Answer(resp.status, dict(resp.headers), json.loads(resp.read()))
    except urllib.error.HTTPError as err:
        return Answer(err.code, dict(err.headers), json.loads(err.read()))


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """gunicorn with two workers; its access log names the worker (pid) of each request."""

    port: int
    access_log: Path

    def workers_that_served(self, path: str) -> set[str]:
        """The pids of the workers that answered requests for `path`."""
        lines = self.access_log.read_text().splitlines()
        return {m.group(1) for line in lines if (m := re.match(r"<(\d+)> \S+ (\S+)$", line))
                and line.endswith(" " + path)}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`gunicorn -w 2` with the documented limits (10 failed sign-ins per 15 minutes being the
    default), no REDIS_URL, one trusted proxy."""
    home = tmp_path_factory.mktemp("rl-gunicorn")
    settings = make_settings(database_url, home)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LOGIN_FAILURE_LIMIT")}
    env.update({"DATABASE_URL": database_url, "JWT_SECRET": settings.jwt_secret,
                "MASTER_KEY": settings.master_key, "MESSAGEFLOW_ENV": "test",
                "MESSAGEFLOW_HOME": str(home), "RATE_LIMIT": "60/minute",
                "AUTH_RATE_LIMIT": "10/minute",  # LOGIN_FAILURE_LIMIT: the default
                "TRUSTED_PROXIES": "1", "LOG_LEVEL": "WARNING", "DB_POOL_MIN": "1",
                "DB_POOL_MAX": "6"})
    port, log, access = free_port(), home / "gunicorn.log", home / "access.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "gthread", "-w", "2", "--threads", "8",
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2",
             "--access-logfile", str(access), "--access-logformat", "%(p)s %(s)s %(U)s",
             "webapp.wsgi:app"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                if send(port, "GET", "/healthz").status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        yield Server(port, access)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_two_workers_grant_exactly_60_and_agree_on_the_headers(
    server: Server, client: FlaskClient
) -> None:
    """75 requests one after another, each on a fresh connection: exactly 60 succeed and their
    X-RateLimit-Remaining counts down 59..0 whichever worker answered; then 429 with Retry-After
    (header and envelope alike)."""
    user = register_owner(client)
    answers = [send(server.port, "GET", "/api/v1/auth/me", headers=user.headers)
               for _ in range(75)]
    assert [a.status for a in answers] == [200] * 60 + [429] * 15
    assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers[:60]] == list(
        range(59, -1, -1))
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"60"}
    resets = {int(a.headers["X-RateLimit-Reset"]) for a in answers}
    assert max(resets) - min(resets) <= 1  # one window, the same oldest hit, on both workers
    for refused in answers[60:]:
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.body["error"]["details"]["retry_after"] == int(
            refused.headers["Retry-After"])
    assert all("Retry-After" not in a.headers for a in answers[:60])
    assert len(server.workers_that_served("/api/v1/auth/me")) == 2


def test_two_workers_under_concurrent_requests(server: Server, client: FlaskClient) -> None:
    """90 requests of one user from 8 threads: exactly 60 granted, each with its own
    remaining count (the check is atomic across processes)."""
    user = register_owner(client)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda _: send(server.port, "GET", "/api/v1/auth/me", headers=user.headers),
            range(90)))
    assert Counter(a.status for a in answers) == Counter({200: 60, 429: 30})
    assert sorted(int(a.headers["X-RateLimit-Remaining"]) for a in answers
                  if a.status == 200) == list(range(60))


def test_two_workers_limit_login_per_ip(server: Server) -> None:
    """AUTH_RATE_LIMIT=10/minute per client IP (X-Forwarded-For behind one proxy) holds across
    workers; another IP is not affected. Sent from 4 threads, so that both workers accept some
    (one after the other, one idle worker could take all 12 connections)."""
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: send(
            server.port, "POST", "/api/v1/auth/login",
            {"email": unique_email("nobody"), "password": PASSWORD},
            {"X-Forwarded-For": "203.0.113.7"}), range(12)))
    assert Counter(a.status for a in answers) == Counter({401: 10, 429: 2})
    other = send(server.port, "POST", "/api/v1/auth/login",
                 {"email": unique_email("nobody"), "password": PASSWORD},
                 {"X-Forwarded-For": "203.0.113.8"})
    assert other.status == 401
    assert len(server.workers_that_served("/api/v1/auth/login")) == 2


def fail_ten_times_then_sign_in(server: Server, email: str, password: str, net: str) -> Answer:
    """10 wrong passwords for `email`, each from another IP, then `password` from a fresh one."""
    for i in range(10):
        wrong = send(server.port, "POST", "/api/v1/auth/login",
                     {"email": email, "password": "not the password"},
                     {"X-Forwarded-For": f"{net}.{i}"})
        assert wrong.status == 401, wrong.body
    return send(server.port, "POST", "/api/v1/auth/login", {"email": email, "password": password},
                {"X-Forwarded-For": f"{net}.200"})


TIMING_HEADERS = {"Date", "Retry-After", "X-RateLimit-Reset", "X-Request-ID"}


def test_two_workers_lock_an_account_the_same_whether_it_exists(
    server: Server, client: FlaskClient
) -> None:
    """Failures spread over IPs and workers lock the account; the right password then gets the
    same 429 as an address nobody has: status, body and headers equal but for timing values."""
    member: Member = register_owner(client)
    known = fail_ten_times_then_sign_in(server, member.email, PASSWORD, "198.51.100")
    unknown = fail_ten_times_then_sign_in(server, unique_email("ghost"), PASSWORD, "198.51.101")
    assert known.status == unknown.status == 429
    waits = [a.body["error"]["details"].pop("retry_after") for a in (known, unknown)]
    assert known.body == unknown.body
    assert all(600 < w <= 900 for w in waits)
    assert [int(a.headers["Retry-After"]) for a in (known, unknown)] == waits
    assert known.headers.keys() == unknown.headers.keys()
    assert {k: v for k, v in known.headers.items() if k not in TIMING_HEADERS} == {
        k: v for k, v in unknown.headers.items() if k not in TIMING_HEADERS}
    assert len(server.workers_that_served("/api/v1/auth/login")) == 2


@pytest.fixture
def redis_app(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, redis.Redis]]:
    """The app with REDIS_URL set; the keys it leaves are deleted afterwards."""
    conn = redis.Redis.from_url(REDIS_TEST_URL)
    before = set(conn.keys("*"))
    application = create_app(make_settings(
        database_url, tmp_path, redis_url=REDIS_TEST_URL, rate_limit="5/minute",
        login_failure_limit="2 per 15 minutes"))
    try:
        yield application, conn
    finally:
        close_app(application)
        mine = set(conn.keys("*")) - before
        if mine:
            conn.delete(*mine)
        conn.close()


def test_redis_is_the_store_when_configured(
    redis_app: tuple[Flask, redis.Redis], database_url: str
) -> None:
    app, conn = redis_app
    client = app.test_client()
    user = register_owner(client)
    assert [client.get("/api/v1/auth/me", headers=user.headers).status_code
            for _ in range(6)] == [200] * 5 + [429]
    for _ in range(2):
        assert login(client, user.email, "wrong password!", "10.8.0.1").status_code == 401
    assert login(client, user.email, PASSWORD, "10.8.0.2").status_code == 429
    keys = [k.decode() for k in conn.keys("*")]
    assert any(f"user:{user.tenant_id}:{user.user_id}" in k for k in keys)
    assert any("mf-login-fail/" in k for k in keys)
    with psycopg.connect(database_url) as pg:
        assert pg.execute("select count(*) from mf_rate_keys where key like %s",
                          (f"%user:{user.tenant_id}:{user.user_id}/%",)).fetchone() == (0,)


def test_sign_in_fails_closed_when_the_store_is_down(database_url: str, tmp_path: Path) -> None:
    """Redis unreachable: the API goes on without limits (logged, never a 500), while sign-in,
    which cannot count failures, answers 503."""
    user = _register_on_postgres_store(database_url, tmp_path)
    app = create_app(make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0",
                                   rate_limit="5/minute"))
    try:
        client = app.test_client()
        assert [client.get("/api/v1/auth/me", headers=user.headers).status_code
                for _ in range(7)] == [200] * 7
        down = login(client, user.email, PASSWORD, "10.8.1.1")
        assert down.status_code == 503
        assert down.get_json()["error"]["code"] == "dependency_unavailable"
    finally:
        close_app(app)


def _register_on_postgres_store(database_url: str, home: Path) -> Member:
    """A member registered through an app whose limits are in PostgreSQL."""
    app = create_app(make_settings(database_url, home / "pg"))
    try:
        return register_owner(app.test_client())
    finally:
        close_app(app)
