"""Password reset by e-mail (Flask-free): a single-use token valid for one hour.

`request_reset` answers the same whether or not the address has an account (the route always
says 202), stores only the token's hash (migration 0061) and queues the e-mail through the
user's first tenant (its e-mail integration, else SMTP_URL). The link carries the token in the
URL fragment, which browsers never send to a server, so it stays out of access logs.
`confirm_reset` spends the token, sets the new password and ends every session of the user in
every tenant (their open sockets close on the revocation notices, migration 0021).
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import ValidationFailed
from webapp.integrations import worker
from webapp.mail.product import MailSetup, password_reset_text, queue_mail
from webapp.security.passwords import hash_password
from webapp.security.principal import RequestMeta

Q = load(__file__)
log = logging.getLogger(__name__)
TOKEN_TTL_S = 3600
RESET_PATH = "/reset-password"


def token_hash(token: str) -> bytes:
    """Reset tokens are stored hashed."""
    return hashlib.sha256(token.encode()).digest()


def request_reset(db: Database, setup: MailSetup, email: str,
                  meta: RequestMeta | None = None) -> int | None:
    """Queue a reset e-mail when the address has an account; the delivery id (None when
    nothing was sent: no account, or no way to send mail)."""
    token = secrets.token_urlsafe(32)
    with db.system() as conn:
        row = conn.execute(Q.issue_token, {"email": email.strip(), "token_hash": token_hash(token),
                                           "ttl": TOKEN_TTL_S}).fetchone()
    if row is None:
        return None
    link = f"{setup.public_url}{RESET_PATH}#token={token}"
    subject, text = password_reset_text(name=row["name"], link=link)
    with db.tenant(row["tenant_id"], row["user_id"]) as conn:
        delivery = queue_mail(conn, setup, to=row["email"], to_name=row["name"],
                              subject=subject, text=text, event_type="auth.password_reset")
        audit.record(conn, row["tenant_id"], row["user_id"], "auth.password_reset_requested",
                     meta, target_type="user", target_id=row["user_id"],
                     details={"mail_queued": delivery is not None})
    worker.kick(db)
    return delivery


def confirm_reset(db: Database, token: str, password: str,
                  meta: RequestMeta | None = None) -> int:
    """Set a new password with a valid token and end all the user's sessions; the user id.
    A token that is unknown, used or expired is a 400 naming `token`."""
    with db.system() as conn:
        row = conn.execute(Q.confirm_token, {"token_hash": token_hash(token),
                                             "password_hash": hash_password(password)}
                           ).fetchone()
    if row is None:
        raise ValidationFailed("This reset link is not valid (unknown, used or older than one "
                               "hour). Ask for a new one.", code="invalid_reset_token",
                               details={"fields": {"token": "unknown, used or expired"}})
    user_id = int(row["user_id"])
    for tenant_id in row["tenant_ids"]:
        with db.tenant(tenant_id, user_id) as conn:
            audit.record(conn, tenant_id, user_id, "auth.password_reset", meta,
                         target_type="user", target_id=user_id,
                         details={"sessions_ended": True})
    return user_id
