"""Members and invitations endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.tenants import service
from webapp.tenants.models import (
    InvitationCreated,
    InvitationList,
    InvitationRequest,
    MemberList,
    MemberRemoved,
    RoleChange,
    RoleChanged,
)

bp = Blueprint("team", __name__, url_prefix="/api/v1")

@endpoint(bp, "/members", permission="members.read", response=MemberList)
def list_members(call: Call[None, None]) -> dict[str, Any]:
    """Everyone in the tenant with their role."""
    return {"data": service.list_members(db(), call.who), "next_cursor": None}


@endpoint(bp, "/members/<int:user_id>", method="PATCH", permission="members.manage",
          body=RoleChange, response=RoleChanged,
          errors={409: "The last owner cannot be demoted."})
def change_role(call: Call[RoleChange, None], user_id: int) -> dict[str, Any]:
    """Change a member's role (admins cannot grant owner; the last owner is protected)."""
    service.change_role(db(), call.who, user_id, call.body.role, call.meta)
    return {"user_id": user_id, "role": call.body.role}


@endpoint(bp, "/members/<int:user_id>", method="DELETE", permission="members.manage",
          response=MemberRemoved, errors={409: "The last owner cannot be removed."})
def remove_member(call: Call[None, None], user_id: int) -> dict[str, Any]:
    """Remove a member from the tenant."""
    service.remove_member(db(), call.who, user_id, call.meta)
    return {"status": "removed", "user_id": user_id}


@endpoint(bp, "/invitations", method="POST", permission="invitations.manage",
          body=InvitationRequest, response=InvitationCreated, status=201)
def create_invitation(call: Call[InvitationRequest, None]) -> dict[str, Any]:
    """Invite by email; the response carries the single-use token once."""
    b = call.body
    return service.invite(db(), call.who, b.email, b.role, call.meta, b.expires_in_days)


@endpoint(bp, "/invitations", permission="invitations.manage", response=InvitationList)
def list_invitations(call: Call[None, None]) -> dict[str, Any]:
    """Pending and used invitations."""
    return {"data": service.list_invitations(db(), call.who), "next_cursor": None}
