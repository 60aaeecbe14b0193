"""Integrations endpoints (/api/v1): Slack, e-mail and webhook integrations, their delivery
log and replay, and incoming webhooks (signed, no session)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from webapp.config import Settings
from webapp.http.api import Call, endpoint
from webapp.http.context import db, llm_context, request_meta
from webapp.integrations import incoming, probe, queue, service, worker
from webapp.integrations import models as m
from webapp.mail.product import MailSetup
from webapp.pagination import cursor_id

bp = Blueprint("integrations", __name__, url_prefix="/api/v1")


def worker_config() -> worker.WorkerConfig:
    """The sending configuration of this app (secret box, SMTP_URL)."""
    settings: Settings = current_app.extensions["mf_settings"]
    return worker.WorkerConfig(box=llm_context().box, smtp_url=settings.smtp_url)


def mail_setup() -> MailSetup:
    """What product e-mail needs (secret box, SMTP_URL, the base of links)."""
    settings: Settings = current_app.extensions["mf_settings"]
    base = settings.public_url or request.host_url.rstrip("/")
    return MailSetup(box=llm_context().box, smtp_url=settings.smtp_url, public_url=base)


def _create(call: Call[Any, None], kind: str) -> dict[str, Any]:
    values = call.body.model_dump()
    return service.create(db(), llm_context().box, call.who, kind, values, call.meta)


@endpoint(bp, "/integrations/slack", method="POST", permission="integrations.manage",
          body=m.SlackCreate, response=m.Integration, status=201,
          errors={409: "Another integration has that name."})
def create_slack(call: Call[m.SlackCreate, None]) -> dict[str, Any]:
    """Add a Slack integration (incoming-webhook URL, or bot token + channel)."""
    return _create(call, "slack")


@endpoint(bp, "/integrations/email", method="POST", permission="integrations.manage",
          body=m.EmailCreate, response=m.Integration, status=201,
          errors={409: "Another integration has that name."})
def create_email(call: Call[m.EmailCreate, None]) -> dict[str, Any]:
    """Add an e-mail (SMTP) integration."""
    return _create(call, "email")


@endpoint(bp, "/integrations/webhook", method="POST", permission="integrations.manage",
          body=m.WebhookCreate, response=m.Integration, status=201,
          errors={409: "Another integration has that name."})
def create_webhook(call: Call[m.WebhookCreate, None]) -> dict[str, Any]:
    """Add a signed webhook (the generated signing secret is in this answer only)."""
    return _create(call, "webhook")


@endpoint(bp, "/integrations", permission="integrations.manage", response=m.IntegrationList)
def list_integrations(call: Call[None, None]) -> dict[str, Any]:
    """The team's integrations, newest first, each with its latest delivery."""
    return {"data": service.list_integrations(db(), call.who), "next_cursor": None}


@endpoint(bp, "/integrations/<int:integration_id>", permission="integrations.manage",
          response=m.Integration)
def get_integration(call: Call[None, None], integration_id: int) -> dict[str, Any]:
    """One integration."""
    return service.get(db(), call.who, integration_id)


@endpoint(bp, "/integrations/<int:integration_id>/config", permission="integrations.manage",
          response=m.IntegrationConfig)
def get_config(call: Call[None, None], integration_id: int) -> dict[str, Any]:
    """Every setting of an integration, secrets masked."""
    return service.get_config(db(), call.who, integration_id)


@endpoint(bp, "/integrations/<int:integration_id>", method="PATCH",
          permission="integrations.manage", body=m.IntegrationChange, response=m.Integration,
          errors={409: "Another integration has that name."})
def update_integration(call: Call[m.IntegrationChange, None],
                       integration_id: int) -> dict[str, Any]:
    """Change an integration (moving where a secret goes needs the secret again)."""
    values = call.body.model_dump(include=call.body.model_fields_set)
    return service.update(db(), llm_context().box, call.who, integration_id, values, call.meta)


@endpoint(bp, "/integrations/<int:integration_id>", method="DELETE",
          permission="integrations.manage", response=m.Deleted)
def delete_integration(call: Call[None, None], integration_id: int) -> dict[str, Any]:
    """Delete an integration (its queued deliveries stop)."""
    service.delete(db(), call.who, integration_id, call.meta)
    return {"status": "deleted", "id": integration_id}


@endpoint(bp, "/integrations/<int:integration_id>/test", method="POST",
          permission="integrations.manage", body=m.TestRequest, response=m.Delivery)
def test_integration(call: Call[m.TestRequest, None], integration_id: int) -> dict[str, Any]:
    """Send a test message now; the delivery with its outcome."""
    return probe.run_probe(db(), worker_config(), call.who, integration_id, call.body.to)


@endpoint(bp, "/integrations/<int:integration_id>/deliveries",
          permission="integrations.manage", query=m.DeliveryQuery, response=m.DeliveryList)
def list_deliveries(call: Call[None, m.DeliveryQuery], integration_id: int) -> dict[str, Any]:
    """The integration's delivery log, newest first (status, attempts, response code)."""
    q = call.query
    before_id = cursor_id(q.cursor)  # a forged cursor is a 400 whatever the id
    with db().tenant(call.who.tenant_id, call.who.user_id) as conn:
        service.get_row(conn, integration_id)
        return queue.list_deliveries(conn, integration_id, status=q.status, limit=q.limit,
                                     before_id=before_id)


@endpoint(bp, "/deliveries/<int:delivery_id>/replay", method="POST",
          permission="integrations.manage", response=m.Delivery,
          errors={409: "Only a failed or dead delivery can be replayed."})
def replay_delivery(call: Call[None, None], delivery_id: int) -> dict[str, Any]:
    """Send a failed or dead delivery again (a fresh budget of attempts)."""
    result = queue.replay(db(), call.who, delivery_id, call.meta)
    worker.kick(db())
    return result


@endpoint(bp, "/webhooks/incoming/<int:integration_id>", method="POST", permission=None,
          auth=False, response=m.IncomingResult, status=201,
          errors={401: "The signature, timestamp or webhook-id was not accepted (or the "
                       "integration is not a webhook)."})
def incoming_webhook(call: Call[None, None], integration_id: int) -> dict[str, Any]:
    """Apply a Standard Webhooks signed message (401 if the signature, timestamp or id is
    not accepted); body {"type": "action_item"|"notification"|"private_note", ...}. Under
    the API's per-caller rate limit only (a busy sender exceeds sign-in's stricter one)."""
    return incoming.receive(db(), llm_context().box, integration_id, request.headers,
                            request.get_data(cache=False), request_meta())
