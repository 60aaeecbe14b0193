"""Request and response models of the integrations API (pydantic)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from webapp.auth.models import EMAIL_PATTERN
from webapp.inputs import Int, RequestModel

# Events an outbound webhook may subscribe to ("*": all of them).
EVENT_TYPES = ("message.created", "message.analyzed", "conversation.updated",
               "action_item.created", "action_item.updated", "workflow.executed",
               "delivery.failed", "integration.test")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253,
                                        pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                         pattern=EMAIL_PATTERN)]
EventName = Literal["*", "message.created", "message.analyzed", "conversation.updated",
                    "action_item.created", "action_item.updated", "workflow.executed",
                    "delivery.failed", "integration.test"]
Port = Annotated[int, Field(ge=1, le=65535)]


def _all_events() -> list[EventName]:
    return ["*"]


class SlackCreate(RequestModel):
    """Slack: an incoming-webhook URL, or a bot token with a channel (chat.postMessage)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["webhook_url"], "properties": {"webhook_url": {"not": {"type": "null"}},
                                                     "bot_token": {"type": "null"}}},
        {"required": ["bot_token", "channel"], "properties": {
            "bot_token": {"not": {"type": "null"}}, "channel": {"not": {"type": "null"}},
            "webhook_url": {"type": "null"}}}]})

    name: Name
    webhook_url: Url | None = Field(None, description="Slack incoming-webhook URL (secret).")
    bot_token: Secret | None = Field(None, description="Bot token xoxb-... (secret).")
    channel: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    api_base: Url | None = Field(None, description="Slack Web API base; default "
                                 "https://slack.com/api.")
    active: bool = True

    @model_validator(mode="after")
    def _one_mode(self) -> SlackCreate:
        if (self.webhook_url is None) == (self.bot_token is None):
            raise ValueError("give webhook_url, or bot_token with channel")
        if self.bot_token is not None and not self.channel:
            raise ValueError("channel is required with bot_token")
        return self


class EmailCreate(RequestModel):
    """SMTP submission: host, port, TLS mode, user, password, sender address."""

    name: Name
    host: Host
    port: Port | None = None
    tls: Literal["starttls", "tls", "none"] = "starttls"
    username: Annotated[str, StringConstraints(max_length=254)] | None = None
    password: Secret | None = None
    from_address: Email
    active: bool = True


class WebhookCreate(RequestModel):
    """An outbound webhook (Standard Webhooks signed JSON POSTs); also accepts incoming ones."""

    name: Name
    url: Url
    events: list[EventName] = Field(default_factory=_all_events, max_length=20)
    signing_secret: Secret | None = Field(None, description="whsec_<base64>; generated and "
                                          "returned once when absent.")
    active: bool = True


class IntegrationChange(RequestModel):
    """A PATCH: only the fields of the integration's type; absent fields stay. Moving where a
    secret goes (URL, host, port, API base) needs that secret again in the same request."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})
    name: Name | None = None
    active: bool | None = None
    webhook_url: Url | None = None
    bot_token: Secret | None = None
    channel: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    api_base: Url | None = None
    host: Host | None = None
    port: Port | None = None
    tls: Literal["starttls", "tls", "none"] | None = None
    username: Annotated[str, StringConstraints(max_length=254)] | None = None
    password: Secret | None = None
    from_address: Email | None = None
    url: Url | None = None
    events: list[EventName] | None = Field(None, max_length=20)
    signing_secret: Secret | None = None
    rotate_secret: bool | None = Field(None, description="Webhook: generate a new signing "
                                       "secret (returned once).")

    @model_validator(mode="after")
    def _something(self) -> IntegrationChange:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


class TestRequest(RequestModel):
    """Optional: the address a test e-mail goes to (default: yours)."""

    to: Email | None = None


class Integration(BaseModel):
    """An integration; secrets never appear, only whether they are set."""

    id: int
    type: Literal["slack", "email", "webhook"]
    name: str
    active: bool
    summary: str
    has_secret: bool
    created_at: str
    updated_at: str
    last_delivery: dict[str, Any] | None = None
    signing_secret: str | None = Field(None, description="Only in the answer that generated "
                                       "it (creation or rotate_secret).")
    incoming_url: str | None = None


class IntegrationList(BaseModel):
    """The tenant's integrations, newest first."""

    data: list[Integration]
    next_cursor: None


class IntegrationConfig(BaseModel):
    """The full settings with secrets masked (e.g. `xox…9f2a`)."""

    id: int
    type: str
    name: str
    active: bool
    config: dict[str, Any]
    secrets: dict[str, str]
    secret_destination: str | None


class Delivery(BaseModel):
    """One queued message and where it stands."""

    id: int
    integration_id: int | None
    channel: str
    event_type: str
    source: str
    message_id: str
    summary: str
    status: Literal["pending", "delivering", "failed", "delivered", "dead"]
    attempts: int
    max_attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    created_at: str
    updated_at: str
    delivered_at: str | None


class DeliveryList(BaseModel):
    """An integration's deliveries, newest first."""

    data: list[Delivery]
    next_cursor: str | None


class DeliveryQuery(RequestModel):
    """`?status=` filter and the usual page."""

    status: Literal["pending", "delivering", "failed", "delivered", "dead"] | None = None
    limit: Int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=512)


class Deleted(BaseModel):
    """A deleted integration."""

    status: str
    id: int


class IncomingResult(BaseModel):
    """What an incoming webhook created."""

    status: str
    kind: str
    id: int | None = Field(None, description="The created row (an action item or a note).")
    count: int = Field(1, description="Rows created (notifications: one per recipient).")
