"""OpenAPI 3.1 document generated from the declared endpoints and their pydantic models.

Each operation gets its success schema from `response=` and the error statuses it can answer
from `error_statuses(spec)`: those that follow from the declaration (a path id can be unknown,
a body or query can be invalid, a signed-in route can be refused...) plus the ones the endpoint
names with `errors=`. There is no `default` response: a status not listed is a defect (the
schemathesis pass in tests/webapp/http/test_fuzz.py fails on it). A JSON success answer carries
the example stored for its operation id (webapp/http/examples.py: captured from the running app).
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Literal

from pydantic import BaseModel

from webapp.http.api import REGISTRY, EndpointSpec
from webapp.http.examples import success_examples
from webapp.inputs import INT64_MAX
from webapp.realtime.protocol import REALTIME_TAG, realtime_components

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# <int:...> matches 0..2**63-1 only (webapp.http.guards.BigintConverter): a larger id is a 404.
_PATH_INT = {"type": "integer", "minimum": 0, "maximum": INT64_MAX}
_ERROR = {
    "type": "object",
    "description": "The one error envelope of every 4xx and 5xx answer.",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "snake_case, stable: branch on it."},
            "message": {"type": "string", "description": "For a person; may change."},
            "details": {"type": "object", "description": "e.g. `fields`: field -> problem."}}}},
    "examples": [{"error": {"code": "validation_error", "message": "Invalid fields: name",
                            "details": {"fields": {"name": "String should have at least 1 "
                                                           "character"}}}}],
}

# What each derived status means, and an example envelope of it.
_STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("Invalid request: a field, query parameter or header is wrong (the envelope's "
          "`details.fields` names each), or the JSON is malformed or too deep.",
          "validation_error", "Invalid fields: limit"),
    401: ("Not signed in: the access token is missing, expired or revoked.",
          "unauthorized", "Sign in again."),
    403: ("Signed in, but the role does not allow this (`details.required_role`), or the "
          "cookie session's CSRF header is missing.", "forbidden",
          "Your role (viewer) cannot do this; it needs member or higher."),
    404: ("No such entity in this tenant (also for another tenant's id).", "not_found",
          "No such conversation."),
    409: ("Conflicts with the current state.", "conflict", "That already exists."),
    413: ("The body is larger than allowed.", "payload_too_large",
          "The body is larger than the 1048576 bytes allowed."),
    422: ("Understood, but it cannot be done in the current state.", "unprocessable",
          "The conversation has no messages to summarise."),
    426: ("Not a WebSocket upgrade request.", "upgrade_required",
          "Connect with a WebSocket client."),
    429: ("Too many requests: wait `Retry-After` seconds (`X-RateLimit-*` headers).",
          "rate_limited", "Too many requests; retry in 12 s."),
    503: ("A dependency (the database, a provider) is unavailable: retry after "
          "`Retry-After` seconds.", "dependency_unavailable",
          "The database is unavailable; try again shortly."),
}
_UNSAFE = {"post", "put", "patch", "delete"}


def path_parameters(spec: EndpointSpec) -> list[tuple[str, str]]:
    """(converter, name) of each path parameter (converter "" for plain strings)."""
    return [(conv, name) for conv, name in _PARAM.findall(spec.path)]


def error_statuses(spec: EndpointSpec) -> dict[int, str]:
    """Every error status the operation can answer, with what it means here.

    Derived from the declaration: any request can be refused by the hostile-input guards (400);
    a path parameter can name nothing in this tenant (404); a body can be too large (413); a
    signed-in route can lack or have a revoked token (401), be refused by the role or, for a
    cookie session's unsafe method, by CSRF (403), and is rate limited (429), as are the sign-in
    routes; every route reaches the database (503). Then the endpoint's own `errors=`.
    """
    out = {400: _STATUS_TEXT[400][0], 503: _STATUS_TEXT[503][0]}
    if spec.auth:
        out[401] = _STATUS_TEXT[401][0]
        if spec.permission or spec.method in _UNSAFE:
            out[403] = _STATUS_TEXT[403][0]
    if spec.auth or spec.rate_limited:
        out[429] = _STATUS_TEXT[429][0]
    if path_parameters(spec):
        out[404] = _STATUS_TEXT[404][0]
    if spec.body is not None:
        out[413] = _STATUS_TEXT[413][0]
    for status, text in spec.errors:
        out[status] = text or _STATUS_TEXT.get(status, ("Error", "", ""))[0]
    return dict(sorted(out.items()))


def _schema(
    model: type[BaseModel], components: dict[str, Any],
    mode: Literal["validation", "serialization"],
) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _summary_and_description(doc: str) -> tuple[str, str]:
    """A docstring's first paragraph (one line) and the rest (dedented)."""
    first, _, rest = inspect.cleandoc(doc).partition("\n\n")
    return " ".join(first.split()), rest.strip()


