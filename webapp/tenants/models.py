"""Request and response models of the tenant endpoints (members, invitations, settings)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from webapp.auth.models import EMAIL_PATTERN
from webapp.inputs import RequestModel, not_nullable

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class DayHours(RequestModel):
    """One weekday's opening hours, local to the tenant's time zone ("HH:MM", 24 h)."""

    start: str = Field(pattern=HHMM, examples=["09:00"])
    end: str = Field(pattern=HHMM, examples=["17:30"])

    @model_validator(mode="after")
    def _ordered(self) -> DayHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class TenantSettingsUpdate(RequestModel):
    """Change some of the tenant's settings; absent fields stay as they are.

    `business_hours` replaces only the weekdays it names (null: closed that day);
    `first_response_target_minutes` null removes the target."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra=not_nullable("name", "timezone",
                                                             "business_hours"))
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, min_length=1, max_length=64,
                                 examples=["Europe/Lisbon"])
    business_hours: dict[Weekday, DayHours | None] | None = None
    first_response_target_minutes: int | None = Field(None, ge=1, le=10080)


class DayHoursOut(BaseModel):
    """One weekday's opening hours."""

    start: str
    end: str


class TenantSettings(BaseModel):
    """The tenant's settings as the API shows them."""

    id: int
    name: str
    timezone: str
    business_hours: dict[Weekday, DayHoursOut | None]
    first_response_target_minutes: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class InvitationToken(RequestModel):
    """The token of an invitation link (`/invite#token=...`)."""

    token: str = Field(min_length=16, max_length=200)


class InvitedTenant(BaseModel):
    """The tenant an invitation is for."""

    id: int
    name: str


class InvitationPreview(BaseModel):
    """What the accept page shows: whether to register (no account yet) or sign in."""

    tenant: InvitedTenant
    email: str
    role: str
    expires_at: dt.datetime
    account_exists: bool


class AcceptedInvitation(BaseModel):
    """The membership an accepted invitation created (switch to it with
    POST /auth/switch-tenant)."""

    tenant: InvitedTenant
    role: str
    user_id: int


class Invitation(BaseModel):
    """An invitation as the inviter sees it (the token is never shown again)."""

    id: int
    email: str
    role: str
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: int | None = None
    expires_at: dt.datetime
    accepted_at: dt.datetime | None = None
    accepted_by: int | None = None
    revoked_at: dt.datetime | None = None
    created_at: dt.datetime

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
    last_active_at: dt.datetime | None = None


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
    status: Literal["pending"]
    expires_at: dt.datetime
    created_at: dt.datetime
    token: str
    invite_path: str | None = None
    email_queued: bool = False


class InvitationList(BaseModel):
    """The latest 200 invitations."""

    data: list[Invitation]
    next_cursor: str | None


class TeamChange(BaseModel):
    """A `team.changed` event: what changed in the team (the Team screen reloads that list
    through the API, so each reader sees only what their role may)."""

    what: Literal["member", "invitation"]
    change: Literal["joined", "role", "removed", "created", "revoked", "accepted"]
    id: int = Field(description="the member's user id, or the invitation's id")
