"""Who is calling: the signed-in member of one tenant, as loaded for this request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """A user acting in one tenant with one role, through one sign-in session."""

    user_id: int
    tenant_id: int
    role: str
    session_id: str
    email: str
    name: str
    tenant_name: str


@dataclass(frozen=True)
class RequestMeta:
    """Where a request came from, for audit and activity logs."""

    ip: str | None
    user_agent: str | None
