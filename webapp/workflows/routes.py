"""Workflow endpoints (/api/v1/workflows): the vocabulary, CRUD, executions and dry runs.
Managers and up read; admins and up write."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import Id, Int, RequestModel, not_nullable
from webapp.pagination import PageQuery
from webapp.workflows import engine, service, vocabulary

bp = Blueprint("workflows", __name__, url_prefix="/api/v1")


class WorkflowCreate(RequestModel):
    """A new workflow: a trigger, conditions (`{"all": [...]}` or `{"any": [...]}`, nestable
    one level) and ordered actions, as the vocabulary describes them."""

    name: str = Field(min_length=1, max_length=100)
    enabled: bool = True
    trigger: dict[str, Any]
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[Any]


class WorkflowChange(RequestModel):
    """Fields to change; absent fields stay (the result is validated as a whole)."""

    model_config = ConfigDict(json_schema_extra=not_nullable(
        "name", "enabled", "trigger", "conditions", "actions", extra={"minProperties": 1}))
    name: str | None = Field(None, min_length=1, max_length=100)
    enabled: bool | None = None
    trigger: dict[str, Any] | None = None
    conditions: dict[str, Any] | None = None
    actions: list[Any] | None = None

    @field_validator("name", "enabled", "trigger", "conditions", "actions", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> WorkflowChange:
        if not self.model_fields_set:
            raise ValueError("give at least one field")
        return self


class DryRun(RequestModel):
    """One stored message (`message_id`) or the last `last` inbound messages (default 20)."""

    message_id: Id | None = None
    last: Int = Field(20, ge=1, le=200)


class DefinitionDryRun(RequestModel):
    """An unsaved workflow (validated like a create) and the messages to try it on: one
    stored message (`message_id`) or the last `last` inbound messages (default 20)."""

    name: str = Field("Unsaved workflow", min_length=1, max_length=100)
    trigger: dict[str, Any]
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[Any]
    message_id: Id | None = None
    last: Int = Field(20, ge=1, le=200)


class Workflow(BaseModel):
    """A workflow."""

    id: int
    name: str
    enabled: bool
    trigger: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    created_by: int | None
    created_at: str
    updated_at: str
    last_executed_at: str | None


class WorkflowList(BaseModel):
    """The team's workflows, newest first."""

    data: list[Workflow]
    next_cursor: None


class Deleted(BaseModel):
    """A deleted workflow."""

    status: str
    id: int


class Execution(BaseModel):
    """One run of a workflow on one event: whether it matched, each action's result."""

    id: int
    workflow_id: int
    event_key: str
    event_id: int | None
    trigger: str
    message_id: int | None
    status: str
    matched: bool
    skipped: str | None
    results: list[dict[str, Any]]
    duration_ms: int
    error: str | None
    dry_run: bool
    created_at: str


class ExecutionPage(BaseModel):
    """A page of executions, newest first."""

    data: list[Execution]
    next_cursor: str | None


class DryRunResult(BaseModel):
    """Per message: whether the workflow would match and what each action would do
    (`workflow_id` is null for an unsaved definition)."""

    workflow_id: int | None
    dry_run: bool
    data: list[dict[str, Any]]


class Vocabulary(BaseModel):
    """Triggers, conditions and actions with their parameters."""

    triggers: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    condition_groups: list[str]
    limits: dict[str, int]


@endpoint(bp, "/workflows/vocabulary", permission="workflows.read", response=Vocabulary)
def get_vocabulary(call: Call[None, None]) -> dict[str, Any]:
    """What a workflow may use, as data."""
    return vocabulary.vocabulary()


@endpoint(bp, "/workflows", permission="workflows.read", response=WorkflowList)
def list_workflows(call: Call[None, None]) -> dict[str, Any]:
    """The team's workflows."""
    return {"data": service.list_workflows(db(), call.who), "next_cursor": None}


@endpoint(bp, "/workflows", method="POST", permission="workflows.manage",
          body=WorkflowCreate, response=Workflow, status=201)
def create_workflow(call: Call[WorkflowCreate, None]) -> dict[str, Any]:
    """Create a workflow (400 naming the JSON path of anything outside the vocabulary)."""
    return service.create(db(), call.who, call.body.model_dump(), call.meta)


@endpoint(bp, "/workflows/<int:workflow_id>", permission="workflows.read", response=Workflow)
def get_workflow(call: Call[None, None], workflow_id: int) -> dict[str, Any]:
    """One workflow."""
    return service.get(db(), call.who, workflow_id)


@endpoint(bp, "/workflows/<int:workflow_id>", method="PATCH", permission="workflows.manage",
          body=WorkflowChange, response=Workflow)
def update_workflow(call: Call[WorkflowChange, None], workflow_id: int) -> dict[str, Any]:
    """Change a workflow (turn it on or off with `enabled`)."""
    changes = call.body.model_dump(include=call.body.model_fields_set)
    return service.update(db(), call.who, workflow_id, changes, call.meta)


@endpoint(bp, "/workflows/<int:workflow_id>", method="DELETE", permission="workflows.manage",
          response=Deleted)
def delete_workflow(call: Call[None, None], workflow_id: int) -> dict[str, Any]:
    """Delete a workflow and its executions."""
    service.delete(db(), call.who, workflow_id, call.meta)
    return {"status": "deleted", "id": workflow_id}


@endpoint(bp, "/workflows/<int:workflow_id>/executions", permission="workflows.read",
          query=PageQuery, response=ExecutionPage)
def list_executions(call: Call[None, PageQuery], workflow_id: int) -> dict[str, Any]:
    """The workflow's executions, newest first (paginated)."""
    q = call.query
    return service.executions(db(), call.who, workflow_id, q.limit, q.cursor)


@endpoint(bp, "/workflows/<int:workflow_id>/test", method="POST",
          permission="workflows.manage", body=DryRun, response=DryRunResult)
def test_workflow(call: Call[DryRun, None], workflow_id: int) -> dict[str, Any]:
    """Dry run: which stored messages would match and what each action would do (nothing is
    written or sent). An action item trigger runs on the last `last` items instead, a
    schedule on its next due minutes (`due_at`)."""
    b = call.body
    return engine.dry_run(db(), call.who, workflow_id, b.message_id, b.last)


@endpoint(bp, "/workflows/test", method="POST", permission="workflows.manage",
          body=DefinitionDryRun, response=DryRunResult)
def test_definition(call: Call[DefinitionDryRun, None]) -> dict[str, Any]:
    """Dry run of an unsaved workflow (the builder's "try it" before saving): validated like
    a create (400 naming the path), then run like POST /workflows/:id/test."""
    b = call.body
    definition = service.checked_definition(b.model_dump())
    return engine.dry_run(db(), call.who, None, b.message_id, b.last, definition)
