"""The WebSocket feed against a real server and PostgreSQL: auth before the upgrade, tenant
isolation, catch-up with since, typing, presence, ping/pong and token expiry."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import websocket
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, decode_token

from tests.factories import PASSWORD, Member, add_member, register_owner
from tests.webapp.realtime.conftest import Client, Closed, connect, fence, send_traffic
from webapp.db import Database


def refused(url: str, **kw: object) -> websocket.WebSocketBadStatusException:
    """The handshake's HTTP error (the upgrade never happens)."""
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        websocket.create_connection(url, timeout=5, **kw)
    return info.value


def envelope_code(exc: websocket.WebSocketBadStatusException) -> str:
    """The error envelope's code from a refused handshake."""
    body = json.loads(exc.resp_body or b"{}")
    return str(body["error"]["code"])


def conversation_ids(db: Database, tenant_id: int) -> list[int]:
    """The tenant's conversation ids."""
    with db.tenant(tenant_id) as conn:
        return [r["id"] for r in conn.execute("select id from conversations order by id")]


# -- authentication, before the upgrade -----------------------------------------------------------


def test_no_token_is_refused_with_401_before_the_upgrade(server: str) -> None:
    exc = refused(f"{server}/api/v1/ws")
    assert exc.status_code == 401
    assert envelope_code(exc) == "unauthorized"


def test_invalid_and_revoked_tokens_are_refused(server: str, client: FlaskClient) -> None:
    assert envelope_code(refused(f"{server}/api/v1/ws?token=not-a-jwt")) == "invalid_token"
    owner = register_owner(client)
    assert client.post("/api/v1/auth/logout", headers=owner.headers).status_code == 200
    exc = refused(f"{server}/api/v1/ws?token={owner.access}")
    assert (exc.status_code, envelope_code(exc)) == (401, "token_revoked")


def test_bad_since_is_a_400_and_a_plain_get_is_told_to_upgrade(
    server: str, client: FlaskClient
) -> None:
    owner = register_owner(client)
    exc = refused(f"{server}/api/v1/ws?token={owner.access}&since=-4")
    assert (exc.status_code, envelope_code(exc)) == (400, "validation_error")
    r = client.get(f"/api/v1/ws?token={owner.access}")
    assert r.status_code == 426 and r.get_json()["error"]["code"] == "upgrade_required"


def test_query_string_tokens_are_accepted_by_the_socket_only(client: FlaskClient) -> None:
    owner = register_owner(client)
    assert client.get(f"/api/v1/auth/me?token={owner.access}").status_code == 401


def test_cookie_auth_needs_a_matching_origin(server: str, client: FlaskClient) -> None:
    owner = register_owner(client)
    r = client.post("/api/v1/auth/login",
                    json={"email": owner.email, "password": PASSWORD, "use_cookies": True})
    cookie = client.get_cookie("access_token_cookie")
    assert r.status_code == 200 and cookie is not None
    jar = f"access_token_cookie={cookie.value}"
    url = f"{server}/api/v1/ws"
    assert envelope_code(refused(url, cookie=jar, suppress_origin=True)) == "origin_not_allowed"
    exc = refused(url, cookie=jar, origin="http://evil.example")
    assert (exc.status_code, envelope_code(exc)) == (403, "origin_not_allowed")
    ws = Client(url, cookie=jar)  # websocket-client sends this host as the Origin
    assert ws.first(lambda f: f["type"] == "presence")["data"]["user_id"] == owner.user_id
    ws.close()


# -- events: isolation and catch-up --------------------------------------------------------------


def ready(base: str, member: Member, since: int | None = None) -> Client:
    """A connected client whose subscription is in place (its presence snapshot arrived)."""
    ws = connect(base, member.access, since)
    ws.first(lambda f: f["type"] == "presence" and f["data"]["user_id"] == member.user_id)
    return ws


