"""Labels endpoints (/api/v1): the tenant's labels and the labels on its conversations."""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import Blueprint
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import NON_BLANK, SPACES, Id, RequestModel, not_nullable
from webapp.labels import messages, service
from webapp.messaging.rows import ConversationJson, MessageJson
from webapp.messaging.schemas import Conversation, Message

bp = Blueprint("labels", __name__, url_prefix="/api/v1")


def _check_name(value: str) -> str:
    # The conversation list's `label=` filter reads a number as a label id.
    if _DIGITS.fullmatch(value):
        raise ValueError("cannot be only digits (the list filter reads digits as a label id)")
    if _CONTROL.search(value):
        raise ValueError("cannot contain control characters")
    return value


# Control characters (C0, DEL, C1) and the line/paragraph separators: a label is one line.
_CONTROL_CLASS = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"
_CONTROL = re.compile(_CONTROL_CLASS)
_DIGITS = re.compile("[0-9]+")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
                 AfterValidator(_check_name),
                 WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 50,
                                 "pattern": f"^(?=.*{NON_BLANK})(?![{SPACES}]*[0-9]+[{SPACES}]*$)"
                                            f"[^{_CONTROL_CLASS[1:-1]}]*$",
                                 "description": "not only digits; no control characters"})]
Color = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                         pattern=r"^#[0-9a-fA-F]{6}$")]


class LabelCreate(RequestModel):
    """A new label: a name unique in the team (ignoring case) and a "#rrggbb" colour."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "VIP",
                                                               "color": "#16a34a"}]})

    name: Name
    color: Color | None = Field(None, description='"#rrggbb"; default #64748b')


class LabelChange(RequestModel):
    """A new name and/or colour; absent fields stay (neither can be null)."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "name", "color", extra={"minProperties": 1}))
    name: Name | None = None
    color: Color | None = None

    @field_validator("name", "color", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for given values: absent means unchanged, an explicit null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> LabelChange:
        if not self.model_fields_set:
            raise ValueError("give name and/or color")
        return self


class LabelAttach(RequestModel):
    """The label to put on the conversation."""

    label_id: Id


class LabelInfo(BaseModel):
    """A label with how many conversations carry it."""

    id: int
    name: str
    color: str
    created_at: str
    conversation_count: int


class LabelList(BaseModel):
    """All labels of the team, by name."""

    data: list[LabelInfo]
    next_cursor: None


class LabelDeleted(BaseModel):
    """A deleted label and how many conversations it was taken off."""

    status: str
    id: int
    conversation_count: int


@endpoint(bp, "/labels", permission="labels.read", response=LabelList)
def list_labels(call: Call[None, None]) -> dict[str, Any]:
    """The team's labels by name, with conversation counts."""
    return {"data": service.list_labels(db(), call.who), "next_cursor": None}


@endpoint(bp, "/labels", method="POST", permission="labels.manage", body=LabelCreate,
          response=LabelInfo, status=201, errors={409: "The name is taken (ignoring case)."})
def create_label(call: Call[LabelCreate, None]) -> dict[str, Any]:
    """Create a label (409 when the name is taken, ignoring case)."""
    b = call.body
    return service.create_label(db(), call.who, b.name, b.color, call.meta)


@endpoint(bp, "/labels/<int:label_id>", method="PATCH", permission="labels.manage",
          body=LabelChange, response=LabelInfo,
          errors={409: "The name is taken (ignoring case)."})
def update_label(call: Call[LabelChange, None], label_id: int) -> dict[str, Any]:
    """Rename or recolour a label (conversations carrying it update live)."""
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return service.update_label(db(), call.who, label_id, changes, call.meta)


@endpoint(bp, "/labels/<int:label_id>", method="DELETE", permission="labels.manage",
          response=LabelDeleted)
def delete_label(call: Call[None, None], label_id: int) -> dict[str, Any]:
    """Delete a label and take it off every conversation."""
    label = service.delete_label(db(), call.who, label_id, call.meta)
    return {"status": "deleted", "id": label_id,
            "conversation_count": label["conversation_count"]}


@endpoint(bp, "/conversations/<int:conversation_id>/labels", method="POST",
          permission="labels.apply", body=LabelAttach, response=Conversation)
def attach_label(call: Call[LabelAttach, None], conversation_id: int) -> ConversationJson:
    """Put a label on a conversation (idempotent); the updated conversation."""
    return service.attach_label(db(), call.who, conversation_id, call.body.label_id)


@endpoint(bp, "/conversations/<int:conversation_id>/labels/<int:label_id>", method="DELETE",
          permission="labels.apply", response=Conversation)
def detach_label(call: Call[None, None], conversation_id: int,
                 label_id: int) -> ConversationJson:
    """Take a label off a conversation (idempotent); the updated conversation."""
    return service.detach_label(db(), call.who, conversation_id, label_id)


@endpoint(bp, "/messages/<int:message_id>/labels", method="POST", permission="labels.apply",
          body=LabelAttach, response=Message)
def attach_message_label(call: Call[LabelAttach, None], message_id: int) -> MessageJson:
    """Put a label on a message (idempotent); the updated message."""
    return messages.change(db(), call.who, message_id, call.body.label_id, on=True)


@endpoint(bp, "/messages/<int:message_id>/labels/<int:label_id>", method="DELETE",
          permission="labels.apply", response=Message)
def detach_message_label(call: Call[None, None], message_id: int, label_id: int,
                         ) -> MessageJson:
    """Take a label off a message (idempotent); the updated message."""
    return messages.change(db(), call.who, message_id, label_id, on=False)
