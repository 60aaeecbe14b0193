"""RBAC: the permission table, role changes, the last owner, and audited denials."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.webapp.conftest import Member, add_member
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


def test_denial_is_audited(client: FlaskClient, owner: Member) -> None:
    member = add_member(client, owner, "member")
    assert client.get("/api/v1/audit-logs", headers=member.headers).status_code == 403
    logs = client.get("/api/v1/audit-logs?action=audit.read", headers=owner.headers).get_json()
    denied = [e for e in logs["data"] if e["outcome"] == "denied"]
    assert denied and denied[0]["actor_user_id"] == member.user_id
    assert denied[0]["details"]["path"] == "/api/v1/audit-logs"
    assert denied[0]["ip"] == "127.0.0.1"


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
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401


def test_role_change_applies_to_existing_tokens(client: FlaskClient, owner: Member) -> None:
    admin = add_member(client, owner, "admin")
    assert client.get("/api/v1/audit-logs", headers=admin.headers).status_code == 200
    client.patch(f"/api/v1/members/{admin.user_id}", headers=owner.headers,
                 json={"role": "viewer"})
    assert client.get("/api/v1/audit-logs", headers=admin.headers).status_code == 403


def test_audit_log_endpoints(client: FlaskClient, owner: Member) -> None:
    r = client.post("/api/v1/audit-logs", headers=owner.headers, json={
        "action": "export.csv", "target_type": "conversations", "details": {"rows": 12}})
    assert r.status_code == 201 and r.get_json()["action"] == "client.export.csv"
    for _ in range(3):
        client.post("/api/v1/audit-logs", headers=owner.headers, json={"action": "export.csv"})
    page1 = client.get("/api/v1/audit-logs?limit=2&action=client.export.csv",
                       headers=owner.headers).get_json()
    assert len(page1["data"]) == 2 and page1["next_cursor"]
    page2 = client.get(f"/api/v1/audit-logs?limit=2&action=client.export.csv"
                       f"&cursor={page1['next_cursor']}", headers=owner.headers).get_json()
    ids = [e["id"] for e in page1["data"] + page2["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    bad = client.post("/api/v1/audit-logs", headers=owner.headers, json={"action": "DROP TABLE"})
    assert bad.status_code == 400
    mine = client.get(f"/api/v1/audit-logs?actor={owner.user_id}&since=2020-01-01T00:00:00Z",
                      headers=owner.headers).get_json()
    assert all(e["actor_user_id"] == owner.user_id for e in mine["data"])
