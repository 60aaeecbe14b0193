"""Register, login, refresh rotation, logout and me, against the real database."""

from __future__ import annotations

import datetime as dt

import jwt as pyjwt
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from tests.factories import PASSWORD, Member, add_member, register_owner, unique_email


def test_register_returns_tokens_user_and_tenant(client: FlaskClient) -> None:
    email = unique_email()
    r = client.post("/api/v1/auth/register", json={
        "email": email.upper(), "password": PASSWORD, "name": "Ana", "tenant_name": "Ana's desk"})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"access_token", "refresh_token", "user", "tenant"}
    assert body["user"] == {"id": body["user"]["id"], "email": email, "name": "Ana",
                            "role": "owner"}
    assert body["tenant"]["name"] == "Ana's desk"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json() == {"user": body["user"], "tenant": body["tenant"], "memberships": [
        {"tenant_id": body["tenant"]["id"], "tenant_name": "Ana's desk", "role": "owner",
         "current": True}]}


def test_duplicate_email_is_a_conflict(client: FlaskClient, owner: Member) -> None:
    r = client.post("/api/v1/auth/register", json={
        "email": owner.email, "password": PASSWORD, "name": "X", "tenant_name": "Other"})
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "email_taken"


def test_login_and_wrong_password(client: FlaskClient, owner: Member) -> None:
    ok = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.get_json()["user"]["id"] == owner.user_id
    bad = client.post("/api/v1/auth/login", json={"email": owner.email, "password": "nope" * 3})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/login",
                          json={"email": unique_email(), "password": PASSWORD})
    assert unknown.status_code == 401
    assert unknown.get_json() == bad.get_json()


def test_refresh_rotates_and_reuse_is_refused(client: FlaskClient, owner: Member) -> None:
    first = client.post("/api/v1/auth/refresh",
                        headers={"Authorization": f"Bearer {owner.refresh}"})
    assert first.status_code == 200
    new = first.get_json()
    assert new["refresh_token"] != owner.refresh
    assert client.get("/api/v1/auth/me", headers={
        "Authorization": f"Bearer {new['access_token']}"}).status_code == 200
    # Replaying the spent refresh token is refused and signs the whole session out.
    reuse = client.post("/api/v1/auth/refresh",
                        headers={"Authorization": f"Bearer {owner.refresh}"})
    assert reuse.status_code == 401
    assert reuse.get_json()["error"]["code"] == "token_reused"
    after = client.get("/api/v1/auth/me", headers={
        "Authorization": f"Bearer {new['access_token']}"})
    assert after.status_code == 401
    assert after.get_json()["error"]["code"] == "token_revoked"
    again = client.post("/api/v1/auth/refresh",
                        headers={"Authorization": f"Bearer {new['refresh_token']}"})
    assert again.status_code == 401


def test_access_token_cannot_refresh(client: FlaskClient, owner: Member) -> None:
    r = client.post("/api/v1/auth/refresh", headers=owner.headers)
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "invalid_token"


def test_logout_revokes_access_and_refresh(client: FlaskClient, owner: Member) -> None:
    assert client.post("/api/v1/auth/logout", headers=owner.headers).status_code == 200
    me = client.get("/api/v1/auth/me", headers=owner.headers)
    assert me.status_code == 401
    assert me.get_json()["error"]["code"] == "token_revoked"
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {owner.refresh}"})
    assert r.status_code == 401


def test_expired_tampered_and_alg_none_tokens(app: Flask, client: FlaskClient,
                                              owner: Member) -> None:
    claims = pyjwt.decode(owner.access, options={"verify_signature": False})
    with app.app_context():
        expired = create_access_token(
            identity=str(owner.user_id), expires_delta=dt.timedelta(seconds=-5),
            additional_claims={"tid": claims["tid"], "sid": claims["sid"]})
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (401, "token_expired")

    head, payload, sig = owner.access.split(".")
    tampered = f"{head}.{payload}.{sig[:-3]}{'AAA' if sig[-3:] != 'AAA' else 'BBB'}"
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tampered}"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (401, "invalid_token")

    forged_claims = {**claims, "tid": claims["tid"] + 999}
    forged = pyjwt.encode(forged_claims, "wrong-secret-" + "z" * 32, algorithm="HS256")
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401

    none_token = pyjwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {none_token}"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (401, "invalid_token")

    r = client.get("/api/v1/auth/me")
    assert (r.status_code, r.get_json()["error"]["code"]) == (401, "unauthorized")


def test_query_string_token_is_refused_outside_the_websocket(client: FlaskClient,
                                                             owner: Member) -> None:
    r = client.get(f"/api/v1/auth/me?token={owner.access}")
    assert r.status_code == 401


def test_joining_a_tenant_needs_a_valid_invitation(client: FlaskClient, owner: Member) -> None:
    viewer = add_member(client, owner, "viewer")
    assert viewer.tenant_id == owner.tenant_id and viewer.role == "viewer"
    r = client.post("/api/v1/auth/register", json={
        "email": unique_email(), "password": PASSWORD, "name": "Mallory",
        "invitation_token": "not-a-real-invitation-token"})
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "invalid_invitation"
    inv = client.post("/api/v1/invitations", headers=owner.headers,
                      json={"email": "invitee@example.com", "role": "member"}).get_json()
    wrong = client.post("/api/v1/auth/register", json={
        "email": unique_email(), "password": PASSWORD, "name": "Eve",
        "invitation_token": inv["token"]})
    assert wrong.status_code == 400
    ok = client.post("/api/v1/auth/register", json={
        "email": "Invitee@example.com", "password": PASSWORD, "name": "Ivy",
        "invitation_token": inv["token"]})
    assert ok.status_code == 201 and ok.get_json()["tenant"]["id"] == owner.tenant_id
    reused = client.post("/api/v1/auth/register", json={
        "email": unique_email(), "password": PASSWORD, "name": "Eve",
        "invitation_token": inv["token"]})
    assert reused.status_code in (400, 404)


def test_register_needs_exactly_one_of_tenant_name_or_invitation(client: FlaskClient) -> None:
    r = client.post("/api/v1/auth/register", json={
        "email": unique_email(), "password": PASSWORD, "name": "N"})
    assert r.status_code == 400
    assert "tenant_name" in r.get_json()["error"]["details"]["fields"]


def test_two_tenants_same_user_login_picks_tenant(client: FlaskClient) -> None:
    a = register_owner(client, "First")
    inv = client.post("/api/v1/invitations", headers=a.headers,
                      json={"email": unique_email(), "role": "member"})
    assert inv.status_code == 201
    r = client.post("/api/v1/auth/login", json={"email": a.email, "password": PASSWORD,
                                                "tenant_id": a.tenant_id + 10_000})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "no_membership"
