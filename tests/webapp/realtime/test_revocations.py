"""Revocations against a real server and PostgreSQL: the triggers announce every way a session
or membership ends, on commit only; a notice lost while the LISTEN connection was down, or sent
before the socket subscribed, still closes the socket; the periodic check is the safety net."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from tests.webapp.realtime.conftest import (
    Client,
    closed_within,
    connect,
    hub_of,
    listener_held_down,
    send_traffic,
    terminate_listener,
    wait_for,
)
from webapp.db import Database
from webapp.realtime import hub as hub_mod
from webapp.realtime import service as svc
from webapp.realtime.hub import Hub
from webapp.realtime.ws import get_hub


@pytest.fixture(scope="module", autouse=True)
def no_periodic_check() -> Iterator[None]:
    """The periodic safety net stays out of the way unless a test asks for it, so that what
    closes a socket here is the path under test."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hub_mod, "RECHECK_S", 3600.0)
        yield


@pytest.fixture
def notices(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection LISTENing on the revocations channel, as every web process does."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"listen {svc.REVOCATIONS_CHANNEL}")
        yield conn


def heard(conn: psycopg.Connection[Any], wait: float = 0.5) -> list[dict[str, Any]]:
    """The notices that arrived within `wait` seconds, in order."""
    return [json.loads(n.payload) for n in conn.notifies(timeout=wait)]


def silently(database_url: str, statement: str, *params: object) -> None:
    """Change the database with every trigger off: no notice, as if it had been lost."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("set session_replication_role = replica")
        conn.execute(statement, params)


def session_of(database_url: str, member: Member) -> str:
    """The member's one sign-in session."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("select id::text from auth_sessions where user_id = %s",
                           (member.user_id,)).fetchone()
    assert row is not None
    return str(row[0])


def ready(base: str, member: Member) -> Client:
    """A client whose subscription is in place."""
    ws = connect(base, member.access)
    ws.first(lambda f: f["type"] == "presence" and f["data"]["user_id"] == member.user_id)
    return ws


