"""Deliveries that really happen, on loopback: signed webhooks checked by an independent
verifier, retries in order, dead letters and replay, Slack's two wire formats, SMTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Member
from tests.webapp.integrations.conftest import drain_until
from tests.webapp.integrations.receivers import HttpReceiver, SmtpReceiver, body_of
from webapp.db import Database
from webapp.integrations import queue, service, worker


def verify_independently(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification written from the spec, not from the app's code."""
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body,
                                         hashlib.sha256).digest()).decode()
    if abs(time.time() - int(ts)) > 300:
        return False
    return any(sig == f"v1,{expected}" for sig in headers["webhook-signature"].split(" "))


def make_webhook(client: FlaskClient, who: Member, url: str, name: str = "Receiver",
                 events: list[str] | None = None) -> dict[str, Any]:
    r = client.post("/api/v1/integrations/webhook", headers=who.headers,
                    json={"name": name, "url": url, "events": events or ["*"]})
    assert r.status_code == 201, r.get_json()
    out: dict[str, Any] = r.get_json()
    return out


def deliveries(client: FlaskClient, who: Member, iid: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/integrations/{iid}/deliveries", headers=who.headers)
    assert r.status_code == 200, r.get_json()
    data: list[dict[str, Any]] = r.get_json()["data"]
    return data


def test_webhooks_are_signed_retried_and_sent_in_order(
        client: FlaskClient, admin: Member, db: Database, receiver: HttpReceiver,
        wcfg: worker.WorkerConfig) -> None:
    hook = make_webhook(client, admin, f"{receiver.url}/hooks/in")
    receiver.statuses = [500, 503]  # the first two deliveries fail
    with db.tenant(admin.tenant_id) as conn:
        ids = [service.dispatch_event(conn, "message.created", {"id": n, "text": f"m{n}"})[0]
               for n in (1, 2, 3)]
    drain_until(db, wcfg, lambda: len(receiver.requests) >= 5)
    time.sleep(0.1)
    drain_until(db, wcfg, lambda: all(d["status"] == "delivered"
                                      for d in deliveries(client, admin, hook["id"])))
    sent = [r.json()["data"]["id"] for r in receiver.requests]
    assert sent == [1, 1, 1, 2, 3]  # retried until it went through; 2 and 3 waited for it
    assert all(verify_independently(hook["signing_secret"], r.headers, r.body)
               for r in receiver.requests)
    first_ids = {r.headers["webhook-id"] for r in receiver.requests[:3]}
    assert len(first_ids) == 1  # every attempt of one message carries the same id
    assert receiver.requests[0].json()["type"] == "message.created"
    log = {d["id"]: d for d in deliveries(client, admin, hook["id"])}
    assert [log[i]["attempts"] for i in ids] == [3, 1, 1]
    assert log[ids[0]]["last_status_code"] == 200
    with db.tenant(admin.tenant_id) as conn:
        attempts = conn.execute("select status_code from delivery_attempts where delivery_id = "
                                "%s order by id", (ids[0],)).fetchall()
        failed_events = conn.execute("select count(*) as n from events where type = "
                                     "'delivery.failed' and (data->>'id')::bigint = %s",
                                     (ids[0],)).fetchone()
    assert [a["status_code"] for a in attempts] == [500, 503, 200]
    assert failed_events is not None and failed_events["n"] == 2


def test_dead_letter_then_replay(client: FlaskClient, admin: Member, db: Database,
                                 receiver: HttpReceiver, wcfg: worker.WorkerConfig) -> None:
    hook = make_webhook(client, admin, f"{receiver.url}/dead")
    receiver.statuses = [500] * 3
    with db.tenant(admin.tenant_id) as conn:
        did = queue.enqueue(conn, integration_id=hook["id"], channel="webhook",
                            event_type="message.created", payload={"id": 9}, max_attempts=3)
    drain_until(db, wcfg, lambda: deliveries(client, admin, hook["id"])[0]["status"] == "dead")
    dead = deliveries(client, admin, hook["id"])[0]
    assert dead["attempts"] == 3 and dead["last_status_code"] == 500
    assert dead["last_error"] == "HTTP 500"
    with db.tenant(admin.tenant_id) as conn:
        audited = conn.execute("select count(*) as n from audit_logs where action = "
                               "'integrations.delivery_dead' and target_id = %s",
                               (str(did),)).fetchone()
    assert audited is not None and audited["n"] == 1
    r = client.post(f"/api/v1/deliveries/{did}/replay", headers=admin.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "pending"
    drain_until(db, wcfg,
                lambda: deliveries(client, admin, hook["id"])[0]["status"] == "delivered")
    assert len(receiver.requests) == 4
    r = client.post(f"/api/v1/deliveries/{did}/replay", headers=admin.headers)
    assert r.status_code == 409  # a delivered message is not replayed


def test_replay_is_tenant_scoped(client: FlaskClient, admin: Member, db: Database,
                                 receiver: HttpReceiver) -> None:
    from tests.factories import register_owner
    hook = make_webhook(client, admin, f"{receiver.url}/x", name="Scoped")
    with db.tenant(admin.tenant_id) as conn:
        did = queue.enqueue(conn, integration_id=hook["id"], channel="webhook",
                            event_type="message.created", payload={})
    other = register_owner(client, "Other tenant")
    assert client.post(f"/api/v1/deliveries/{did}/replay",
                       headers=other.headers).status_code == 404


def test_slack_incoming_webhook_format(client: FlaskClient, admin: Member,
                                       receiver: HttpReceiver) -> None:
    r = client.post("/api/v1/integrations/slack", headers=admin.headers,
                    json={"name": "Slack hook", "webhook_url": f"{receiver.url}/services/T/B/X"})
    assert r.status_code == 201
    iid = r.get_json()["id"]
    r = client.post(f"/api/v1/integrations/{iid}/test", headers=admin.headers, json={})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "delivered" and r.get_json()["last_status_code"] == 200
    (req,) = receiver.requests
    assert req.path == "/services/T/B/X"
    assert req.headers["content-type"].startswith("application/json")
    body = req.json()
    assert set(body) == {"text"} and "this integration works" in body["text"]


def test_slack_chat_post_message_format(client: FlaskClient, admin: Member,
                                        receiver: HttpReceiver) -> None:
    receiver.reply = b'{"ok": true, "channel": "C1", "ts": "1.2"}'
    r = client.post("/api/v1/integrations/slack", headers=admin.headers,
                    json={"name": "Slack bot", "bot_token": "xoxb-test-token",
                          "channel": "#ops", "api_base": f"{receiver.url}/api"})
    assert r.status_code == 201, r.get_json()
    iid = r.get_json()["id"]
    r = client.post(f"/api/v1/integrations/{iid}/test", headers=admin.headers, json={})
    assert r.get_json()["status"] == "delivered"
    (req,) = receiver.requests
    assert req.path == "/api/chat.postMessage"
    assert req.headers["authorization"] == "Bearer xoxb-test-token"
    assert req.json()["channel"] == "#ops" and req.json()["text"]
    # Slack answers 200 with ok=false when it refuses: that is a failure, with the reason.
    receiver.reply = b'{"ok": false, "error": "channel_not_found"}'
    r = client.post(f"/api/v1/integrations/{iid}/test", headers=admin.headers, json={})
    failed = r.get_json()
    assert failed["status"] == "dead" and "channel_not_found" in failed["last_error"]


def test_email_integration_over_smtp(client: FlaskClient, admin: Member,
                                     smtp: SmtpReceiver) -> None:
    r = client.post("/api/v1/integrations/email", headers=admin.headers,
                    json={"name": "Team mail", "host": "127.0.0.1", "port": smtp.port,
                          "tls": "none", "from_address": "team@acme.test"})
    assert r.status_code == 201, r.get_json()
    iid = r.get_json()["id"]
    r = client.post(f"/api/v1/integrations/{iid}/test", headers=admin.headers,
                    json={"to": "someone@acme.test"})
    assert r.get_json()["status"] == "delivered", r.get_json()
    (mail,) = smtp.to("someone@acme.test")
    assert mail["From"] == "team@acme.test" and mail["Subject"] == "MessageFlow test message"
    assert "this integration works" in body_of(mail)


def test_connect_time_policy_refuses_what_dns_moved(
        client: FlaskClient, admin: Member, db: Database, wcfg: worker.WorkerConfig,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.security import outbound
    hook = make_webhook(client, admin, "https://hooks.example.com/in", name="Rebind")
    policy = outbound.OutboundPolicy.parse(["127.0.0.1"],
                                           resolver=lambda host, port: ["10.0.0.7"])
    monkeypatch.setattr(outbound, "_current", policy)
    with db.tenant(admin.tenant_id) as conn:
        queue.enqueue(conn, integration_id=hook["id"], channel="webhook",
                      event_type="message.created", payload={}, max_attempts=1)
    drain_until(db, wcfg, lambda: deliveries(client, admin, hook["id"])[0]["status"] == "dead")
    assert "outbound policy" in deliveries(client, admin, hook["id"])[0]["last_error"]


def test_starttls_is_never_skipped(client: FlaskClient, admin: Member,
                                   smtp: SmtpReceiver) -> None:
    """The loopback server offers no STARTTLS: a starttls integration fails, never sends in
    clear."""
    r = client.post("/api/v1/integrations/email", headers=admin.headers,
                    json={"name": "Needs TLS", "host": "127.0.0.1", "port": smtp.port,
                          "tls": "starttls", "from_address": "tls@acme.test"})
    iid = r.get_json()["id"]
    r = client.post(f"/api/v1/integrations/{iid}/test", headers=admin.headers,
                    json={"to": "tls-check@acme.test"})
    assert r.get_json()["status"] == "dead"
    assert "SMTPNotSupportedError" in r.get_json()["last_error"]
    assert smtp.to("tls-check@acme.test") == []


def test_the_web_process_runs_a_worker(database_url: str, tmp_path: Any, admin: Member,
                                       client: FlaskClient, receiver: HttpReceiver) -> None:
    """With DELIVERY_WORKER on, create_app starts the worker thread that drains the queue."""
    from tests.factories import make_settings
    from webapp.app import close_app, create_app

    hook = make_webhook(client, admin, f"{receiver.url}/live", name="Live")
    web = create_app(make_settings(database_url, tmp_path, delivery_worker=True))
    try:
        with web.extensions["mf_db"].tenant(admin.tenant_id) as conn:
            service.dispatch_event(conn, "message.analyzed", {"id": 42})
        deadline = time.monotonic() + 15
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [r.json()["data"] for r in receiver.requests] == [{"id": 42}]
        assert deliveries(client, admin, hook["id"])[0]["status"] == "delivered"
    finally:
        close_app(web)


def test_real_events_reach_subscribed_webhooks(
        client: FlaskClient, admin: Member, db: Database, receiver: HttpReceiver,
        wcfg: worker.WorkerConfig) -> None:
    """Ingest appends message.created events; a webhook subscribed to them gets each message
    (its REST shape), one delivery per event, only for committed work."""
    from tests import factories as make
    from webapp.messaging.service import ingest

    hook = make_webhook(client, admin, f"{receiver.url}/events", name="Events",
                        events=["message.created"])
    make_webhook(client, admin, f"{receiver.url}/other", name="Other",
                 events=["action_item.created"])
    device = make.device(db, admin.tenant_id, name="Desk")
    ingest(db, admin.tenant_id, [make.msg("W1", "Where is my order?", 1),
                                 make.msg("W2", "Hello?", 2)], device_id=device)
    with pytest.raises(RuntimeError), db.tenant(admin.tenant_id, events=True) as conn:
        conn.execute("insert into events (tenant_id, type, data) values "
                     "(mf_current_tenant(), 'message.created', '{\"id\": 0}')")
        raise RuntimeError("rolled back")
    drain_until(db, wcfg, lambda: len(receiver.requests) >= 2)
    time.sleep(0.2)
    worker.deliver_due(db, wcfg)
    assert [r.path for r in receiver.requests] == ["/events", "/events"]
    bodies = [r.json() for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["message.created"] * 2
    assert [b["data"]["text"] for b in bodies] == ["Where is my order?", "Hello?"]
    assert all(verify_independently(hook["signing_secret"], r.headers, r.body)
               for r in receiver.requests)


def test_concurrent_workers_send_each_once_in_order(
        client: FlaskClient, admin: Member, db: Database, receiver: HttpReceiver,
        wcfg: worker.WorkerConfig) -> None:
    """Three workers draining at once (as three web processes would): every message arrives
    exactly once and each integration's messages arrive in the order they were queued."""
    import threading

    hooks = [make_webhook(client, admin, f"{receiver.url}/{name}", name=name,
                          events=["message.created"]) for name in ("a", "b")]
    receiver.statuses = [503, 200, 503]  # a few failures in the mix
    with db.tenant(admin.tenant_id) as conn:
        for n in range(12):
            for h in hooks:
                queue.enqueue(conn, integration_id=h["id"], channel="webhook",
                              event_type="message.created", payload={"n": n})
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            worker.deliver_due(db, wcfg)
            time.sleep(0.01)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
                all(d["status"] == "delivered" for d in deliveries(client, admin, h["id"]))
                for h in hooks):
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join()
    for path in ("/a", "/b"):
        got = [r for r in receiver.requests if r.path == path]
        delivered: list[int] = []
        seen: set[str] = set()
        for r in got:  # a failed attempt is followed by a retry of the same message
            if r.headers["webhook-id"] not in seen:
                seen.add(r.headers["webhook-id"])
                delivered.append(r.json()["data"]["n"])
        assert delivered == list(range(12)), path
        assert len(got) - len(seen) <= 2  # only the scripted failures were sent twice
