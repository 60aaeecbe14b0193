"""Integrations CRUD: secrets never returned, masked config, re-entry when a secret's destination
moves, the outbound policy at save time, roles and tenants."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from webapp.db import Database

HOOK = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnop1234"
SECRET = "whsec_" + "MfBlBmbTTTMwMzA0MDUwNjA3MDgwOTEwMTExMjEzMTQxNQ=="


def create(client: FlaskClient, who: Member, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/v1/integrations/{kind}", headers=who.headers, json=body)
    assert r.status_code == 201, r.get_json()
    out: dict[str, Any] = r.get_json()
    return out


def test_slack_secret_is_sealed_and_masked(client: FlaskClient, admin: Member,
                                           db: Database) -> None:
    made = create(client, admin, "slack", {"name": "Ops Slack", "webhook_url": HOOK})
    assert made["has_secret"] and "abcdefghijklmnop" not in str(made)
    cfg = client.get(f"/api/v1/integrations/{made['id']}/config", headers=admin.headers)
    assert cfg.status_code == 200
    body = cfg.get_json()
    assert body["secrets"]["webhook_url"] == "https://hooks.slack.com/…1234"
    assert "abcdefghijklmnop" not in str(body)
    assert body["secret_destination"] == "https://hooks.slack.com:443"
    listed = client.get("/api/v1/integrations", headers=admin.headers).get_json()["data"]
    assert [i["id"] for i in listed] == [made["id"]]
    assert "abcdefghijklmnop" not in str(listed)
    with db.tenant(admin.tenant_id) as conn:
        stored = conn.execute("select secrets_encrypted from integrations where id = %s",
                              (made["id"],)).fetchone()
    assert stored is not None and stored["secrets_encrypted"].startswith("v1:")
    assert "hooks.slack.com" not in stored["secrets_encrypted"]


def test_webhook_secret_generated_once_and_rotation(client: FlaskClient, admin: Member) -> None:
    made = create(client, admin, "webhook", {"name": "Hook", "url": "https://example.com/in"})
    assert made["signing_secret"].startswith("whsec_")
    assert made["incoming_url"] == f"/api/v1/webhooks/incoming/{made['id']}"
    again = client.get(f"/api/v1/integrations/{made['id']}", headers=admin.headers).get_json()
    assert again.get("signing_secret") is None
    # Moving where signed messages go needs the secret again (or a new one).
    r = client.patch(f"/api/v1/integrations/{made['id']}", headers=admin.headers,
                     json={"url": "https://attacker.example.net/x"})
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == "secret_required" and "signing_secret" in err["details"]["fields"]
    r = client.patch(f"/api/v1/integrations/{made['id']}", headers=admin.headers,
                     json={"url": "https://example.com/other"})
    assert r.status_code == 200, r.get_json()  # same host: no re-entry needed
    r = client.patch(f"/api/v1/integrations/{made['id']}", headers=admin.headers,
                     json={"url": "https://elsewhere.example.org/x", "rotate_secret": True})
    assert r.status_code == 200
    rotated = r.get_json()["signing_secret"]
    assert rotated.startswith("whsec_") and rotated != made["signing_secret"]
    r = client.patch(f"/api/v1/integrations/{made['id']}", headers=admin.headers,
                     json={"signing_secret": "not-a-secret"})
    assert r.status_code == 400 and "signing_secret" in r.get_json()["error"]["details"]["fields"]


def test_email_host_change_needs_the_password(client: FlaskClient, admin: Member) -> None:
    made = create(client, admin, "email", {"name": "Mail", "host": "smtp.example.com",
                                           "username": "bot", "password": "hunter2-secret",
                                           "from_address": "bot@example.com"})
    assert "hunter2" not in str(made)
    iid = made["id"]
    r = client.patch(f"/api/v1/integrations/{iid}", headers=admin.headers,
                     json={"host": "smtp.evil.example"})
    assert r.status_code == 400
    assert r.get_json()["error"]["details"]["fields"] == {
        "password": "required when the secret's destination changes"}
    r = client.patch(f"/api/v1/integrations/{iid}", headers=admin.headers,
                     json={"port": 2525})
    assert r.status_code == 400  # the port is part of the destination too
    r = client.patch(f"/api/v1/integrations/{iid}", headers=admin.headers,
                     json={"host": "smtp.evil.example", "password": "new-password-1"})
    assert r.status_code == 200
    cfg = client.get(f"/api/v1/integrations/{iid}/config", headers=admin.headers).get_json()
    assert cfg["config"]["host"] == "smtp.evil.example"
    assert cfg["secrets"]["password"] == "new…rd-1"
    r = client.patch(f"/api/v1/integrations/{iid}", headers=admin.headers,
                     json={"url": "https://example.com"})
    assert r.status_code == 400 and "url" in r.get_json()["error"]["details"]["fields"]


def test_private_and_loopback_destinations_are_refused(client: FlaskClient,
                                                       admin: Member) -> None:
    for url in ("http://10.0.0.5/hook", "http://192.168.1.20:8080/x", "http://169.254.169.254/",
                "http://127.0.0.2:9/x", "http://[::1]/x", "ftp://example.com/x"):
        r = client.post("/api/v1/integrations/webhook", headers=admin.headers,
                        json={"name": "Bad", "url": url})
        assert r.status_code == 400, url
        assert "url" in r.get_json()["error"]["details"]["fields"], url
    r = client.post("/api/v1/integrations/email", headers=admin.headers,
                    json={"name": "Bad mail", "host": "10.1.2.3", "from_address": "a@b.co"})
    assert r.status_code == 400 and "host" in r.get_json()["error"]["details"]["fields"]
    r = client.post("/api/v1/integrations/slack", headers=admin.headers,
                    json={"name": "Bad slack", "bot_token": "xoxb-1", "channel": "#x",
                          "api_base": "http://172.16.0.1/api"})
    assert r.status_code == 400 and "api_base" in r.get_json()["error"]["details"]["fields"]
    listed = client.get("/api/v1/integrations", headers=admin.headers).get_json()["data"]
    assert listed == []


def test_bad_input_names_the_field(client: FlaskClient, admin: Member) -> None:
    cases = [("slack", {"name": "S"}), ("slack", {"name": "S", "bot_token": "xoxb"}),
             ("webhook", {"name": "W", "url": "https://e.com", "events": ["nope"]}),
             ("email", {"name": "E", "host": "smtp.e.com", "from_address": "nope"}),
             ("email", {"name": "E", "host": "smtp.e.com", "from_address": "a@b.co",
                        "tls": "ssl3"})]
    for kind, body in cases:
        r = client.post(f"/api/v1/integrations/{kind}", headers=admin.headers, json=body)
        assert r.status_code == 400, (kind, body)
    made = create(client, admin, "slack", {"name": "Dup", "webhook_url": HOOK})
    r = client.post("/api/v1/integrations/slack", headers=admin.headers,
                    json={"name": "dup", "webhook_url": HOOK})
    assert r.status_code == 409
    r = client.patch(f"/api/v1/integrations/{made['id']}", headers=admin.headers,
                     json={"host": "smtp.example.com"})
    assert r.status_code == 400 and "host" in r.get_json()["error"]["details"]["fields"]


def test_roles_and_tenants(client: FlaskClient, admin: Member, db: Database) -> None:
    made = create(client, admin, "slack", {"name": "Mine", "webhook_url": HOOK})
    manager = add_member(client, admin, "manager")
    r = client.get("/api/v1/integrations", headers=manager.headers)
    assert r.status_code == 403
    r = client.post("/api/v1/integrations/slack", headers=manager.headers,
                    json={"name": "x", "webhook_url": HOOK})
    assert r.status_code == 403
    with db.tenant(admin.tenant_id) as conn:
        denied = conn.execute("select count(*) as n from audit_logs where actor_user_id = %s "
                              "and outcome = 'denied' and action = 'integrations.manage'",
                              (manager.user_id,)).fetchone()
    assert denied is not None and denied["n"] == 2
    other = register_owner(client, "Someone Else")
    iid = made["id"]
    for method, path in (("get", f"/integrations/{iid}"), ("get", f"/integrations/{iid}/config"),
                         ("delete", f"/integrations/{iid}"),
                         ("get", f"/integrations/{iid}/deliveries"),
                         ("post", f"/integrations/{iid}/test")):
        kwargs: dict[str, Any] = {"json": {}} if method == "post" else {}
        r = getattr(client, method)(f"/api/v1{path}", headers=other.headers, **kwargs)
        assert r.status_code == 404, path
    r = client.patch(f"/api/v1/integrations/{iid}", headers=other.headers, json={"name": "x"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/integrations/{iid}",
                      headers=admin.headers).get_json()["name"] == "Mine"


def test_changes_are_audited_and_delete(client: FlaskClient, admin: Member,
                                        db: Database) -> None:
    made = create(client, admin, "slack", {"name": "Audited", "webhook_url": HOOK})
    iid = made["id"]
    assert client.patch(f"/api/v1/integrations/{iid}", headers=admin.headers,
                        json={"active": False}).status_code == 200
    r = client.delete(f"/api/v1/integrations/{iid}", headers=admin.headers)
    assert r.status_code == 200
    assert client.get(f"/api/v1/integrations/{iid}", headers=admin.headers).status_code == 404
    with db.tenant(admin.tenant_id) as conn:
        rows = conn.execute("select action, details::text as d, after::text as a "
                            "from audit_logs where target_type = 'integration' and "
                            "target_id = %s order by id", (str(iid),)).fetchall()
    assert [r["action"] for r in rows] == ["integrations.create", "integrations.update",
                                           "integrations.delete"]
    assert all("abcdefghijklmnop" not in (r["d"] or "") + (r["a"] or "") for r in rows)