def test_each_tenant_receives_exactly_its_own_events(
    server: str, client: FlaskClient, db: Database
) -> None:
    a, b = register_owner(client, "Tenant A"), register_owner(client, "Tenant B")
    ws_a, ws_b = ready(server, a), ready(server, b)
    sent = send_traffic(db, a.tenant_id, seed=1, count=40)
    assert len(sent) >= 20  # message.created/updated, conversation.updated
    stop_a, stop_b = fence(db, a.tenant_id), fence(db, b.tenant_id)
    got_a = ws_a.events_until(stop_a)
    assert got_a[: len(sent)] == sent  # every event once, in commit (= id) order
    assert set(got_a[len(sent):]) == stop_a and len(got_a) == len(sent) + len(stop_a)
    assert ws_b.events_until(stop_b) == sorted(stop_b)  # nothing of A's reached B
    frame = next(f for f in ws_a.frames if f.get("type") == "message.created")
    assert {"id", "conversation_id", "text"} <= set(frame["data"])
    ws_a.close()
    ws_b.close()


def test_since_replays_exactly_the_missed_events_then_goes_live(
    server: str, client: FlaskClient, db: Database
) -> None:
    a = register_owner(client)
    ws = ready(server, a)
    first = send_traffic(db, a.tenant_id, seed=2, count=15)
    assert ws.events_until(set(first)) == first
    ws.close()
    missed = send_traffic(db, a.tenant_id, seed=3, count=25)
    ws = connect(server, a.access, since=first[-1])
    got = ws.events_until(set(missed))
    assert got == missed  # replayed in id order, nothing from before `since`, no duplicate
    live = send_traffic(db, a.tenant_id, seed=4, count=5)
    assert ws.events_until(set(live)) == live
    ws.close()


# -- typing, presence, client frames ---------------------------------------------------------


def test_typing_reaches_the_tenants_other_clients_only(
    server: str, client: FlaskClient, db: Database
) -> None:
    a = register_owner(client, "Typing A")
    mate = add_member(client, a, "member")
    b = register_owner(client, "Typing B")
    send_traffic(db, a.tenant_id, seed=5, count=5)
    send_traffic(db, b.tenant_id, seed=6, count=5)
    conv_a, conv_b = conversation_ids(db, a.tenant_id)[0], conversation_ids(db, b.tenant_id)[0]
    ws_a, ws_mate, ws_b = ready(server, a), ready(server, mate), ready(server, b)
    ws_a.send({"type": "typing", "conversation_id": conv_a, "state": "start"})
    frame = ws_mate.first(lambda f: f["type"] == "typing")
    assert frame["data"] == {"conversation_id": conv_a, "user_id": a.user_id, "state": "start"}
    ws_a.events_until(fence(db, a.tenant_id))
    ws_b.events_until(fence(db, b.tenant_id))
    assert not [f for f in ws_a.frames + ws_b.frames if f["type"] == "typing"]
    ws_a.send({"type": "typing", "conversation_id": conv_b, "state": "start"})  # B's chat
    err = ws_a.first(lambda f: f["type"] == "error")
    assert err["error"]["code"] == "not_found"
    for sock in (ws_a, ws_mate, ws_b):
        sock.close()


@pytest.mark.parametrize("raw, code, field", [
    ("{not json", "malformed_json", None),
    ({"type": "typing", "conversation_id": "7", "state": "start"}, "invalid_frame",
     "typing.conversation_id"),
    ({"type": "typing", "conversation_id": 7, "state": "dancing"}, "invalid_frame",
     "typing.state"),
    ({"type": "typing", "conversation_id": 7, "state": "stop", "x": 1}, "invalid_frame",
     "typing.x"),
    ({"type": "shout"}, "invalid_frame", "frame"),
])
def test_bad_client_frames_get_an_error_frame_and_the_socket_stays_open(
    server: str, client: FlaskClient, raw: object, code: str, field: str | None
) -> None:
    a = register_owner(client)
    ws = ready(server, a)
    ws.send(raw)
    err = ws.first(lambda f: f["type"] == "error")
    assert err["error"]["code"] == code, err
    if field:
        assert field in err["error"]["details"]["fields"], err
    ws.send({"type": "ping"})
    assert ws.first(lambda f: f["type"] != "presence") == {"type": "pong"}
    ws.close()


