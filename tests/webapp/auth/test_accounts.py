"""One account in several tenants: memberships in /auth/me, switching tenant (Bearer and
cookies), the profile, password change (other sessions end, this one stays), sign out
everywhere."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, add_member, register_owner


def _two_tenants(client: FlaskClient, owner: Member) -> Member:
    """An owner of 'Other Co' who is also a member of owner's tenant."""
    other = register_owner(client, "Other Co")
    inv = client.post("/api/v1/invitations", headers=owner.headers,
                      json={"email": other.email, "role": "member"}).get_json()
    r = client.post("/api/v1/invitations/accept", headers=other.headers,
                    json={"token": inv["token"]})
    assert r.status_code == 201, r.get_json()
    return other


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_switch_tenant_with_bearer_tokens(client: FlaskClient, owner: Member) -> None:
    other = _two_tenants(client, owner)
    r = client.post("/api/v1/auth/switch-tenant", headers=other.headers,
                    json={"tenant_id": owner.tenant_id})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["tenant"] == {"id": owner.tenant_id, "name": "Acme Support"}
    assert body["user"]["role"] == "member" and body["access_token"]
    me = client.get("/api/v1/auth/me", headers=_bearer(body)).get_json()
    assert me["tenant"]["id"] == owner.tenant_id
    assert {m["tenant_id"]: m["current"] for m in me["memberships"]} == {
        owner.tenant_id: True, other.tenant_id: False}
    # the tenant's data now, not the other's; the old session has ended
    members = client.get("/api/v1/members", headers=_bearer(body)).get_json()["data"]
    assert owner.user_id in [m["id"] for m in members]
    assert client.get("/api/v1/auth/me", headers=other.headers).status_code == 401
    back = client.post("/api/v1/auth/refresh",
                       headers={"Authorization": f"Bearer {body['refresh_token']}"})
    assert back.status_code == 200 and back.get_json()["tenant"]["id"] == owner.tenant_id


def test_switch_to_a_tenant_you_are_not_in_is_404(client: FlaskClient, owner: Member) -> None:
    stranger = register_owner(client, "Stranger Co")
    r = client.post("/api/v1/auth/switch-tenant", headers=owner.headers,
                    json={"tenant_id": stranger.tenant_id})
    assert (r.status_code, r.get_json()["error"]["code"]) == (404, "not_a_member")
    r = client.post("/api/v1/auth/switch-tenant", headers=owner.headers,
                    json={"tenant_id": 987654321})
    assert r.status_code == 404
    r = client.post("/api/v1/auth/switch-tenant", headers=owner.headers,
                    json={"tenant_id": "1"})
    assert r.status_code == 400 and "tenant_id" in r.get_json()["error"]["details"]["fields"]
    assert client.get("/api/v1/auth/me", headers=owner.headers).status_code == 200


def test_switch_tenant_with_cookies(client: FlaskClient, owner: Member) -> None:
    other = _two_tenants(client, owner)
    r = client.post("/api/v1/auth/login",
                    json={"email": other.email, "password": PASSWORD, "use_cookies": True})
    assert r.get_json()["tenant"]["id"] == other.tenant_id
    csrf = client.get_cookie("csrf_access_token")
    assert csrf is not None
    r = client.post("/api/v1/auth/switch-tenant", json={"tenant_id": owner.tenant_id},
                    headers={"X-CSRF-Token": csrf.value})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["access_token"] is None
    assert "access_token_cookie=" in " ".join(r.headers.getlist("Set-Cookie"))
    me = client.get("/api/v1/auth/me").get_json()
    assert me["tenant"]["id"] == owner.tenant_id and me["user"]["role"] == "member"


def test_profile_name(client: FlaskClient, owner: Member) -> None:
    viewer = add_member(client, owner, "viewer")
    got = client.get("/api/v1/auth/profile", headers=viewer.headers)
    assert got.status_code == 200
    assert got.get_json()["email"] == viewer.email
    assert [m["role"] for m in got.get_json()["memberships"]] == ["viewer"]
    r = client.patch("/api/v1/auth/profile", headers=viewer.headers, json={"name": "Vera V"})
    assert r.status_code == 200 and r.get_json()["name"] == "Vera V"
    names = {m["id"]: m["name"] for m in
             client.get("/api/v1/members", headers=owner.headers).get_json()["data"]}
    assert names[viewer.user_id] == "Vera V"
    assert names[owner.user_id] != "Vera V"
    for bad in ({"name": ""}, {"name": None}, {"email": "x@example.com"}):
        r = client.patch("/api/v1/auth/profile", headers=viewer.headers, json=bad)
        assert r.status_code == 400, bad


def test_password_change_ends_other_sessions_in_every_tenant(client: FlaskClient,
                                                             owner: Member) -> None:
    other = _two_tenants(client, owner)
    elsewhere = client.post("/api/v1/auth/login", json={
        "email": other.email, "password": PASSWORD, "tenant_id": owner.tenant_id}).get_json()
    second = client.post("/api/v1/auth/login",
                         json={"email": other.email, "password": PASSWORD}).get_json()
    wrong = client.post("/api/v1/auth/password", headers=other.headers, json={
        "current_password": "not it at all", "new_password": "a brand new secret"})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["code"] == "wrong_password"
    assert "current_password" in wrong.get_json()["error"]["details"]["fields"]
    short = client.post("/api/v1/auth/password", headers=other.headers, json={
        "current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 400 and "new_password" in short.get_json()["error"]["details"][
        "fields"]
    r = client.post("/api/v1/auth/password", headers=other.headers, json={
        "current_password": PASSWORD, "new_password": "a brand new secret"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"status": "password_changed", "sessions_ended": 2}
    assert client.get("/api/v1/auth/me", headers=other.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=_bearer(elsewhere)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=_bearer(second)).status_code == 401
    old = client.post("/api/v1/auth/login", json={"email": other.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/login",
                      json={"email": other.email, "password": "a brand new secret"})
    assert new.status_code == 200
    logs = client.get("/api/v1/audit-logs?action=auth.password_change",
                      headers=other.headers).get_json()["data"]
    assert logs and logs[0]["actor_user_id"] == other.user_id


def test_sign_out_everywhere(client: FlaskClient, owner: Member) -> None:
    other = _two_tenants(client, owner)
    elsewhere = client.post("/api/v1/auth/login", json={
        "email": other.email, "password": PASSWORD, "tenant_id": owner.tenant_id}).get_json()
    r = client.post("/api/v1/auth/logout-all", headers=other.headers)
    assert r.status_code == 200 and r.get_json()["sessions_ended"] == 2
    assert client.get("/api/v1/auth/me", headers=other.headers).status_code == 401
    assert client.get("/api/v1/auth/me", headers=_bearer(elsewhere)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=owner.headers).status_code == 200
