"""Product e-mail through a real SMTP server (aiosmtpd): the invitation e-mail."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, unique_email
from tests.webapp.integrations.conftest import PUBLIC_URL, drain_until
from tests.webapp.integrations.receivers import SmtpReceiver, body_of
from webapp.db import Database
from webapp.integrations import worker


def mail_to(db: Database, cfg: worker.WorkerConfig, smtp: SmtpReceiver, address: str) -> str:
    """The text of the one e-mail the SMTP server got for `address` (after draining)."""
    (mail,) = drain_until(db, cfg, lambda: smtp.to(address))
    return body_of(mail)


def token_in(text: str, path: str) -> str:
    found = re.search(re.escape(f"{PUBLIC_URL}{path}#token=") + r"([A-Za-z0-9_\-]+)", text)
    assert found, text
    return found.group(1)


def test_invitation_email(client: FlaskClient, admin: Member, db: Database,
                          smtp: SmtpReceiver, wcfg: worker.WorkerConfig) -> None:
    email = unique_email("invitee")
    r = client.post("/api/v1/invitations", headers=admin.headers,
                    json={"email": email, "role": "member"})
    assert r.status_code == 201 and r.get_json()["email_queued"] is True
    text = mail_to(db, wcfg, smtp, email)
    assert "Integrations Co" in text and "as member" in text
    token = token_in(text, "/invite")
    assert token == r.get_json()["token"]
    r = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                   "name": "New One", "invitation_token": token})
    assert r.status_code == 201