def test_every_way_a_session_or_membership_ends_is_announced_on_commit_only(
    client: FlaskClient, db: Database, database_url: str,
    notices: psycopg.Connection[Any],
) -> None:
    owner = register_owner(client, "Notices")
    t = owner.tenant_id
    mate, thief, gone, ended = (add_member(client, owner, "member") for _ in range(4))
    sid = {m.user_id: session_of(database_url, m) for m in (mate, thief, gone, ended)}
    assert heard(notices) == []  # sign-ups and invitations end nothing

    with pytest.raises(RuntimeError), db.tenant(t, owner.user_id) as conn:
        conn.execute("update auth_sessions set revoked_at = now() where user_id = %s",
                     (mate.user_id,))
        conn.execute("delete from memberships where user_id = %s", (mate.user_id,))
        raise RuntimeError("rolled back")
    assert heard(notices) == []  # nothing was committed, nothing is announced

    r = client.patch(f"/api/v1/members/{mate.user_id}", headers=owner.headers,
                     json={"role": "member"})
    assert r.status_code == 200 and heard(notices) == []  # the same role: no change
    r = client.patch(f"/api/v1/members/{mate.user_id}", headers=owner.headers,
                     json={"role": "viewer"})
    assert r.status_code == 200
    assert heard(notices) == [{"t": t, "u": mate.user_id, "s": None, "r": "role_changed"}]

    assert client.post("/api/v1/auth/logout", headers=mate.headers).status_code == 200
    assert heard(notices) == [
        {"t": t, "u": mate.user_id, "s": sid[mate.user_id], "r": "signed_out"}]

    refresh = {"Authorization": f"Bearer {thief.refresh}"}
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 200
    assert heard(notices) == []  # a rotation ends nothing ...
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    assert heard(notices) == [  # ... a reused refresh token ends the session
        {"t": t, "u": thief.user_id, "s": sid[thief.user_id], "r": "signed_out"}]

    r = client.delete(f"/api/v1/members/{gone.user_id}", headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    assert heard(notices) == [  # removal first, so that 4403 is what the sockets get
        {"t": t, "u": gone.user_id, "s": None, "r": "removed"},
        {"t": t, "u": gone.user_id, "s": sid[gone.user_id], "r": "signed_out"}]

    with db.tenant(t) as conn:  # a session whose expiry is moved into the past has ended
        conn.execute("update auth_sessions set expires_at = now() - interval '1 second' "
                     "where user_id = %s", (ended.user_id,))
    assert heard(notices) == [
        {"t": t, "u": ended.user_id, "s": sid[ended.user_id], "r": "signed_out"}]

    doomed = register_owner(client, "Doomed")  # deleting a user: the cascades announce too
    doomed_sid = session_of(database_url, doomed)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("delete from users where id = %s", (doomed.user_id,))
    assert sorted(heard(notices), key=lambda n: str(n["r"])) == [
        {"t": doomed.tenant_id, "u": doomed.user_id, "s": None, "r": "removed"},
        {"t": doomed.tenant_id, "u": doomed.user_id, "s": doomed_sid, "r": "signed_out"}]


def test_a_sign_out_while_the_listener_is_down_is_applied_when_it_is_back(
    server: str, client: FlaskClient, app: Flask, db: Database, database_url: str
) -> None:
    owner = register_owner(client, "Down")
    mate = add_member(client, owner, "member")
    ws_mate, ws_owner = ready(server, mate), ready(server, owner)
    hub = hub_of(app)
    wait_for(hub.listener.connected.is_set)
    before = hub.listener.connections
    with listener_held_down(hub) as refused:
        assert terminate_listener(database_url) == 1
        wait_for(lambda: not hub.listener.connected.is_set())
        assert client.post("/api/v1/auth/logout", headers=mate.headers).status_code == 200
        missed = send_traffic(db, owner.tenant_id, seed=70, count=10)  # after the sign-out
        wait_for(lambda: refused[0] >= 1)
        with pytest.raises(TimeoutError):
            ws_mate.first(lambda f: False, timeout=0.5)  # the notice reached no one: still open
    wait_for(lambda: hub.listener.connections > before)
    closed = closed_within(ws_mate, time.monotonic())
    assert (closed.code, closed.reason) == (4401, "session revoked")
    assert not set(missed) & {f["id"] for f in ws_mate.frames if "id" in f}
    assert ws_owner.events_until(set(missed)) == missed  # the catch-up did run, for the owner
    ws_owner.close()


def test_a_sign_out_between_authentication_and_subscription_closes_the_socket(
    server: str, client: FlaskClient, app: Flask, database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = register_owner(client, "Race")
    hub = get_hub(app)
    real = hub.subscribe

    def revoked_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # after the upgrade's check, before the hub knows the socket; its notice is lost
        silently(database_url, "update auth_sessions set revoked_at = now() where user_id = %s",
                 owner.user_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(hub, "subscribe", revoked_meanwhile)
    ws = connect(server, owner.access)
    closed = closed_within(ws, time.monotonic())
    assert (closed.code, closed.reason) == (4401, "session revoked")
    assert [f for f in ws.frames if "id" in f] == []


def test_the_periodic_check_closes_what_no_notice_announced(
    client: FlaskClient, db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_mod, "RECHECK_S", 0.2)
    owner = register_owner(client, "Periodic")
    out, demoted, removed, stays = (add_member(client, owner, "member") for _ in range(4))
    hub = Hub(db, database_url, application_name="mf-test-recheck")
    hub.start()
    try:
        subs = {m.user_id: hub.subscribe(owner.tenant_id, m.user_id, 0, role=m.role,
                                         session_id=session_of(database_url, m))
                for m in (out, demoted, removed, stays)}
        silently(database_url, "update auth_sessions set revoked_at = now() where user_id = %s",
                 out.user_id)
        silently(database_url, "update memberships set role = 'viewer' where user_id = %s",
                 demoted.user_id)
        silently(database_url, "delete from memberships where user_id = %s", removed.user_id)
        done = hub.rechecks
        wait_for(lambda: hub.rechecks >= done + 2, timeout=5)  # a whole round after that
        assert {u: s.revoked for u, s in subs.items()} == {
            out.user_id: (4401, "session revoked"), demoted.user_id: (4401, "role changed"),
            removed.user_id: (4403, "removed from the tenant"), stays.user_id: None}
    finally:
        hub.stop()
