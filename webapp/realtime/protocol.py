"""The WebSocket protocol as the OpenAPI document describes it: every frame the server sends
(one per event type, with the same data shape as the REST API), the frames a client sends, and
the close codes. Flask-free; webapp.http.openapi puts these into `components.schemas` and the
`realtime` tag. docs/api.md says the same in prose.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from webapp.realtime import frames

# Event type -> (the data's model, when it is sent). Domains that add events add them here
# (and register their serializer in `event_serializers`, migrations/0024).
_CLOSE_CODES = {
    1001: "The server is shutting down: reconnect with `since=<last event id>`.",
    frames.CLOSE_TOKEN_EXPIRED: "Token expired, session revoked (logout) or role changed: "
                                "refresh the token, then reconnect with `since`.",
    frames.CLOSE_FORBIDDEN: "No longer a member of the tenant: do not reconnect.",
    frames.CLOSE_TOO_SLOW: "The client fell too far behind: reconnect with `since`.",
}


class IdRef(BaseModel):
    """An entity named by id (fetch it over REST when needed)."""

    id: int
    conversation_id: int | None = None


class DeletedRef(BaseModel):
    """What is left of a deleted entity: its id and where it was."""

    model_config = ConfigDict(extra="allow")
    id: int


class UnreadCount(BaseModel):
    """A member's unread notifications after a change."""

    unread_count: int


class TypingData(BaseModel):
    """Someone of the tenant types in a conversation."""

    conversation_id: int
    user_id: int
    state: Literal["start", "stop"]


class PresenceData(BaseModel):
    """A member came online (first socket) or went offline (last socket closed)."""

    user_id: int
    online: bool


def _event_models() -> dict[str, tuple[type[BaseModel], str]]:
    from webapp.actions.routes import ActionItem, Comment
    from webapp.desk_home.models import DailySummary, ImportantMessage
    from webapp.integrations.models import Delivery
    from webapp.llm.response_models import ProviderHealth
    from webapp.messaging.schemas import Conversation, Message
    from webapp.notes.routes import Note
    from webapp.notifications.routes import Notification
    from webapp.tenants.models import TeamChange
    from webapp.whatsapp.models import Device, DeviceTask
    from webapp.workflows.routes import Execution

    return {
        "message.created": (Message, "A message arrived or was sent (REST: Message)."),
        "message.updated": (Message, "A message was edited, revoked, reacted to, or its "
                                     "delivery state changed (REST: Message)."),
        "message.analyzed": (Message, "A message's analysis was stored (REST: Message, whose "
                                      "`analysis` carries the verdict)."),
        "conversation.updated": (Conversation, "Status, assignee, priority, snooze, labels, "
                                               "unread count or last message changed."),
        "conversation.scored": (Conversation, "A conversation got a new score (the score: GET "
                                              "/conversations/{id}/score)."),
        "whatsapp.device": (Device, "A device changed: status, pairing QR (fetch the SVG from "
                                    "/whatsapp/devices/{id}/qr), pair code, errors."),
        "contacts.synced": (DeviceTask, "A contact sync of a device finished: done with what it "
                                        "found, or failed with why (REST: DeviceTask)."),
        "provider.health": (ProviderHealth, "An LLM provider's health changed."),
        "action_item.created": (ActionItem, "An action item was created or proposed "
                                            "(REST: ActionItem)."),
        "action_item.updated": (ActionItem, "An action item changed: status, column position, "
                                            "assignee, due date, comments count."),
        "action_item.deleted": (DeletedRef, "An action item was deleted (id, status, "
                                            "conversation_id)."),
        "comment.created": (Comment, "A comment on an action item (REST: Comment)."),
        "comment.deleted": (DeletedRef, "A comment was deleted (id, action_item_id)."),
        "note.created": (Note, "A private note in a conversation (REST: Note)."),
        "note.deleted": (IdRef, "A private note was deleted (id, conversation_id)."),
        "notification.created": (Notification, "A notification for this member only."),
        "notification.updated": (Notification, "One of this member's notifications was read "
                                               "or unread (their other tabs follow)."),
        "notification.read_all": (UnreadCount, "This member marked everything read."),
        "important_message.updated": (ImportantMessage, "An important message was "
                                                        "acknowledged, dismissed or "
                                                        "re-prioritised (REST: "
                                                        "ImportantMessage)."),
        "summary.created": (IdRef, "A conversation summary was stored (id, conversation_id)."),
        "daily_summary.created": (DailySummary, "A daily summary was stored (REST: "
                                                "DailySummary)."),
        "workflow.executed": (Execution, "A workflow ran on an event: matched or not, each "
                                         "action's result, or the loop guard's reason."),
        "team.changed": (TeamChange, "A member joined, changed role or was removed, or an "
                                     "invitation was created, revoked or accepted (reload "
                                     "GET /members or /invitations)."),
        "delivery.failed": (Delivery, "An integration's delivery failed (it is retried, or "
                                      "dead after the last attempt)."),
    }


