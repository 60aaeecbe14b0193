"""The invitation e-mail, queued after an invitation is created (called by its route)."""

from __future__ import annotations

from typing import Any

from webapp.db import Database
from webapp.integrations import worker
from webapp.mail.product import MailSetup, queue_invitation
from webapp.security.principal import Principal


def send_invitation(db: Database, setup: MailSetup, p: Principal, invitation: dict[str, Any],
                    expires_days: int) -> bool:
    """Queue the invitation's e-mail; whether it was queued (False: no way to send mail)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        delivery = queue_invitation(conn, setup, email=invitation["email"],
                                    role=invitation["role"], token=invitation["token"],
                                    tenant_name=p.tenant_name, inviter=p.name,
                                    expires_days=expires_days)
    worker.kick(db)
    return delivery is not None
