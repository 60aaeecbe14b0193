"""A tenant's integrations (Slack, e-mail, webhooks): create, read, change, delete; audited.

Secrets are sealed by webapp.integrations.secrets and never returned: the API shows a summary,
whether secrets are set, and (GET /config) masked hints. A generated webhook signing secret is
returned once, in the answer that generated it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import errors as pg
from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import Conflict, NotFound
from webapp.integrations import queue
from webapp.integrations import secrets as vault
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)
INCOMING_PATH = "/api/v1/webhooks/incoming/{id}"


def _ts(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def public(row: dict[str, Any], generated: str | None = None) -> dict[str, Any]:
    """The API shape of an integration (no secret, unless one was just generated)."""
    shape = {
        "id": row["id"], "type": row["type"], "name": row["name"], "active": row["active"],
        "summary": vault.summary(row["type"], row["config"], row["secret_hints"]),
        "has_secret": row["secrets_encrypted"] is not None,
        "created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"]),
        "last_delivery": row.get("last_delivery"),
        "incoming_url": (INCOMING_PATH.format(id=row["id"]) if row["type"] == "webhook"
                         else None),
    }
    if generated:
        shape["signing_secret"] = generated
    return shape


def config_view(row: dict[str, Any]) -> dict[str, Any]:
    """Every setting, secrets as masked hints."""
    return {"id": row["id"], "type": row["type"], "name": row["name"], "active": row["active"],
            "config": row["config"], "secrets": row["secret_hints"],
            "secret_destination": row["secret_destination"]}


def _audit_shape(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "active": row["active"], "config": row["config"],
            "secrets": row["secret_hints"], "secret_destination": row["secret_destination"]}


def _name_taken(name: str) -> Conflict:
    return Conflict(f"An integration named {name!r} already exists.",
                    code="integration_name_taken",
                    details={"fields": {"name": "already used by another integration"}})


def _params(box: SecretBox, tenant_id: int, s: vault.Settings) -> dict[str, Any]:
    return {"config": Jsonb(s.config), "secrets_encrypted": vault.seal(box, tenant_id, s.secrets),
            "secret_hints": Jsonb(vault.hints(s.secrets)),
            "secret_destination": vault.destination(s) if s.secrets else None}


def create(db: Database, box: SecretBox, p: Principal, kind: str, values: dict[str, Any],
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """A new integration of `kind` (settings validated, secrets sealed), audited."""
    name, active = values.pop("name"), values.pop("active", True)
    s = vault.build(kind, {k: v for k, v in values.items() if v is not None})
    with db.tenant(p.tenant_id, p.user_id) as conn:
        try:
            with conn.transaction():
                row = conn.execute(Q.insert_integration, {
                    "type": kind, "name": name, "active": active, "actor": p.user_id,
                    **_params(box, p.tenant_id, s)}).fetchone()
        except pg.UniqueViolation as exc:
            raise _name_taken(name) from exc
        assert row is not None
        audit.record(conn, p.tenant_id, p.user_id, "integrations.create", meta,
                     target_type="integration", target_id=row["id"],
                     after={"type": kind, **_audit_shape(row)})
    row["last_delivery"] = None
    return public(row, s.generated_secret)


def list_integrations(db: Database, p: Principal) -> list[dict[str, Any]]:
    """The tenant's integrations, newest first, each with its latest delivery."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return [public(r) for r in conn.execute(Q.list_integrations).fetchall()]


def get_row(conn: Conn, integration_id: int, *, lock: bool = False) -> dict[str, Any]:
    """An integration of the current tenant, or NotFound (also for another tenant's id)."""
    row = conn.execute(Q.lock_integration if lock else Q.get_integration,
                       {"id": integration_id}).fetchone()
    if row is None:
        raise NotFound("No such integration.", code="integration_not_found")
    return row


def get(db: Database, p: Principal, integration_id: int) -> dict[str, Any]:
    """One integration."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return public(get_row(conn, integration_id))


def get_config(db: Database, p: Principal, integration_id: int) -> dict[str, Any]:
    """One integration's settings, secrets masked."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return config_view(get_row(conn, integration_id))


def settings_of(box: SecretBox, row: dict[str, Any]) -> vault.Settings:
    """The decrypted settings of a row (for sending; never for an API answer)."""
    return vault.Settings(row["type"], dict(row["config"]),
                          vault.unseal(box, row["tenant_id"], row["secrets_encrypted"],
                                       row["id"]))


def update(db: Database, box: SecretBox, p: Principal, integration_id: int,
           values: dict[str, Any], meta: RequestMeta | None = None) -> dict[str, Any]:
    """Change an integration; moving where a secret goes needs the secret again. Audited."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = get_row(conn, integration_id, lock=True)
        name = values.pop("name", None) or row["name"]
        active = values.pop("active", None)
        active = row["active"] if active is None else active
        old = settings_of(box, row)
        new = vault.build(row["type"], values, old) if values else old
        vault.require_secret_to_move(old, new, values)
        try:
            with conn.transaction():
                after = conn.execute(Q.update_integration, {
                    "id": integration_id, "name": name, "active": active,
                    **_params(box, p.tenant_id, new)}).fetchone()
        except pg.UniqueViolation as exc:
            raise _name_taken(name) from exc
        assert after is not None
        details: dict[str, Any] = {}
        if old.secrets != new.secrets:
            details["secrets_changed"] = sorted(new.secrets)
        if row["secret_destination"] != after["secret_destination"]:
            details["secret_destination"] = {"before": row["secret_destination"],
                                             "after": after["secret_destination"]}
        audit.record(conn, p.tenant_id, p.user_id, "integrations.update", meta,
                     target_type="integration", target_id=integration_id,
                     before=_audit_shape(row), after=_audit_shape(after), details=details)
    return public(after, new.generated_secret)


def delete(db: Database, p: Principal, integration_id: int,
           meta: RequestMeta | None = None) -> None:
    """Delete an integration: its secrets are dropped and its queued deliveries stopped."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = get_row(conn, integration_id, lock=True)
        conn.execute(Q.soft_delete_integration, {"id": integration_id})
        conn.execute(Q.stop_pending_deliveries, {"id": integration_id})
        audit.record(conn, p.tenant_id, p.user_id, "integrations.delete", meta,
                     target_type="integration", target_id=integration_id,
                     before=_audit_shape(row))


def email_integration(conn: Conn) -> dict[str, Any] | None:
    """The current tenant's e-mail integration for product mail (oldest active), if any."""
    return conn.execute(Q.first_email_integration).fetchone()


def subscribed_webhooks(conn: Conn, event_type: str) -> list[dict[str, Any]]:
    """The current tenant's active webhooks subscribed to an event type."""
    return conn.execute(Q.subscribed_webhooks, {"event": event_type}).fetchall()


def dispatch_event(conn: Conn, event_type: str, data: dict[str, Any],
                   summary: str = "") -> list[int]:
    """Queue `data` for every active webhook of the current tenant subscribed to the event
    (in the caller's transaction, so it is sent only if that commits); the delivery ids."""
    return [queue.enqueue(conn, integration_id=row["id"], channel="webhook",
                          event_type=event_type, payload=data, summary=summary or event_type)
            for row in subscribed_webhooks(conn, event_type)]
