"""Action-item endpoints (/api/v1/action-items): the kanban's cards, accept and reject."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, current_app
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from webapp.actions import comments, service
from webapp.actions.filters import ItemFilters
from webapp.http.api import Call, endpoint
from webapp.http.context import db, read_cache
from webapp.inputs import Day, Id, IdOrZero, RequestModel, not_nullable
from webapp.pagination import PageQuery

bp = Blueprint("actions", __name__, url_prefix="/api/v1")

Status = Literal["proposed", "todo", "in_progress", "blocked", "done", "rejected"]
Priority = Literal["urgent", "high", "normal", "low"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
INDEX_HELP = "0-based index in the target column (status); past the end puts it last"


class Provenance(BaseModel):
    """Where an item came from: a person (`manual`) or an analysis run and its model."""

    source: str = Field(description="manual, analysis, summary or extraction")
    created_by: int | None
    created_by_name: str | None
    analysis_id: int | None
    provider_id: int | None
    provider_name: str | None
    provider_kind: str | None
    model: str | None


class ActionItem(BaseModel):
    """An action item (also the data of `action_item.created|updated` frames)."""

    id: int
    title: str
    description: str
    status: Status
    priority: Priority
    position: float = Field(description="ascending sort key within the status column")
    due_date: dt.date | None
    assignee_id: int | None
    assignee_name: str | None
    conversation_id: int | None
    conversation_title: str | None
    source_message_id: int | None
    origin: Literal["manual", "proposed"]
    provenance: Provenance
    comment_count: int
    created_at: str
    updated_at: str


class ActionItemList(BaseModel):
    """A page of action items."""

    data: list[ActionItem]
    next_cursor: str | None


class ActionItemCreate(RequestModel):
    """A new action item written by a person (status defaults to todo)."""

    title: Title
    description: Description = ""
    status: Literal["todo", "in_progress", "blocked", "done"] = "todo"
    priority: Priority = "normal"
    due_date: Day | None = Field(None, description="YYYY-MM-DD, today or later")
    assignee_id: Id | None = Field(None, description="a member of the team")
    conversation_id: Id | None = None
    source_message_id: Id | None = Field(None, description="its conversation is implied")
    position: IdOrZero | None = Field(None, description=INDEX_HELP)


class ActionItemChange(RequestModel):
    """Fields to change (absent: unchanged; `due_date` and `assignee_id` may be null).
    `status` and/or `position` move the card; `position` is the index in the target column."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "title", "description", "status", "priority", "position", extra={"minProperties": 1}))
    title: Title | None = None
    description: Description | None = None
    status: Status | None = None
    priority: Priority | None = None
    due_date: Day | None = None
    assignee_id: Id | None = None
    position: IdOrZero | None = Field(None, description=INDEX_HELP)

    @field_validator("title", "description", "status", "priority", "position", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> ActionItemChange:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


class Deleted(BaseModel):
    """The deleted item's id."""

    status: Literal["deleted"]
    id: int


@endpoint(bp, "/action-items", permission="actions.read", query=ItemFilters,
          response=ActionItemList, reuse_transaction=True)
def list_items(call: Call[None, ItemFilters]) -> Response:
    """Action items, newest first or in column order (`order=position`); filters `status`
    (comma-separated), `assignee` (id, me, none), `due_before`, `conversation_id`, `origin`."""
    body = service.list_items(db(), call.who, call.query, _json_body, read_cache("action_items"))
    return current_app.response_class(body, mimetype="application/json")


def _json_body(page: dict[str, Any]) -> bytes:
    """What jsonify would send (the app's JSON provider, a final newline), kept as bytes so a
    reused page is not encoded again."""
    return f"{current_app.json.dumps(page)}\n".encode()


@endpoint(bp, "/action-items", method="POST", permission="actions.write",
          body=ActionItemCreate, response=ActionItem, status=201,
          errors={409: "The item conflicts with the current state (e.g. a source message's "
                       "conversation)."})
def create_item(call: Call[ActionItemCreate, None]) -> dict[str, Any]:
    """Create an action item (manual, by the caller)."""
    return service.create_item(db(), call.who, call.body.model_dump(), call.meta)


@endpoint(bp, "/action-items/<int:item_id>", permission="actions.read", response=ActionItem)
def get_item(call: Call[None, None], item_id: int) -> dict[str, Any]:
    """One action item."""
    return service.get_item(db(), call.who, item_id)


@endpoint(bp, "/action-items/<int:item_id>", method="PATCH", permission="actions.write",
          body=ActionItemChange, response=ActionItem,
          errors={409: "The change conflicts with the item's current state."})
def update_item(call: Call[ActionItemChange, None], item_id: int) -> dict[str, Any]:
    """Change an action item; `status`/`position` move it on the kanban (others reorder)."""
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return service.update_item(db(), call.who, item_id, changes, call.meta)


@endpoint(bp, "/action-items/<int:item_id>", method="DELETE", permission="actions.write",
          response=Deleted)
def delete_item(call: Call[None, None], item_id: int) -> dict[str, Any]:
    """Delete an action item and its comments (audited)."""
    service.delete_item(db(), call.who, item_id, call.meta)
    return {"status": "deleted", "id": item_id}


@endpoint(bp, "/action-items/<int:item_id>/accept", method="POST", permission="actions.write",
          response=ActionItem, errors={409: "The item is not proposed (any more)."})
def accept_item(call: Call[None, None], item_id: int) -> dict[str, Any]:
    """Accept a proposed item: it moves to todo (409 unless proposed)."""
    return service.update_item(db(), call.who, item_id, {"status": "todo"}, call.meta,
                               action="actions.accept", expect_status="proposed")


@endpoint(bp, "/action-items/<int:item_id>/reject", method="POST", permission="actions.write",
          response=ActionItem, errors={409: "The item is not proposed (any more)."})
def reject_item(call: Call[None, None], item_id: int) -> dict[str, Any]:
    """Reject a proposed item: kept as rejected, feedback on the model (409 unless proposed)."""
    return service.update_item(db(), call.who, item_id, {"status": "rejected"}, call.meta,
                               action="actions.reject", expect_status="proposed")


class MentionOut(BaseModel):
    """A member named in the comment, as resolved when it was written."""

    user_id: int
    name: str
    email: str
    text: str = Field(description="what the comment wrote, e.g. @Ana")


class Comment(BaseModel):
    """A comment on an action item (also the data of a `comment.created` frame)."""

    id: int
    action_item_id: int
    author_id: int | None
    author_name: str | None
    body: str
    mentions: list[MentionOut]
    created_at: str


class CommentList(BaseModel):
    """A page of comments, oldest first."""

    data: list[Comment]
    next_cursor: str | None


class CommentCreate(RequestModel):
    """The comment's text; `@Full Name`, `@FirstName` (when unique) or `@email` mention members."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=5000)]


class CommentDeleted(BaseModel):
    """The deleted comment (also the data of a `comment.deleted` frame)."""

    status: Literal["deleted"]
    id: int
    action_item_id: int


@endpoint(bp, "/action-items/<int:item_id>/comments", permission="actions.read",
          query=PageQuery, response=CommentList)
def list_comments(call: Call[None, PageQuery], item_id: int) -> dict[str, Any]:
    """An action item's comments, oldest first."""
    q = call.query
    return comments.list_comments(db(), call.who, item_id, limit=q.limit, cursor=q.cursor)


@endpoint(bp, "/action-items/<int:item_id>/comments", method="POST",
          permission="comments.write", body=CommentCreate, response=Comment, status=201)
def create_comment(call: Call[CommentCreate, None], item_id: int) -> dict[str, Any]:
    """Comment on an action item; mentioned members are notified."""
    return comments.create_comment(db(), call.who, item_id, call.body.body, call.meta)


@endpoint(bp, "/comments/<int:comment_id>", method="DELETE", permission="comments.write",
          response=CommentDeleted)
def delete_comment(call: Call[None, None], comment_id: int) -> dict[str, Any]:
    """Delete a comment: its author, or a manager and up (others: 403, audited)."""
    return comments.delete_comment(db(), call.who, comment_id, call.meta)