def _error_response(status: int, text: str) -> dict[str, Any]:
    _, code, message = _STATUS_TEXT.get(status, ("", "error", "Something went wrong."))
    return {"description": text, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"},
        "example": {"error": {"code": code, "message": message, "details": {}}}}}}


def operation_id(spec: EndpointSpec) -> str:
    """The operation's id in the document (also the key of its success example)."""
    return spec.name.replace(".", "_")


def success_example(spec: EndpointSpec, status: int) -> Any:
    """The example of a success answer: one for this status ("<operation id> <status>") or the
    operation's (webapp/http/examples.py); None when there is none."""
    examples = success_examples()
    op_id = operation_id(spec)
    return examples.get(f"{op_id} {status}", examples.get(op_id))


def _success(spec: EndpointSpec, components: dict[str, Any],
             status: int | None = None) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if spec.status == 101:
        ok["description"] = ("Switching protocols: the WebSocket is open. Frames: "
                             "`WebSocketServerFrame` (server -> client) and "
                             "`WebSocketClientFrame` (client -> server), see the realtime tag.")
    elif spec.media_type != "application/json":
        ok["content"] = {spec.media_type: {"schema": {"type": "string"}}}
    elif isinstance(spec.response, type) and issubclass(spec.response, BaseModel):
        ok["content"] = {"application/json": {
            "schema": _schema(spec.response, components, "serialization")}}
        example = success_example(spec, status or spec.status)
        if example is not None:
            ok["content"]["application/json"]["example"] = example
    else:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    return ok


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    summary, description = _summary_and_description(spec.summary)
    op: dict[str, Any] = {"operationId": operation_id(spec), "summary": summary,
                          "tags": list(spec.tags)}
    if description:
        op["description"] = description
    params = [{"name": n, "in": "path", "required": True,
               "schema": dict(_PATH_INT) if conv == "int" else {"type": "string"}}
              for conv, n in path_parameters(spec)]
    if spec.query is not None:
        qs = spec.query.model_json_schema()
        for name, prop in qs.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in qs.get("required", []),
                           "schema": prop})
    if params:
        op["parameters"] = params
    if spec.upload_field is not None:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": [spec.upload_field],
            "properties": {spec.upload_field: {"type": "string", "format": "binary"}}}}}}
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(spec.body, components, "validation")}}}
    op["responses"] = {str(spec.status): _success(spec, components)}
    for status, text in error_statuses(spec).items():
        if 200 <= status < 300:  # another success (e.g. 202 while a job runs): same body model
            op["responses"][str(status)] = {**_success(spec, components, status),
                                            "description": text}
        else:
            op["responses"][str(status)] = _error_response(status, text)
    if spec.auth:
        op["security"] = [{"bearer": []}, {"cookie": []}]
        if spec.permission:
            op["x-permission"] = spec.permission
    return op


_INTRO = """\
The MessageFlow REST API (`/api/v1`) and its WebSocket feed. A longer guide with examples is
docs/api.md in the repository.

**Authentication.** `POST /api/v1/auth/login` (or `/auth/register`) returns an `access_token`
(short-lived JWT) and a `refresh_token`; send `Authorization: Bearer <access_token>`, and renew
with `POST /api/v1/auth/refresh` (`Authorization: Bearer <refresh_token>`). The dashboard uses
HttpOnly cookies instead, with the `X-CSRF-Token` header on every unsafe method.

**Errors** always come as `{"error": {"code", "message", "details"}}` (schema `Error`); a 400
names each bad field in `details.fields`.

**Lists** are `{"data": [...], "next_cursor": "<opaque>|null"}`: pass `?cursor=` from the
previous page, `?limit=` 1..200 (default 50).

**Rate limit**: 60 requests per minute per user (429 with `Retry-After`).
"""


def build_document(version: str = "0.1.0") -> dict[str, Any]:
    """The whole document, one path item per declared route."""
    components: dict[str, Any] = {"Error": _ERROR}
    paths: dict[str, Any] = {}
    tags: dict[str, None] = {}
    for spec in REGISTRY:
        path = _PARAM.sub(lambda mt: "{" + mt.group(2) + "}", spec.path)
        paths.setdefault(path, {})[spec.method] = _operation(spec, components)
        tags.update(dict.fromkeys(spec.tags))
    components.update(realtime_components())
    tag_list = [REALTIME_TAG if t == REALTIME_TAG["name"] else {"name": t} for t in tags]
    if REALTIME_TAG["name"] not in tags:
        tag_list.append(REALTIME_TAG)
    return {
        "openapi": "3.1.0",
        "info": {"title": "MessageFlow API", "version": version, "description": _INTRO},
        "servers": [{"url": "/"}],
        "tags": tag_list,
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"},
            },
        },
    }