class PongFrame(BaseModel):
    """The answer to a client's ping."""

    type: Literal["pong"]


class ErrorBody(BaseModel):
    """The REST error envelope's inner object."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorFrame(BaseModel):
    """A client frame was refused (malformed JSON, unknown type, bad fields)."""

    type: Literal["error"]
    error: ErrorBody


def _frame(name: str, type_: str, data: type[BaseModel], doc: str, *,
           with_id: bool) -> type[BaseModel]:
    fields: dict[str, Any] = {"type": (Literal[type_], ...), "data": (data, ...)}
    if with_id:
        fields = {"id": (int, Field(description="the event id: reconnect with `since` set to it")),
                  **fields}
    model: type[BaseModel] = create_model(name, __doc__=doc, **fields)
    return model


def server_frames() -> dict[str, type[BaseModel]]:
    """Frame type -> its model, for every kind of frame the server sends."""
    out: dict[str, type[BaseModel]] = {}
    for type_, (data, doc) in _event_models().items():
        name = "Event_" + type_.replace(".", "_")
        out[type_] = _frame(name, type_, data, doc, with_id=True)
    out["typing"] = _frame("TypingFrameOut", "typing", TypingData,
                           "Someone types (not stored; no id).", with_id=False)
    out["presence"] = _frame("PresenceFrame", "presence", PresenceData,
                             "A member's presence (not stored; no id).", with_id=False)
    return {**out, "pong": PongFrame, "error": ErrorFrame}


class TypingClientFrame(frames.TypingFrame):
    """Tell the tenant's other clients that you type in a conversation."""


class PingClientFrame(frames.PingFrame):
    """Ask for a pong (the server also pings idle sockets every 25 s)."""

    model_config = ConfigDict(extra="forbid", strict=True)


REALTIME_TAG: dict[str, Any] = {
    "name": "realtime",
    "description": (
        "**WebSocket feed** `GET /api/v1/ws?token=<access JWT>[&since=<event id>]` (or the "
        "access cookie from this site, or an `Authorization: Bearer` header). Authentication "
        "happens before the upgrade: a bad token is an HTTP 401, a plain GET a 426.\n\n"
        "With `since`, the server first replays the tenant's events after that id, then sends "
        "new ones live; keep the last `id` you saw and reconnect with it: no event is lost "
        "across reconnects or server processes. Each event frame is "
        "`{\"id\", \"type\", \"data\"}` where `data` has the same shape as the REST API's "
        "entity. A client only receives its own tenant's events (and its own notifications)."
        "\n\nServer frames (`WebSocketServerFrame`):\n\n"
        "<SchemaDefinition schemaRef=\"#/components/schemas/WebSocketServerFrame\" />\n\n"
        "Client frames (`WebSocketClientFrame`): `{\"type\": \"ping\"}` and "
        "`{\"type\": \"typing\", \"conversation_id\", \"state\": \"start\"|\"stop\"}`.\n\n"
        "<SchemaDefinition schemaRef=\"#/components/schemas/WebSocketClientFrame\" />\n\n"
        "Close codes: " + "; ".join(f"`{c}` {t}" for c, t in _CLOSE_CODES.items())
    ),
}


def realtime_components() -> dict[str, Any]:
    """Schemas of the socket's frames: each frame model, and the two unions."""
    out: dict[str, Any] = {}
    mapping: dict[str, str] = {}
    for type_, model in server_frames().items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}",
                                         mode="serialization")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
        mapping[type_] = f"#/components/schemas/{model.__name__}"
    out["WebSocketServerFrame"] = {
        "description": "A frame the server sends on /api/v1/ws (discriminated by `type`).",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
        "x-close-codes": {str(c): t for c, t in _CLOSE_CODES.items()},
    }
    client_refs = []
    for model in (TypingClientFrame, PingClientFrame):
        out[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}")
        client_refs.append({"$ref": f"#/components/schemas/{model.__name__}"})
    out["WebSocketClientFrame"] = {
        "description": "A frame a client sends on /api/v1/ws.", "oneOf": client_refs}
    return out
