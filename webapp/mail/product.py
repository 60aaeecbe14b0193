"""E-mail the product itself sends (invitations, password resets), through the delivery queue.

It goes out through the tenant's e-mail integration (the oldest active one) when there is one,
else through the deployment's SMTP_URL (a delivery with no integration); with neither, nothing
is queued and the caller is told (the invitation's token is still in the API answer, the
password-reset answer is 202 either way). Messages that carry a secret link are stored sealed
(encrypted under MASTER_KEY) until sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from webapp.db.pool import Conn
from webapp.integrations import queue
from webapp.integrations import service as integrations
from webapp.security.crypto import SecretBox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSetup:
    """What product mail needs from the deployment."""

    box: SecretBox
    smtp_url: str | None
    public_url: str


def queue_mail(conn: Conn, setup: MailSetup, *, to: str, to_name: str, subject: str,
               text: str, event_type: str) -> int | None:
    """Queue one e-mail in the caller's tenant transaction; the delivery id, or None when the
    tenant has no e-mail integration and the deployment no SMTP_URL."""
    integration = integrations.email_integration(conn)
    if integration is None and not setup.smtp_url:
        log.warning("no e-mail integration and no SMTP_URL: %s mail not sent", event_type)
        return None
    return queue.enqueue(
        conn, integration_id=integration["id"] if integration else None, channel="email",
        event_type=event_type, source="product", box=setup.box,
        payload={"to": to, "to_name": to_name, "subject": subject, "text": text},
        summary=f"{subject} → {to}")


def invitation_text(*, tenant_name: str, inviter: str, role: str, link: str,
                    expires_days: int) -> tuple[str, str]:
    """Subject and body of an invitation."""
    subject = f"{inviter} invited you to {tenant_name} on MessageFlow"
    text = (f"Hello,\n\n{inviter} invited you to join {tenant_name} on MessageFlow as "
            f"{role}.\n\nAccept the invitation here (valid for {expires_days} days):\n{link}\n\n"
            "If you did not expect this, ignore this e-mail.\n")
    return subject, text


def password_reset_text(*, name: str, link: str) -> tuple[str, str]:
    """Subject and body of a password-reset mail."""
    subject = "Reset your MessageFlow password"
    text = (f"Hello {name},\n\nSomeone (hopefully you) asked to reset the password of your "
            f"MessageFlow account. Choose a new password here within one hour:\n{link}\n\n"
            "The link works once. Setting a new password signs you out everywhere.\n"
            "If you did not ask for this, ignore this e-mail: your password stays.\n")
    return subject, text


INVITATION_PATH = "/invite"  # the invitation page (webapp/dashboard), token in the fragment


def queue_invitation(conn: Conn, setup: MailSetup, *, email: str, role: str, token: str,
                     tenant_name: str, inviter: str, expires_days: int) -> int | None:
    """Queue the e-mail of a new invitation (the caller's tenant transaction)."""
    link = f"{setup.public_url}{INVITATION_PATH}#token={token}"
    subject, text = invitation_text(tenant_name=tenant_name, inviter=inviter, role=role,
                                    link=link, expires_days=expires_days)
    return queue_mail(conn, setup, to=email, to_name="", subject=subject, text=text,
                      event_type="invitation.created")
