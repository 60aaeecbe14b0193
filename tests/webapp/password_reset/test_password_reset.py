"""Password reset through the e-mail a real SMTP server (aiosmtpd) receives: always 202,
single use, one hour, every session ended."""

from __future__ import annotations

import re

import psycopg
from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, unique_email
from tests.webapp.integrations.conftest import PUBLIC_URL, drain_until
from tests.webapp.integrations.receivers import SmtpReceiver, body_of
from webapp.db import Database
from webapp.integrations import worker

NEW_PASSWORD = "a brand new passphrase"


def mail_to(db: Database, cfg: worker.WorkerConfig, smtp: SmtpReceiver, address: str) -> str:
    """The text of the one e-mail the SMTP server got for `address` (after draining)."""
    (mail,) = drain_until(db, cfg, lambda: smtp.to(address))
    return body_of(mail)


def token_in(text: str, path: str) -> str:
    found = re.search(re.escape(f"{PUBLIC_URL}{path}#token=") + r"([A-Za-z0-9_\-]+)", text)
    assert found, text
    return found.group(1)


def test_password_reset_flow(client: FlaskClient, admin: Member, db: Database,
                             smtp: SmtpReceiver, wcfg: worker.WorkerConfig,
                             database_url: str) -> None:
    r = client.post("/api/v1/auth/password-reset", json={"email": admin.email.upper()})
    assert r.status_code == 202 and r.get_json() == {"status": "accepted"}
    text = mail_to(db, wcfg, smtp, admin.email)
    token = token_in(text, "/reset-password")
    with db.tenant(admin.tenant_id) as conn:  # the link is stored sealed, never in clear
        stored = conn.execute("select payload::text as p, sealed from deliveries where "
                              "source = 'product' order by id desc limit 1").fetchone()
    assert stored is not None and token not in stored["p"]
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    r = client.post("/api/v1/auth/password-reset/confirm",
                    json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 200, r.get_json()
    # Every session ended; the old password no longer works, the new one does.
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers={
        "Authorization": f"Bearer {admin.refresh}"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": admin.email,
                                                   "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": admin.email,
                                                   "password": NEW_PASSWORD}).status_code == 200
    # Single use.
    r = client.post("/api/v1/auth/password-reset/confirm",
                    json={"token": token, "password": "yet another passphrase"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_reset_token"
    with db.tenant(admin.tenant_id) as conn:
        actions = [row["action"] for row in conn.execute(
            "select action from audit_logs where action like 'auth.password_reset%%' "
            "order by id").fetchall()]
    assert actions == ["auth.password_reset_requested", "auth.password_reset"]


def test_unknown_address_is_202_and_sends_nothing(client: FlaskClient, db: Database,
                                                  smtp: SmtpReceiver,
                                                  wcfg: worker.WorkerConfig) -> None:
    ghost = unique_email("ghost")
    r = client.post("/api/v1/auth/password-reset", json={"email": ghost})
    assert r.status_code == 202 and r.get_json() == {"status": "accepted"}
    worker.deliver_due(db, wcfg)
    assert smtp.to(ghost) == []
    r = client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert r.status_code == 400


def test_expired_token_is_refused(client: FlaskClient, admin: Member, db: Database,
                                  smtp: SmtpReceiver, wcfg: worker.WorkerConfig,
                                  database_url: str) -> None:
    client.post("/api/v1/auth/password-reset", json={"email": admin.email})
    token = token_in(mail_to(db, wcfg, smtp, admin.email), "/reset-password")
    with psycopg.connect(database_url, autocommit=True) as admin_conn:  # the clock moves on
        admin_conn.execute("update password_reset_tokens set expires_at = now() - interval "
                           "'1 second'")
    r = client.post("/api/v1/auth/password-reset/confirm",
                    json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 400
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    r = client.post("/api/v1/auth/password-reset/confirm",
                    json={"token": "x" * 43, "password": NEW_PASSWORD})
    assert r.status_code == 400 and "token" in r.get_json()["error"]["details"]["fields"]


def test_tenant_email_integration_is_preferred(client: FlaskClient, admin: Member,
                                               db: Database, smtp: SmtpReceiver,
                                               wcfg: worker.WorkerConfig) -> None:
    r = client.post("/api/v1/integrations/email", headers=admin.headers,
                    json={"name": "Own relay", "host": "127.0.0.1", "port": smtp.port,
                          "tls": "none", "from_address": "desk@integrations.test"})
    assert r.status_code == 201
    iid = r.get_json()["id"]
    client.post("/api/v1/auth/password-reset", json={"email": admin.email})
    (mail,) = drain_until(db, wcfg, lambda: smtp.to(admin.email))
    assert mail["From"] == "desk@integrations.test"
    log = client.get(f"/api/v1/integrations/{iid}/deliveries", headers=admin.headers)
    (delivery,) = log.get_json()["data"]
    assert delivery["status"] == "delivered" and delivery["source"] == "product"
