"""Declaring an endpoint: authenticate -> authorize (one permission table) -> validate -> call.

Every API route is declared with `endpoint(...)`; the declarations also feed the OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import Blueprint, Response, g, jsonify, request
from flask_jwt_extended import verify_jwt_in_request
from pydantic import BaseModel, ValidationError

from webapp.errors import Forbidden, Unauthorized, ValidationFailed
from webapp.http import request_tx
from webapp.http.context import HOLD_TRANSACTION, audit_denial, request_meta
from webapp.security import rbac
from webapp.security.principal import Principal, RequestMeta

B = TypeVar("B")
Q = TypeVar("Q")


@dataclass
class Call(Generic[B, Q]):
    """What a view receives: the caller, the validated body and query, request metadata."""

    principal: Principal | None
    body: B
    query: Q
    meta: RequestMeta

    @property
    def who(self) -> Principal:
        """The signed-in principal (declared routes with auth=True always have one)."""
        if self.principal is None:
            raise Unauthorized("Sign in first.")
        return self.principal


@dataclass(frozen=True)
class EndpointSpec:
    """One declared route, as the OpenAPI generator sees it."""

    path: str
    method: str
    name: str
    summary: str
    permission: str | None
    auth: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    tags: tuple[str, ...] = field(default_factory=tuple)
    rate_limited: bool = False
    reuse_transaction: bool = False
    media_type: str = "application/json"
    upload_field: str | None = None  # a multipart/form-data request carrying one file here
    # Error statuses the view can answer beyond those derived from the declaration (see
    # webapp.http.openapi.error_statuses), each with what it means for this operation.
    errors: tuple[tuple[int, str], ...] = ()


def _error_list(errors: Mapping[int, str] | Iterable[int]) -> tuple[tuple[int, str], ...]:
    if isinstance(errors, Mapping):
        return tuple(sorted((int(k), str(v)) for k, v in errors.items()))
    return tuple(sorted((int(k), "") for k in errors))


REGISTRY: list[EndpointSpec] = []


def endpoint(
    bp: Blueprint,
    rule: str,
    *,
    method: str = "GET",
    permission: str | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    auth: bool = True,
    summary: str = "",
    auth_rate_limited: bool = False,
    reuse_transaction: bool = False,
    media_type: str = "application/json",
    upload_field: str | None = None,
    errors: Mapping[int, str] | Iterable[int] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on bp; views take (call, **url_args) and return data or a Response.

    `reuse_transaction=True`: the transaction that loads the caller stays open and the view's
    first `db().tenant()` for the caller's tenant continues it (one connection, fewer round
    trips; see webapp.http.request_tx). For views that reach the database promptly.
    `media_type`: what a successful response is, for the OpenAPI document (a view answering
    anything but JSON returns its own Response).
    `errors`: the error statuses the view answers beyond those that follow from the
    declaration (path ids -> 404, body/query -> 400, auth -> 401, permission -> 403, ...), e.g.
    `{409: "The name is taken."}` or `(409, 422)`.
    """
    extra_errors = _error_list(errors)
    if auth and permission is not None and permission not in rbac.PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            if not (auth and reuse_transaction):
                return respond(call_view(kwargs))
            g.setdefault(HOLD_TRANSACTION, True)
            try:
                result = call_view(kwargs)
            except BaseException as exc:
                request_tx.release(exc)
                raise
            request_tx.release()
            return respond(result)

        def call_view(kwargs: dict[str, Any]) -> Any:
            principal = authenticate() if auth else None
            if principal is not None and permission is not None:
                authorize(principal, permission)
            call = Call(
                principal=principal,
                body=parse_body(body) if body is not None else None,
                query=parse_query(query) if query is not None else None,
                meta=request_meta(),
            )
            return fn(call, **kwargs)

        def respond(result: Any) -> Any:
            if isinstance(result, Response):
                return result
            resp = jsonify(result)
            resp.status_code = status
            return resp

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        REGISTRY.append(
            EndpointSpec(
                path=(bp.url_prefix or "") + rule, method=method.lower(),
                name=f"{bp.name}.{fn.__name__}", summary=summary or (fn.__doc__ or "").strip(),
                permission=permission, auth=auth, body=body, query=query, response=response,
                status=status, tags=(bp.name,), rate_limited=auth_rate_limited,
                reuse_transaction=reuse_transaction, media_type=media_type,
                upload_field=upload_field,
                errors=extra_errors,
            )
        )
        return view

    return deco


def authenticate() -> Principal:
    """Verify the access token (Bearer header or cookie + CSRF) and return the principal."""
    verify_jwt_in_request(locations=["headers", "cookies"])
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthorized("Sign in again.", code="token_revoked")
    return principal


def authorize(principal: Principal, action: str) -> None:
    """Raise Forbidden (and audit the denial) unless the principal's role allows the action."""
    if not rbac.allowed(principal.role, action):
        audit_denial(principal, action)
        need = rbac.PERMISSIONS[action]
        raise Forbidden(
            f"Your role ({principal.role}) cannot do this; it needs {need} or higher.",
            details={"action": action, "required_role": need},
        )


# pydantic's wording for these names our classes ("... instance of ReplyRequest").
_PLAIN_MESSAGES = {"extra_forbidden": "unknown field", "model_type": "must be a JSON object"}


def _field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        out.setdefault(loc, _PLAIN_MESSAGES.get(err["type"], err["msg"]))
    return out


def validate(model: type[BaseModel], data: Any, what: str) -> BaseModel:
    """Validate Python data (e.g. query-string values) against a model, or raise a 400 naming
    every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, what) from exc


def validate_json(model: type[BaseModel], raw: bytes | str) -> BaseModel:
    """Validate a JSON text in pydantic's strict JSON mode, or raise a 400 naming the fields:
    an integer is a JSON integer (not `true`, `"1"` or `1.0`), a boolean a JSON boolean, while
    times, dates and decimals still come as strings."""
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise _invalid(exc, "fields") from exc


def _invalid(exc: ValidationError, what: str) -> ValidationFailed:
    fields = _field_errors(exc)
    return ValidationFailed(
        f"Invalid {what}: " + ", ".join(sorted(fields)), details={"fields": fields}
    )


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body validated against the model, or a 400 naming the fields (text PostgreSQL
    cannot store and too-deep nesting were refused before the view; webapp.http.guards)."""
    if not request.is_json:
        raise ValidationFailed(
            "Send a JSON body with Content-Type: application/json.", code="invalid_content_type"
        )
    if request.get_json(silent=True) is None:
        raise ValidationFailed("The request body is not valid JSON.", code="malformed_json")
    return validate_json(model, request.get_data(cache=True))


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Query-string arguments validated against the model, or a 400 naming them."""
    raw: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    return validate(model, raw, "query parameters")
