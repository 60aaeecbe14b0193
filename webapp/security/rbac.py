"""Roles and the one permission table: every route declares one of these actions."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("viewer", "member", "manager", "admin", "owner")
RANK = {role: i for i, role in enumerate(ROLES)}

# action -> minimum role. Routes name an action; nothing checks roles any other way.
PERMISSIONS: dict[str, str] = {
    "tenant.read": "viewer",
    "members.read": "viewer",
    "conversations.read": "viewer",
    "labels.read": "viewer",
    "messages.send": "member",
    "notes.write": "member",
    "conversations.update": "member",
    "labels.apply": "member",
    "actions.write": "member",
    "analysis.run": "member",
    "important.update": "member",
    "llm.usage.read": "manager",
    "costs.read": "manager",
    "labels.manage": "manager",
    "canned.manage": "manager",
    "notes.moderate": "manager",  # delete another member's private note
    "members.manage": "admin",
    "invitations.manage": "admin",
    "audit.read": "admin",
    "audit.write": "admin",
    "devices.manage": "admin",
    "llm.providers.manage": "admin",
    "integrations.manage": "admin",
    "tenant.delete": "owner",
    "actions.read": "viewer",
    "notifications.read": "viewer",
    "comments.write": "member",
    "notifications.send": "manager",
    "team.activity.read": "manager",
    "tenant.manage": "admin",
    "workflows.read": "manager",
    "workflows.manage": "admin",
}

# Actions that are written to audit_logs even when allowed.
SENSITIVE = frozenset(
    {"members.manage", "invitations.manage", "audit.write", "devices.manage",
     "llm.providers.manage", "integrations.manage", "tenant.delete",
     "tenant.manage", "workflows.manage"}
)


def allowed(role: str, action: str) -> bool:
    """Whether a member with this role may perform the action (unknown action: never)."""
    need = PERMISSIONS.get(action)
    return need is not None and RANK.get(role, -1) >= RANK[need]


def can_assign(actor_role: str, current_role: str | None, new_role: str) -> bool:
    """Admins manage roles below owner; only owners grant, change or remove owners."""
    if new_role not in RANK:
        return False
    if actor_role == "owner":
        return True
    if actor_role != "admin":
        return False
    return new_role != "owner" and current_role != "owner"
