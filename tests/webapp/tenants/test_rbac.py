"""RBAC: the permission table, role changes and the last owner (audited denials and the audit
log itself: tests/webapp/audit/)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.factories import Member, add_member
from webapp.security import rbac

# One representative action per level, and whether each role may do it.
MATRIX = {
    "members.read": {"viewer": True, "member": True, "manager": True, "admin": True, "owner": True},
    "messages.send": {"viewer": False, "member": True, "manager": True, "admin": True,
                      "owner": True},
    "costs.read": {"viewer": False, "member": False, "manager": True, "admin": True,
                   "owner": True},
    "audit.read": {"viewer": False, "member": False, "manager": False, "admin": True,
                   "owner": True},
    "tenant.delete": {"viewer": False, "member": False, "manager": False, "admin": False,
                      "owner": True},
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", rbac.ROLES)
def test_permission_table(role: str, action: str) -> None:
    assert rbac.allowed(role, action) is MATRIX[action][role]


def test_unknown_action_is_never_allowed() -> None:
    assert not rbac.allowed("owner", "no.such.action")


@pytest.mark.parametrize("role", ["viewer", "member", "manager", "admin", "owner"])
def test_endpoints_enforce_roles(client: FlaskClient, owner: Member, role: str) -> None:
    who = owner if role == "owner" else add_member(client, owner, role)
    assert client.get("/api/v1/members", headers=who.headers).status_code == 200
    audit = client.get("/api/v1/audit-logs", headers=who.headers)
    assert audit.status_code == (200 if role in ("admin", "owner") else 403)
    invite = client.post("/api/v1/invitations", headers=who.headers,
                         json={"email": "someone@example.com", "role": "viewer"})
    assert invite.status_code == (201 if role in ("admin", "owner") else 403)
    if audit.status_code == 403:
        body = audit.get_json()["error"]
        assert body["code"] == "forbidden"
        assert body["details"] == {"action": "audit.read", "required_role": "admin"}


def test_last_owner_is_protected(client: FlaskClient, owner: Member) -> None:
    r = client.patch(f"/api/v1/members/{owner.user_id}", headers=owner.headers,
                     json={"role": "admin"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (409, "last_owner")
    r = client.delete(f"/api/v1/members/{owner.user_id}", headers=owner.headers)
    assert (r.status_code, r.get_json()["error"]["code"]) == (409, "last_owner")
    second = add_member(client, owner, "owner")
    r = client.patch(f"/api/v1/members/{owner.user_id}", headers=second.headers,
                     json={"role": "admin"})
    assert r.status_code == 200
    r = client.patch(f"/api/v1/members/{second.user_id}", headers=second.headers,
                     json={"role": "member"})
    assert r.status_code == 409


def test_admin_cannot_grant_or_touch_owner(client: FlaskClient, owner: Member) -> None:
    admin = add_member(client, owner, "admin")
    member = add_member(client, owner, "member")
    r = client.patch(f"/api/v1/members/{member.user_id}", headers=admin.headers,
                     json={"role": "owner"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "owner_only")
    r = client.patch(f"/api/v1/members/{owner.user_id}", headers=admin.headers,
                     json={"role": "viewer"})
    assert r.status_code == 403
    r = client.patch(f"/api/v1/members/{member.user_id}", headers=admin.headers,
                     json={"role": "manager"})
    assert r.status_code == 200
    logs = client.get("/api/v1/audit-logs?action=members.role_change",
                      headers=owner.headers).get_json()["data"]
    allowed = [e for e in logs if e["outcome"] == "allowed"]
    assert allowed[0]["before"] == {"role": "member"} and allowed[0]["after"] == {
        "role": "manager"}
    assert any(e["outcome"] == "denied" for e in logs)


def test_removed_member_is_signed_out(client: FlaskClient, owner: Member) -> None:
    member = add_member(client, owner, "member")
    assert client.delete(f"/api/v1/members/{member.user_id}",
                         headers=owner.headers).status_code == 200
    me = client.get("/api/v1/auth/me", headers=member.headers)
    # Told why (the dashboard says so on the sign-in page), on every request and on refresh.
    assert (me.status_code, me.get_json()["error"]["code"]) == (401, "membership_revoked")
    again = client.post("/api/v1/auth/refresh",
                        headers={"Authorization": f"Bearer {member.refresh}"})
    assert (again.status_code, again.get_json()["error"]["code"]) == (401, "membership_revoked")
    # Signing out is not being removed: the plain code.
    client.post("/api/v1/auth/logout", headers=owner.headers)
    out = client.get("/api/v1/auth/me", headers=owner.headers)
    assert (out.status_code, out.get_json()["error"]["code"]) == (401, "token_revoked")


def test_role_change_applies_to_existing_tokens(client: FlaskClient, owner: Member) -> None:
    admin = add_member(client, owner, "admin")
    assert client.get("/api/v1/audit-logs", headers=admin.headers).status_code == 200
    client.patch(f"/api/v1/members/{admin.user_id}", headers=owner.headers,
                 json={"role": "viewer"})
    assert client.get("/api/v1/audit-logs", headers=admin.headers).status_code == 403