def test_presence_follows_first_and_last_socket(
    server: str, client: FlaskClient, db: Database
) -> None:
    a = register_owner(client, "Presence A")
    mate = add_member(client, a, "viewer")
    b = register_owner(client, "Presence B")
    ws_a, ws_b = ready(server, a), ready(server, b)
    mate1, mate2 = ready(server, mate), ready(server, mate)
    assert mate2.frames[0]["type"] == "presence"
    online = ws_a.first(lambda f: f["type"] == "presence")
    assert online["data"] == {"user_id": mate.user_id, "online": True}
    mate1.close()  # the mate still has a socket: nobody is told anything
    mate2.close()
    offline = ws_a.first(lambda f: f["type"] == "presence")
    assert offline["data"] == {"user_id": mate.user_id, "online": False}
    assert [f for f in ws_a.frames if f["type"] == "presence"][-2:] == [online, offline]
    ws_b.events_until(fence(db, b.tenant_id))
    assert all(f["data"]["user_id"] == b.user_id
               for f in ws_b.frames if f["type"] == "presence")
    ws_a.close()
    ws_b.close()


def test_server_pings_share_the_socket_with_frames(
    server: str, client: FlaskClient, db: Database, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config["SOCK_SERVER_OPTIONS"], "ping_interval", 0.2)
    a = register_owner(client)
    ws = ready(server, a)
    seen: list[tuple[int, bytes]] = []
    stop = threading.Event()

    def read() -> None:  # keeps reading, so websocket-client answers every ping in time
        try:
            while not stop.is_set():
                seen.append(ws.ws.recv_data(control_frame=True))
        except Exception:  # noqa: BLE001 - the socket closing ends the reader
            return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent = send_traffic(db, a.tenant_id, seed=8, count=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pings = [d for op, d in seen if op == websocket.ABNF.OPCODE_PING]
        texts = [json.loads(d) for op, d in list(seen) if op == websocket.ABNF.OPCODE_TEXT]
        got = [f["id"] for f in texts if "id" in f]
        if len(pings) >= 3 and set(got) >= set(sent):
            break
        time.sleep(0.05)
    stop.set()
    assert len(pings) >= 3 and got == sent  # frames intact and in order around the pings
    assert not [op for op, _ in seen if op == websocket.ABNF.OPCODE_CLOSE]
    ws.close()
    reader.join(5)


# -- the token's lifetime -------------------------------------------------------------------------


def short_token(app: Flask, member: Member, seconds: float) -> str:
    """An access token for a real session that expires soon."""
    with app.app_context():
        claims = decode_token(member.access)
        return create_access_token(
            identity=str(member.user_id), expires_delta=dt.timedelta(seconds=seconds),
            additional_claims={"tid": claims["tid"], "sid": claims["sid"]})


def test_an_expired_token_closes_the_socket_with_4401(
    server: str, client: FlaskClient, app: Flask
) -> None:
    a = register_owner(client)
    token = short_token(app, a, 2)
    ws = connect(server, token)
    started = time.monotonic()
    with pytest.raises(Closed) as info:
        while True:
            ws.recv(6)
    assert (info.value.code, info.value.reason) == (4401, "token expired")
    assert time.monotonic() - started < 4


def test_signing_out_closes_a_live_socket_at_once(server: str, client: FlaskClient) -> None:
    a = register_owner(client)
    ws = ready(server, a)
    assert client.post("/api/v1/auth/logout", headers=a.headers).status_code == 200
    signed_out = time.monotonic()
    with pytest.raises(Closed) as info:
        while True:
            ws.recv(5)
    assert (info.value.code, info.value.reason) == (4401, "session revoked")
    assert time.monotonic() - signed_out < 2
