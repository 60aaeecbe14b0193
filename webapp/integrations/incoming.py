"""Incoming webhooks: `POST /api/v1/webhooks/incoming/:integration_id`, Standard Webhooks signed.

Authenticated by the webhook integration's signing secret (not by a session): the signature
must match, the timestamp be within 5 minutes, and the webhook-id never seen before for that
integration (stored in incoming_webhook_receipts in the same transaction as what it creates).
Anything refused is a 401 that changes nothing (a refusal is audited in its own transaction).
The body is `{"type": <kind>, ...}` in a small vocabulary (docs/architecture.md):

- `action_item`: {"description", "title"?, "conversation_id"?, "due_date"?} -> a proposed
  action item (accepted or rejected on the board like an analysis proposal);
- `notification`: {"title", "body"?, "link"?, "user_ids" | "role"} -> a notification for those
  members (`role`: everyone with that role or a higher one), through webapp.notifications;
- `private_note`: {"conversation_id", "body"} -> a private note on that conversation
  (webapp.notes; no author, @mentions notify), with its `note.created` event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound, Unauthorized, Unprocessable, ValidationFailed
from webapp.inputs import Id, RequestModel
from webapp.integrations import secrets as vault
from webapp.integrations import service as integrations
from webapp.integrations import signing
from webapp.notes import service as notes
from webapp.notifications import service as notifications
from webapp.security.crypto import SecretBox
from webapp.security.principal import RequestMeta
from webapp.security.rbac import ROLES

Q = load(__file__)


class ActionItemRequest(RequestModel):
    """Create a proposed action item."""

    type: Literal["action_item"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=200)] | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=500)]
    conversation_id: Id | None = None
    due_date: dt.date | None = None


class NotificationRequest(RequestModel):
    """Notify members: listed by id, or everyone with a role or a higher one."""

    type: Literal["notification"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=200)]
    body: Annotated[str, StringConstraints(max_length=2000)] = ""
    link: Annotated[str, StringConstraints(max_length=500, pattern=r"^/[^/\\]")] | None = None
    user_ids: list[Id] | None = Field(None, min_length=1, max_length=200)
    role: Literal["viewer", "member", "manager", "admin", "owner"] | None = None

    @model_validator(mode="after")
    def _recipients(self) -> NotificationRequest:
        if (self.user_ids is None) == (self.role is None):
            raise ValueError("give user_ids or role")
        return self


class PrivateNoteRequest(RequestModel):
    """Write a private note on a conversation (never sent to WhatsApp)."""

    type: Literal["private_note"]
    conversation_id: Id
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=4000)]


def _validated(model: type[RequestModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
        raise ValidationFailed(f"Invalid {body.get('type')}: " + ", ".join(sorted(fields)),
                               details={"fields": fields}) from exc


def _notification(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    req: NotificationRequest = _validated(NotificationRequest, body)
    if req.role is not None:
        users = notifications.members_with_roles(conn, ROLES[ROLES.index(req.role):])
    else:
        users = [int(u) for u in req.user_ids or []]
    tenant = conn.execute("select mf_current_tenant() as t").fetchone()
    assert tenant is not None
    count = notifications.notify(conn, tenant_id=int(tenant["t"]), user_ids=users,
                                 kind="webhook", title=req.title, body=req.body,
                                 link=req.link)
    return {"id": None, "count": count}


def _action_item(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    req: ActionItemRequest = _validated(ActionItemRequest, body)
    if req.conversation_id is not None and conn.execute(
            Q.find_conversation, {"id": req.conversation_id}).fetchone() is None:
        raise NotFound("No such conversation.",
                       details={"fields": {"conversation_id": "no such conversation"}})
    row = conn.execute(Q.insert_action_item, {
        "conversation_id": req.conversation_id, "description": req.description,
        "title": req.title, "due_date": req.due_date}).fetchone()
    assert row is not None
    conn.execute(Q.insert_action_item_event, {"id": row["id"]})
    return {"id": int(row["id"]), "count": 1}


def _private_note(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    req: PrivateNoteRequest = _validated(PrivateNoteRequest, body)
    tenant = conn.execute(Q.current_tenant).fetchone()
    assert tenant is not None
    try:
        note = notes.create_unattributed_note(conn, int(tenant["t"]), req.conversation_id,
                                              req.body)
    except NotFound as exc:
        raise NotFound("No such conversation.",
                       details={"fields": {"conversation_id": "no such conversation"}}) from exc
    return {"id": int(note["id"]), "count": 1}


# kind -> handler (None: documented, its target not built yet).
KINDS: dict[str, Callable[[Conn, dict[str, Any]], dict[str, Any]] | None] = {
    "action_item": _action_item, "notification": _notification,
    "private_note": _private_note,
}


def _refuse(db: Database, tenant_id: int | None, integration_id: int, reason: str,
            meta: RequestMeta | None) -> Unauthorized:
    if tenant_id is not None:
        with db.tenant(tenant_id) as conn:
            audit.record(conn, tenant_id, None, "integrations.incoming", meta,
                         outcome="denied", target_type="integration",
                         target_id=integration_id, details={"reason": reason})
    return Unauthorized("The webhook signature, timestamp or id was not accepted.",
                        code="invalid_webhook_signature", details={"reason": reason})


def receive(db: Database, box: SecretBox, integration_id: int, headers: Mapping[str, str] | Any,
            body: bytes, meta: RequestMeta | None = None,
            now: float | None = None) -> dict[str, Any]:
    """Verify and apply one incoming webhook; what it created."""
    with db.system() as conn:
        found = conn.execute(Q.incoming_tenant, {"id": integration_id}).fetchone()
    tenant_id = found["tenant_id"] if found else None
    if tenant_id is None:
        raise _refuse(db, None, integration_id, "unknown_integration", meta)
    try:
        return _apply(db, box, tenant_id, integration_id, headers, body, meta, now)
    except signing.SignatureRejected as exc:
        raise _refuse(db, tenant_id, integration_id, exc.reason, meta) from exc


def _apply(db: Database, box: SecretBox, tenant_id: int, integration_id: int,
           headers: Mapping[str, str] | Any, body: bytes, meta: RequestMeta | None,
           now: float | None) -> dict[str, Any]:
    with db.tenant(tenant_id, events=True) as conn:
        row = integrations.get_row(conn, integration_id)
        secret = vault.unseal(box, tenant_id, row["secrets_encrypted"], integration_id)
        if not secret.get("signing_secret"):
            raise signing.SignatureRejected("No signing secret is set.", "no_secret")
        webhook_id, _ = signing.verify(secret["signing_secret"], headers, body, now)
        data = _parse(body)
        kind = data["type"]
        if conn.execute(Q.insert_receipt, {"integration_id": integration_id,
                                           "webhook_id": webhook_id,
                                           "kind": kind}).fetchone() is None:
            raise signing.SignatureRejected("This webhook-id was already used.", "reused_id")
        handler = KINDS.get(kind)
        if handler is None:
            raise Unprocessable(f"{kind!r} is not available yet on this server; use one of: "
                                + ", ".join(k for k, h in KINDS.items() if h),
                                code="kind_unavailable", details={"fields": {"type": kind}})
        result = {"status": "created", "kind": kind, **handler(conn, data)}
        conn.execute(Q.set_receipt_result, {"integration_id": integration_id,
                                            "webhook_id": webhook_id,
                                            "result": json.dumps(result)})
        audit.record(conn, tenant_id, None, "integrations.incoming", meta,
                     target_type="integration", target_id=integration_id,
                     details={"webhook_id": webhook_id, **result})
    return result


def _parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The body must be a JSON object.",
                               details={"fields": {"body": "not JSON"}}) from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ValidationFailed("The body must be a JSON object with a type.",
                               details={"fields": {"type": "required"}})
    if data["type"] not in KINDS:
        raise ValidationFailed(f"Unknown type {str(data['type'])[:40]!r}; one of: "
                               + ", ".join(KINDS), details={"fields": {"type": "unknown kind"}})
    return data
