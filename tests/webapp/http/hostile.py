"""Shared by the hostile-input tests: the declared routes, their fields by type, and requests."""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

import webapp.app  # noqa: F401 - registers every blueprint's routes in REGISTRY
from tests.factories import Member
from webapp.http.api import REGISTRY, EndpointSpec

INT64_MAX = 2**63 - 1
ROUTES = [s for s in REGISTRY if s.path.startswith("/api/")]
DATE_RANGE_ROUTES = [s for s in ROUTES if s.query is not None and "to" in
                     {f.alias or n for n, f in s.query.model_fields.items()}]
PAGED_ROUTES = [s for s in ROUTES if s.query is not None and "cursor" in s.query.model_fields]


def error_of(r: Any) -> dict[str, Any]:
    """The envelope's error (asserting the shape and that it is not a 500)."""
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:500])
    assert r.mimetype == "application/json", r.get_data(as_text=True)[:200]
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def fields_named(r: Any) -> dict[str, str]:
    """`details.fields` of a 400 in the envelope."""
    err = error_of(r)
    assert r.status_code == 400, (r.status_code, err)
    fields: dict[str, str] = err["details"].get("fields", {})
    return fields


def path_of(spec: EndpointSpec, int_arg: str = "1") -> str:
    """The route's path with every `<int:x>` set to int_arg and every other argument filled."""
    path = re.sub(r"<int:\w+>", int_arg, spec.path)
    return re.sub(r"<\w+>", "analysis", path)


def kinds(annotation: Any) -> set[Any]:
    """The scalar types a field accepts (through Optional, unions, lists and Annotated)."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(kinds(a) for a in get_args(annotation) if a is not type(None)))
    if origin is Literal:
        return {str}
    return {annotation}


def fields_of(model: type[BaseModel] | None, kind: type | None = None) -> list[str]:
    """The model's field names as clients send them (aliases), optionally only those of a kind."""
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()
            if kind is None or kind in kinds(f.annotation)]


def is_list(model: type[BaseModel], field: str) -> bool:
    """Whether the field takes a list."""
    for name, f in model.model_fields.items():
        if (f.alias or name) == field:
            return "list[" in str(f.annotation)
    raise KeyError(field)


def cases(kind: type | None, where: str) -> list[Any]:
    """(route, field) parameters for every field of a kind in every route's body or query."""
    return [pytest.param(spec, field, id=f"{spec.method} {spec.path} {field}")
            for spec in ROUTES for field in fields_of(getattr(spec, where), kind)]


def send(client: FlaskClient, spec: EndpointSpec, who: Member | None, *, body: Any = None,
         query: str = "", raw: bytes | None = None) -> Any:
    """Call the route as who (a JSON body, a raw JSON text or a query string)."""
    headers = who.headers if who is not None and spec.auth else {}
    url = path_of(spec) + (f"?{query}" if query else "")
    if raw is not None:
        return client.open(url, method=spec.method.upper(), data=raw, headers=headers,
                           content_type="application/json")
    return client.open(url, method=spec.method.upper(), json=body, headers=headers)
