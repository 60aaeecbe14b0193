"""Members and invitations endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.errors import ValidationFailed
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.integrations.routes import mail_setup
from webapp.mail.invitations import send_invitation
from webapp.tenants import invitations, service, settings
from webapp.tenants.models import (
    AcceptedInvitation,
    Invitation,
    InvitationCreated,
    InvitationList,
    InvitationPreview,
    InvitationRequest,
    InvitationToken,
    MemberList,
    MemberRemoved,
    RoleChange,
    RoleChanged,
    TenantSettings,
    TenantSettingsUpdate,
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
    invitation = service.invite(db(), call.who, b.email, b.role, call.meta, b.expires_in_days)
    invitation["email_queued"] = send_invitation(db(), mail_setup(), call.who, invitation,
                                                 b.expires_in_days)
    return invitation


@endpoint(bp, "/invitations", permission="invitations.manage", response=InvitationList)
def list_invitations(call: Call[None, None]) -> dict[str, Any]:
    """Invitations, newest first, each with its status (pending, accepted, revoked, expired)."""
    return {"data": service.list_invitations(db(), call.who), "next_cursor": None}


@endpoint(bp, "/invitations/<int:invitation_id>", method="DELETE",
          permission="invitations.manage", response=Invitation,
          errors={409: "The invitation was already accepted."})
def revoke_invitation(call: Call[None, None], invitation_id: int) -> dict[str, Any]:
    """Withdraw a pending invitation: its link stops working (audited)."""
    return invitations.revoke(db(), call.who, invitation_id, call.meta)


@endpoint(bp, "/invitations/preview", method="POST", permission=None, auth=False,
          errors={404: "The invitation is unknown, used, revoked or expired."},
          body=InvitationToken, response=InvitationPreview, auth_rate_limited=True)
def preview_invitation(call: Call[InvitationToken, None]) -> dict[str, Any]:
    """For the accept page: the tenant, invited address and role, and whether that address
    has an account (sign in and accept) or not (register). 404 with a code saying why when
    the invitation is unknown, used, revoked or expired."""
    return invitations.preview(db(), call.body.token)


@endpoint(bp, "/invitations/accept", method="POST", permission=None, body=InvitationToken,
          response=AcceptedInvitation, status=201,
          errors={404: "The invitation is unknown, used, revoked or expired.",
                  409: "Already a member of that tenant."})
def accept_invitation(call: Call[InvitationToken, None]) -> dict[str, Any]:
    """Join the inviting tenant with the signed-in account (403 for another address, 409 when
    already a member); then POST /auth/switch-tenant to work there."""
    return invitations.accept(db(), call.who, call.body.token, call.meta)


# -- tenant settings -------------------------------------------------------------------------
@endpoint(bp, "/tenant/settings", permission="tenant.read", response=TenantSettings)
def get_tenant_settings(call: Call[None, None]) -> dict[str, Any]:
    """The tenant's name, time zone, business hours and first-response target."""
    return settings.get_settings(db(), call.who)


@endpoint(bp, "/tenant/settings", method="PATCH", permission="tenant.manage",
          body=TenantSettingsUpdate, response=TenantSettings)
def update_tenant_settings(call: Call[TenantSettingsUpdate, None]) -> dict[str, Any]:
    """Change the tenant's settings (audited with before and after)."""
    given = call.body.model_dump(include=call.body.model_fields_set)
    nulls = {k: "cannot be null" for k in ("name", "timezone", "business_hours")
             if k in given and given[k] is None}
    if nulls:
        raise ValidationFailed("These settings cannot be empty.", details={"fields": nulls})
    return settings.update_settings(db(), call.who, given, call.meta)
