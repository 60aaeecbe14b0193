"""Contact endpoints (/api/v1/contacts): search, the contact panel, the team's edits."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, Response, current_app, request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from webapp.contacts import pictures, service
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import Id, RequestModel, not_nullable
from webapp.media import service as media
from webapp.messaging.schemas import Conversation, Label
from webapp.pagination import PageQuery

bp = Blueprint("contacts", __name__, url_prefix="/api/v1")

AttrKey = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                           pattern=r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$")]
AttrValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ContactQuery(PageQuery):
    """`?q=`: contacts whose name or phone number contains it."""

    q: str | None = Field(None, max_length=100)


class ContactChange(RequestModel):
    """The team's edits; absent fields stay. `display_name: null` goes back to the WhatsApp
    name; `attributes` replaces all custom fields; `label_ids` sets exactly these labels."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "notes", "attributes", "label_ids", extra={"minProperties": 1}))

    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=100)] | None = None
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    attributes: dict[AttrKey, AttrValue] | None = Field(
        None, max_length=50, json_schema_extra={"additionalProperties": False})
    label_ids: list[Id] | None = Field(None, max_length=50)

    @field_validator("notes", "attributes", "label_ids", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> ContactChange:
        if not self.model_fields_set:
            raise ValueError("give display_name, notes, attributes and/or label_ids")
        return self


class Contact(BaseModel):
    """A contact: names (saved and WhatsApp's), WhatsApp identifiers, the team's notes,
    custom attributes and labels."""

    id: int
    name: str | None
    display_name: str | None
    push_name: str | None
    phone_jid: str | None
    lid_jid: str | None
    phone: str | None
    notes: str
    attributes: dict[str, str]
    has_picture: bool
    labels: list[Label]
    last_seen_at: str | None
    created_at: str
    updated_at: str


class ContactDetail(Contact):
    """A contact with the conversations they take part in (latest first, up to 50)."""

    conversations: list[Conversation]


class ContactList(BaseModel):
    """A page of contacts by name."""

    data: list[Contact]
    next_cursor: str | None


@endpoint(bp, "/contacts", permission="conversations.read", query=ContactQuery,
          response=ContactList)
def list_contacts(call: Call[None, ContactQuery]) -> dict[str, Any]:
    """The team's contacts by name, searchable by name or number."""
    q = call.query
    return service.search(db(), call.who, q.q, q.limit, q.cursor)


@endpoint(bp, "/contacts/<int:contact_id>", permission="conversations.read",
          response=ContactDetail)
def get_contact(call: Call[None, None], contact_id: int) -> dict[str, Any]:
    """One contact with their conversations."""
    return service.get(db(), call.who, contact_id)


@endpoint(bp, "/contacts/<int:contact_id>", method="PATCH", permission="conversations.update",
          body=ContactChange, response=Contact)
def update_contact(call: Call[ContactChange, None], contact_id: int) -> dict[str, Any]:
    """Change a contact's saved name, notes, custom attributes or labels (audited)."""
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return service.update(db(), call.who, contact_id, changes, call.meta)


@endpoint(bp, "/contacts/<int:contact_id>/avatar", permission="conversations.read",
          media_type="image/*", errors={304: "Not modified (If-None-Match)."})
def contact_avatar(call: Call[None, None], contact_id: int) -> Response:
    """The contact's WhatsApp profile picture as the gateway last fetched it (checked again
    after a day); 404 when they have none, hide it, or are not this tenant's."""
    store = media.store(current_app.extensions["mf_settings"])
    data, key = pictures.picture(db(), store, call.who, contact_id)
    resp = Response(data, mimetype=pictures.image_type(data))
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    resp.set_etag(key)
    resp.make_conditional(request.environ)
    return resp
