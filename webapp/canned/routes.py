"""Canned-response endpoints (/api/v1/canned-responses)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from flask import Blueprint
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from webapp.canned import service, variables
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import Id, RequestModel, not_nullable

bp = Blueprint("canned", __name__, url_prefix="/api/v1")

def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# Lower-cased before the pattern is checked ("Greet" is saved as "greet").
# Letters in either case (saved lower-cased: "Greet" is "greet").
Shortcut = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"),
                     AfterValidator(_lower)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]


class CannedCreate(RequestModel):
    """A new canned response: the shortcut typed after "/", a title and the text (which may
    use the variables listed at GET /canned-responses/variables)."""

    shortcut: Shortcut = Field(description='letters, digits, "-" and "_"; up to 32')
    title: Title
    body: Body


class CannedChange(RequestModel):
    """New shortcut, title and/or text; absent fields stay (none can be null)."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "shortcut", "title", "body", extra={"minProperties": 1}))

    shortcut: Shortcut | None = None
    title: Title | None = None
    body: Body | None = None

    @field_validator("shortcut", "title", "body", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> CannedChange:
        if not self.model_fields_set:
            raise ValueError("give shortcut, title and/or body")
        return self


class CannedQuery(RequestModel):
    """`?q=`: only responses whose shortcut, title or text contain it."""

    q: str | None = Field(None, max_length=100)


class CannedRender(RequestModel):
    """The conversation whose contact and agent fill the variables."""

    conversation_id: Id


class CannedInfo(BaseModel):
    """A canned response."""

    id: int
    shortcut: str
    title: str
    body: str
    created_by: int | None
    updated_by: int | None
    created_at: str
    updated_at: str


class CannedList(BaseModel):
    """The team's canned responses by shortcut (at most 200)."""

    data: list[CannedInfo]
    next_cursor: None


class CannedRendered(BaseModel):
    """A response's text with its variables filled in for one conversation."""

    id: int
    shortcut: str
    text: str
    variables: dict[str, str | None]


class Variable(BaseModel):
    """A variable a canned response may use."""

    name: str
    description: str


class VariableList(BaseModel):
    """Every variable, written {{name}} in a response's text."""

    data: list[Variable]


class Deleted(BaseModel):
    """A deleted canned response."""

    status: str
    id: int


def _info(row: Any) -> dict[str, Any]:
    return dataclasses.asdict(row)


@endpoint(bp, "/canned-responses", permission="conversations.read", query=CannedQuery,
          response=CannedList)
def list_canned(call: Call[None, CannedQuery]) -> dict[str, Any]:
    """The team's canned responses by shortcut, optionally filtered with `q`."""
    rows = service.list_responses(db(), call.who, call.query.q)
    return {"data": [_info(r) for r in rows], "next_cursor": None}


@endpoint(bp, "/canned-responses/variables", permission="conversations.read",
          response=VariableList)
def list_variables(call: Call[None, None]) -> dict[str, Any]:
    """The variables a canned response may use."""
    return {"data": [{"name": k, "description": v} for k, v in variables.VARIABLES.items()]}


@endpoint(bp, "/canned-responses", method="POST", permission="canned.manage",
          body=CannedCreate, response=CannedInfo, status=201,
          errors={409: "Another saved reply has that shortcut."})
def create_canned(call: Call[CannedCreate, None]) -> dict[str, Any]:
    """Save a canned response (409 when the shortcut is taken; 400 naming an unknown
    variable)."""
    return _info(service.create_response(db(), call.who, call.body.model_dump(), call.meta))


@endpoint(bp, "/canned-responses/<int:response_id>", permission="conversations.read",
          response=CannedInfo)
def get_canned(call: Call[None, None], response_id: int) -> dict[str, Any]:
    """One canned response."""
    return _info(service.get_response(db(), call.who, response_id))


@endpoint(bp, "/canned-responses/<int:response_id>", method="PATCH",
          permission="canned.manage", body=CannedChange, response=CannedInfo,
          errors={409: "Another saved reply has that shortcut."})
def update_canned(call: Call[CannedChange, None], response_id: int) -> dict[str, Any]:
    """Change a canned response's shortcut, title or text."""
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return _info(service.update_response(db(), call.who, response_id, changes, call.meta))


@endpoint(bp, "/canned-responses/<int:response_id>", method="DELETE",
          permission="canned.manage", response=Deleted)
def delete_canned(call: Call[None, None], response_id: int) -> dict[str, Any]:
    """Delete a canned response."""
    service.delete_response(db(), call.who, response_id, call.meta)
    return {"status": "deleted", "id": response_id}


@endpoint(bp, "/canned-responses/<int:response_id>/render", method="POST",
          permission="messages.send", body=CannedRender, response=CannedRendered)
def render_canned(call: Call[CannedRender, None], response_id: int) -> dict[str, Any]:
    """The response's text with its variables filled in for a conversation (what the composer
    inserts; nothing is sent)."""
    return service.render(db(), call.who, response_id, call.body.conversation_id)
