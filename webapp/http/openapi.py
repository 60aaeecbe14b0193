"""OpenAPI 3.1 document generated from the declared endpoints and their pydantic models."""

from __future__ import annotations

import inspect
import re
from typing import Any, Literal

from pydantic import BaseModel

from webapp.http.api import REGISTRY, EndpointSpec
from webapp.inputs import INT64_MAX

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# <int:...> matches 0..2**63-1 only (webapp.http.guards.BigintConverter): a larger id is a 404.
_PATH_INT = {"type": "integer", "minimum": 0, "maximum": INT64_MAX}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                             "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"},
                                            "details": {"type": "object"}}}},
}


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


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    summary, description = _summary_and_description(spec.summary)
    op: dict[str, Any] = {"operationId": spec.name.replace(".", "_"), "summary": summary,
                          "tags": list(spec.tags)}
    if description:
        op["description"] = description
    params = [{"name": n, "in": "path", "required": True,
               "schema": dict(_PATH_INT) if conv == "int" else {"type": "string"}}
              for conv, n in _PARAM.findall(spec.path)]
    if spec.query is not None:
        qs = spec.query.model_json_schema()
        for name, prop in qs.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in qs.get("required", []),
                           "schema": prop})
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(spec.body, components, "validation")}}}
    ok: dict[str, Any] = {"description": "Success"}
    if spec.media_type != "application/json":
        ok["content"] = {spec.media_type: {"schema": {"type": "string"}}}
    elif isinstance(spec.response, type) and issubclass(spec.response, BaseModel):
        ok["content"] = {"application/json": {
            "schema": _schema(spec.response, components, "serialization")}}
    else:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    err = {"description": "Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = {str(spec.status): ok, "400": err, "default": err}
    if spec.auth:
        op["security"] = [{"bearer": []}, {"cookie": []}]
        op["responses"]["401"] = err
        if spec.permission:
            op["responses"]["403"] = err
            op["x-permission"] = spec.permission
    if spec.rate_limited or spec.auth:
        op["responses"]["429"] = err
    return op


def build_document(version: str = "0.1.0") -> dict[str, Any]:
    """The whole document, one path item per declared route."""
    components: dict[str, Any] = {"Error": _ERROR}
    paths: dict[str, Any] = {}
    for spec in REGISTRY:
        path = _PARAM.sub(lambda mt: "{" + mt.group(2) + "}", spec.path)
        paths.setdefault(path, {})[spec.method] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "MessageFlow API", "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"},
            },
        },
    }
