"""Private-note endpoints: /conversations/:id/notes and /notes/:id."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint
from pydantic import BaseModel, StringConstraints

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import RequestModel
from webapp.notes import service
from webapp.pagination import PageQuery

bp = Blueprint("notes", __name__, url_prefix="/api/v1")


class NoteCreate(RequestModel):
    """A private note: text for the team (never sent to WhatsApp); `@Name` or `@email`
    mentions members, who are notified."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Mention(BaseModel):
    """A member a note mentions, and the text that named them."""

    user_id: int
    name: str
    email: str
    text: str


class Note(BaseModel):
    """A private note in a conversation."""

    id: int
    conversation_id: int
    author_id: int | None
    author_name: str | None
    body: str
    mentions: list[Mention]
    created_at: str


class NoteList(BaseModel):
    """A page of a conversation's notes, oldest first."""

    data: list[Note]
    next_cursor: str | None


class NoteDeleted(BaseModel):
    """A deleted note."""

    status: str
    id: int
    conversation_id: int


@endpoint(bp, "/conversations/<int:conversation_id>/notes", permission="conversations.read",
          query=PageQuery, response=NoteList)
def list_notes(call: Call[None, PageQuery], conversation_id: int) -> dict[str, Any]:
    """The conversation's private notes, oldest first."""
    q = call.query
    return service.list_notes(db(), call.who, conversation_id, limit=q.limit, cursor=q.cursor)


@endpoint(bp, "/conversations/<int:conversation_id>/notes", method="POST",
          permission="notes.write", body=NoteCreate, response=Note, status=201)
def create_note(call: Call[NoteCreate, None], conversation_id: int) -> dict[str, Any]:
    """Write a private note (mentioned members are notified; nothing goes to WhatsApp)."""
    return service.create_note(db(), call.who, conversation_id, call.body.body, call.meta)


@endpoint(bp, "/notes/<int:note_id>", method="DELETE", permission="notes.write",
          response=NoteDeleted)
def delete_note(call: Call[None, None], note_id: int) -> dict[str, Any]:
    """Delete a note: its author, or a manager and up."""
    return service.delete_note(db(), call.who, note_id, call.meta)
