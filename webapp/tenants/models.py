"""Request and response models of the members and invitations endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from webapp.auth.models import EMAIL_PATTERN
from webapp.inputs import RequestModel

Role = Literal["owner", "admin", "manager", "member", "viewer"]


class RoleChange(RequestModel):
    """A new role for a member."""

    role: Role


class InvitationRequest(RequestModel):
    """Invite someone by email with a role below owner."""

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    role: Literal["admin", "manager", "member", "viewer"] = "member"
    expires_in_days: int = Field(7, ge=1, le=30)


class MemberInfo(BaseModel):
    """A member of the tenant."""

    id: int
    email: str
    name: str
    role: Role
    joined_at: dt.datetime
    last_login_at: dt.datetime | None


class MemberList(BaseModel):
    """Everyone in the tenant."""

    data: list[MemberInfo]
    next_cursor: str | None


class RoleChanged(BaseModel):
    """`{"user_id", "role"}` after a role change."""

    user_id: int
    role: Role


class MemberRemoved(BaseModel):
    """`{"status": "removed", "user_id"}`."""

    status: Literal["removed"]
    user_id: int


class InvitationCreated(BaseModel):
    """A new invitation; `token` is shown this once (send it to the invitee)."""

    id: int
    email: str
    role: Role
    expires_at: dt.datetime
    created_at: dt.datetime
    token: str


class Invitation(BaseModel):
    """An invitation, pending or used (`accepted_at`)."""

    id: int
    email: str
    role: Role
    invited_by: int | None
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    created_at: dt.datetime


class InvitationList(BaseModel):
    """The latest 200 invitations."""

    data: list[Invitation]
    next_cursor: str | None
