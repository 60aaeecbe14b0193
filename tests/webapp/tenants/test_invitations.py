"""Invitations for everyone: preview, accept with an existing account (a second tenant, a rejoin
after removal), revoke; expired, revoked and used invitations; tenants and roles apart."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, add_member, register_owner, unique_email
from webapp.db import Database


def _invite(client: FlaskClient, who: Member, email: str, role: str = "member") -> dict[str, Any]:
    r = client.post("/api/v1/invitations", headers=who.headers, json={"email": email, "role": role})
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def _accept(client: FlaskClient, who: Member, token: str) -> Any:
    return client.post("/api/v1/invitations/accept", headers=who.headers, json={"token": token})


def _code(r: Any) -> tuple[int, str]:
    return r.status_code, r.get_json()["error"]["code"]


def test_existing_account_joins_a_second_tenant_and_switches(client: FlaskClient,
                                                            owner: Member) -> None:
    other = register_owner(client, "Other Co")  # an account that already exists elsewhere
    inv = _invite(client, owner, other.email.upper(), "manager")
    assert inv["invite_path"] == f"/invite#token={inv['token']}"
    preview = client.post("/api/v1/invitations/preview", json={"token": inv["token"]})
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["account_exists"] is True
    assert preview.get_json()["tenant"] == {"id": owner.tenant_id, "name": "Acme Support"}
    assert preview.get_json()["role"] == "manager"
    r = _accept(client, other, inv["token"])
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"tenant": {"id": owner.tenant_id, "name": "Acme Support"},
                            "role": "manager", "user_id": other.user_id}
    me = client.get("/api/v1/auth/me", headers=other.headers).get_json()
    assert [(m["tenant_id"], m["role"], m["current"]) for m in me["memberships"]] == [
        (other.tenant_id, "owner", True), (owner.tenant_id, "manager", False)]
    members = client.get("/api/v1/members", headers=owner.headers).get_json()["data"]
    assert other.user_id in [m["id"] for m in members]
    listed = client.get("/api/v1/invitations", headers=owner.headers).get_json()["data"]
    assert [i["status"] for i in listed if i["id"] == inv["id"]] == ["accepted"]
    logs = client.get("/api/v1/audit-logs?action=invitations.accept",
                      headers=owner.headers).get_json()["data"]
    assert logs and logs[0]["actor_user_id"] == other.user_id
    # the same token again, and a second invitation for a tenant the account is in already
    assert _code(_accept(client, other, inv["token"])) == (404, "invitation_used")
    again = _invite(client, owner, other.email)
    assert _code(_accept(client, other, again["token"])) == (409, "already_member")
    listed = client.get("/api/v1/invitations", headers=owner.headers).get_json()["data"]
    assert [i["status"] for i in listed if i["id"] == again["id"]] == ["pending"]


def test_rejoin_after_removal_signs_in_with_the_token(client: FlaskClient,
                                                       owner: Member) -> None:
    member = add_member(client, owner, "member")
    assert client.delete(f"/api/v1/members/{member.user_id}",
                         headers=owner.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    assert _code(login) == (401, "no_membership")
    inv = _invite(client, owner, member.email, "viewer")
    reg = client.post("/api/v1/auth/register", json={
        "email": member.email, "password": PASSWORD, "name": "X", "invitation_token": inv["token"]})
    assert _code(reg) == (409, "email_taken")
    wrong = client.post("/api/v1/auth/login", json={
        "email": member.email, "password": "not the password", "invitation_token": inv["token"]})
    assert _code(wrong) == (401, "invalid_credentials")
    r = client.post("/api/v1/auth/login", json={
        "email": member.email, "password": PASSWORD, "invitation_token": inv["token"]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["tenant"]["id"] == owner.tenant_id and body["user"]["role"] == "viewer"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/members", headers=headers).status_code == 200
    roles = {m["id"]: m["role"] for m in
             client.get("/api/v1/members", headers=owner.headers).get_json()["data"]}
    assert roles[member.user_id] == "viewer"


def test_sign_in_with_token_joins_a_second_tenant(client: FlaskClient, owner: Member) -> None:
    other = register_owner(client, "Other Co")
    inv = _invite(client, owner, other.email)
    r = client.post("/api/v1/auth/login", json={
        "email": other.email, "password": PASSWORD, "invitation_token": inv["token"]})
    assert r.status_code == 200 and r.get_json()["tenant"]["id"] == owner.tenant_id
    plain = client.post("/api/v1/auth/login", json={"email": other.email, "password": PASSWORD})
    assert plain.get_json()["tenant"]["id"] == other.tenant_id  # the oldest membership first


def _expire(db: Database, tenant_id: int, invitation_id: int) -> None:
    with db.tenant(tenant_id) as conn:
        conn.execute("update invitations set expires_at = now() - interval '1 minute' "
                     "where id = %s", (invitation_id,))


def test_expired_revoked_used_and_unknown(client: FlaskClient, owner: Member,
                                          db: Database) -> None:
    other = register_owner(client, "Other Co")
    expired = _invite(client, owner, other.email)
    _expire(db, owner.tenant_id, expired["id"])
    revoked = _invite(client, owner, other.email)
    r = client.delete(f"/api/v1/invitations/{revoked['id']}", headers=owner.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    assert client.delete(f"/api/v1/invitations/{revoked['id']}",
                         headers=owner.headers).status_code == 200  # idempotent
    for inv, code in ((expired, "invitation_expired"), (revoked, "invitation_revoked")):
        assert _code(_accept(client, other, inv["token"])) == (404, code)
        assert _code(client.post("/api/v1/invitations/preview",
                                 json={"token": inv["token"]})) == (404, code)
        assert _code(client.post("/api/v1/auth/login", json={
            "email": other.email, "password": PASSWORD,
            "invitation_token": inv["token"]})) == (404, code)
        assert _code(client.post("/api/v1/auth/register", json={
            "email": unique_email(), "password": PASSWORD, "name": "N",
            "invitation_token": inv["token"]})) == (404, code)
    unknown = "x" * 43
    assert _code(_accept(client, other, unknown)) == (404, "invalid_invitation")
    assert client.post("/api/v1/invitations/accept", headers=other.headers,
                       json={"token": "short"}).status_code == 400
    statuses = {i["id"]: i["status"] for i in
                client.get("/api/v1/invitations", headers=owner.headers).get_json()["data"]}
    assert statuses[expired["id"]] == "expired" and statuses[revoked["id"]] == "revoked"
    ok = _invite(client, owner, other.email)
    assert _accept(client, other, ok["token"]).status_code == 201
    r = client.delete(f"/api/v1/invitations/{ok['id']}", headers=owner.headers)
    assert _code(r) == (409, "invitation_used")
    logs = client.get("/api/v1/audit-logs?action=invitations.revoke",
                      headers=owner.headers).get_json()["data"]
    assert len(logs) == 1 and logs[0]["target_id"] == str(revoked["id"])


def test_invitation_for_another_address(client: FlaskClient, owner: Member) -> None:
    other = register_owner(client, "Other Co")
    inv = _invite(client, owner, unique_email("someone"))
    assert _code(_accept(client, other, inv["token"])) == (403, "invitation_email_mismatch")
    assert _code(client.post("/api/v1/auth/login", json={
        "email": other.email, "password": PASSWORD, "invitation_token": inv["token"]})) == (
        403, "invitation_email_mismatch")
    preview = client.post("/api/v1/invitations/preview", json={"token": inv["token"]})
    assert preview.status_code == 200 and preview.get_json()["account_exists"] is False


def test_revoke_is_per_tenant_and_for_admins(client: FlaskClient, owner: Member) -> None:
    other = register_owner(client, "Other Co")
    inv = _invite(client, owner, unique_email("pending"))
    assert _code(client.delete(f"/api/v1/invitations/{inv['id']}",
                               headers=other.headers)) == (404, "invitation_not_found")
    viewer = add_member(client, owner, "viewer")
    assert client.delete(f"/api/v1/invitations/{inv['id']}",
                         headers=viewer.headers).status_code == 403
    statuses = {i["id"]: i["status"] for i in
                client.get("/api/v1/invitations", headers=owner.headers).get_json()["data"]}
    assert statuses[inv["id"]] == "pending"
    assert client.delete("/api/v1/invitations/999999999", headers=owner.headers).status_code == 404


def test_members_show_their_last_activity(client: FlaskClient, owner: Member) -> None:
    member = add_member(client, owner, "member")
    rows = {m["id"]: m for m in
            client.get("/api/v1/members", headers=owner.headers).get_json()["data"]}
    assert rows[member.user_id]["last_active_at"] is not None  # registering is an activity
    stranger = register_owner(client, "Stranger Co")
    ids = [m["id"] for m in
           client.get("/api/v1/members", headers=stranger.headers).get_json()["data"]]
    assert ids == [stranger.user_id]
