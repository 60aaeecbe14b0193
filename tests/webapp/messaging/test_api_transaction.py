"""One connection and one transaction per read-API request (webapp.http.request_tx): the
transaction that loads the principal is continued by the view, and is always ended."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, msg, register_owner
from tests.webapp.messaging.conftest import query_all
from webapp.db import Database
from webapp.messaging.service import ingest

ANA = "5511999990001@s.whatsapp.net"


@pytest.fixture(scope="module")
def desk(app: Flask, db: Database) -> dict[str, Any]:
    client = app.test_client()
    owner = register_owner(client, "Tx A")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Tx B")
    ingest(db, owner.tenant_id, [msg("T1", "hello", 1, chat=ANA)],
           device_id=make.device(db, owner.tenant_id))
    return {"owner": owner, "viewer": viewer, "other": other,
            "conv": make.conversation(db, owner.tenant_id, ANA)}


def _checkouts(app: Flask) -> int:
    stats: dict[str, int] = app.extensions["mf_db"].pool.get_stats()
    return stats.get("requests_num", 0)


def _idle_in_transaction(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("select count(*) from pg_stat_activity where datname = "
                           "current_database() and state like 'idle in transaction%'").fetchone()
    assert row is not None
    return int(row[0])


def _pool_idle(app: Flask) -> bool:
    stats: dict[str, int] = app.extensions["mf_db"].pool.get_stats()
    return stats.get("pool_available", 0) == stats.get("pool_size", 0)


@pytest.mark.parametrize("path", ["/api/v1/conversations", "/api/v1/conversations/{conv}",
                                  "/api/v1/conversations/{conv}/messages",
                                  "/api/v1/messages/search?q=hello"])
def test_a_read_uses_one_connection(app: Flask, client: FlaskClient, desk: dict[str, Any],
                                    path: str) -> None:
    before = _checkouts(app)
    r = client.get(path.format(conv=desk["conv"]), headers=desk["viewer"].headers)
    assert r.status_code == 200, r.get_json()
    # The rate-limit check (its own transaction: migration 0020), then principal and page on
    # the same connection: one checkout; the check's statements and the principal's in one
    # round trip (webapp/security/rate_store.py, companion).
    assert _checkouts(app) - before == 1
    assert int(r.headers["X-RateLimit-Remaining"]) < int(r.headers["X-RateLimit-Limit"])
    assert _pool_idle(app)


def test_other_routes_still_work_and_release(app: Flask, client: FlaskClient,
                                             desk: dict[str, Any], database_url: str) -> None:
    r = client.get("/api/v1/auth/me", headers=desk["owner"].headers)  # not reuse_transaction
    assert r.status_code == 200
    assert _pool_idle(app) and _idle_in_transaction(database_url) == 0


def test_errors_end_the_transaction(app: Flask, client: FlaskClient, desk: dict[str, Any],
                                    database_url: str) -> None:
    other: Member = desk["other"]
    for method, path, body in [("get", f"/api/v1/conversations/{desk['conv']}", None),
                               ("get", f"/api/v1/conversations/{desk['conv']}/messages", None),
                               ("patch", f"/api/v1/conversations/{desk['conv']}",
                                {"status": "open"}),
                               ("get", "/api/v1/conversations?status=lost", None),
                               ("patch", f"/api/v1/conversations/{desk['conv']}",
                                {"colour": "red"})]:
        r = getattr(client, method)(path, headers=other.headers, json=body)
        assert r.status_code in (400, 404), (path, r.get_json())
        assert _pool_idle(app), path
    assert _idle_in_transaction(database_url) == 0


def test_a_denial_is_audited_through_the_held_transaction(
        app: Flask, client: FlaskClient, desk: dict[str, Any], db: Database) -> None:
    viewer: Member = desk["viewer"]
    r = client.patch(f"/api/v1/conversations/{desk['conv']}", headers=viewer.headers,
                     json={"status": "resolved"})
    assert r.status_code == 403
    rows = query_all(db, viewer.tenant_id, "select action, outcome from audit_logs "
                     "where actor_user_id = %s and outcome = 'denied'", (viewer.user_id,))
    assert {"action": "conversations.update", "outcome": "denied"} in rows
    assert _pool_idle(app)


def test_a_patch_commits(app: Flask, client: FlaskClient, desk: dict[str, Any],
                         db: Database) -> None:
    owner: Member = desk["owner"]
    r = client.patch(f"/api/v1/conversations/{desk['conv']}", headers=owner.headers,
                     json={"priority": "urgent"})
    assert r.status_code == 200
    rows = query_all(db, owner.tenant_id, "select priority from conversations where id = %s",
                     (desk["conv"],))
    assert rows == [{"priority": "urgent"}]


def test_revoked_and_bad_sessions_are_401_and_release(app: Flask, client: FlaskClient,
                                                      database_url: str) -> None:
    member = register_owner(client, "Tx C")
    assert client.post("/api/v1/auth/logout", headers=member.headers).status_code in (200, 204)
    r = client.get("/api/v1/conversations", headers=member.headers)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "token_revoked"
    assert _pool_idle(app) and _idle_in_transaction(database_url) == 0
