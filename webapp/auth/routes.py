"""Auth endpoints: register, login, refresh, logout, me."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)

from webapp.auth import accounts, service
from webapp.auth import models as m
from webapp.config import Settings
from webapp.http.api import Call, endpoint
from webapp.http.context import db

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


def _settings() -> Settings:
    settings: Settings = current_app.extensions["mf_settings"]
    return settings


def _issue(grant: service.Grant, use_cookies: bool, status: int) -> Response:
    """Mint the JWT pair for a grant: in the body (Bearer) or as HttpOnly cookies."""
    claims = {"tid": grant.tenant_id, "sid": grant.session_id}
    access = create_access_token(identity=str(grant.user_id), additional_claims=claims)
    refresh = create_refresh_token(
        identity=str(grant.user_id), additional_claims={**claims, "rid": grant.refresh_id}
    )
    body: dict[str, Any] = {"access_token": None, "refresh_token": None, **grant.body()}
    if not use_cookies:
        body["access_token"], body["refresh_token"] = access, refresh
    resp = jsonify(body)
    resp.status_code = status
    if use_cookies:
        set_access_cookies(resp, access)
        set_refresh_cookies(resp, refresh)
    return resp


@endpoint(bp, "/register", method="POST", permission=None, auth=False, body=m.RegisterRequest,
          response=m.AuthResponse, status=201, auth_rate_limited=True,
          errors={404: "The invitation is unknown, used or expired.",
                  409: "An account with this email already exists."})
def register(call: Call[m.RegisterRequest, None]) -> Response:
    """Create a tenant and its owner, or join a tenant with an invitation token."""
    b = call.body
    grant = service.register(
        db(), email=b.email, password=b.password, name=b.name, tenant_name=b.tenant_name,
        invitation_token=b.invitation_token, meta=call.meta,
        ttl_s=_settings().refresh_token_ttl_s,
    )
    return _issue(grant, b.use_cookies, 201)


@endpoint(bp, "/login", method="POST", permission=None, auth=False, body=m.LoginRequest,
          response=m.AuthResponse, auth_rate_limited=True,
          errors={401: "Wrong email or password."})
def login(call: Call[m.LoginRequest, None]) -> Response:
    """Sign in with email and password (429 after too many failures for the address)."""
    b = call.body
    grant = service.login(db(), email=b.email, password=b.password, tenant_id=b.tenant_id,
                          meta=call.meta, ttl_s=_settings().refresh_token_ttl_s,
                          lockout=current_app.extensions["mf_login_lockout"],
                          invitation_token=b.invitation_token)
    return _issue(grant, b.use_cookies, 200)


@endpoint(bp, "/refresh", method="POST", permission=None, auth=False, response=m.AuthResponse,
          errors={401: "The refresh token is missing, expired, revoked or already spent.",
                  403: "A cookie session's CSRF header is missing or wrong."})
def refresh(call: Call[None, None]) -> Response:
    """Rotate: spend the refresh token (Bearer or cookie) for a new access/refresh pair."""
    verify_jwt_in_request(refresh=True, locations=["headers", "cookies"])
    claims = get_jwt()
    grant = service.rotate_refresh(
        db(), tenant_id=int(claims["tid"]), user_id=int(claims["sub"]),
        session_id=str(claims["sid"]), refresh_id=str(claims.get("rid", "")),
        meta=call.meta, ttl_s=_settings().refresh_token_ttl_s,
    )
    return _issue(grant, get_jwt_request_location() == "cookies", 200)


@endpoint(bp, "/logout", method="POST", permission=None, response=m.StatusResponse)
def logout(call: Call[None, None]) -> Response:
    """Sign out: the session's access and refresh tokens stop working."""
    service.logout(db(), call.who, call.meta)
    resp = jsonify({"status": "signed_out"})
    unset_jwt_cookies(resp)
    return resp


@endpoint(bp, "/me", permission=None, response=m.MeResponse)
def me(call: Call[None, None]) -> dict[str, Any]:
    """The signed-in user, their tenant, and every tenant the account belongs to."""
    p = call.who
    return {
        "user": {"id": p.user_id, "email": p.email, "name": p.name, "role": p.role},
        "tenant": {"id": p.tenant_id, "name": p.tenant_name},
        "memberships": accounts.memberships(db(), p),
    }


@endpoint(bp, "/switch-tenant", method="POST", permission=None, body=m.SwitchTenantRequest,
          response=m.AuthResponse)
def switch_tenant(call: Call[m.SwitchTenantRequest, None]) -> Response:
    """Tokens for another tenant of the account (as cookies when this request came with
    cookies, else in the body); the current session ends. 404 when not a member."""
    grant = accounts.switch_tenant(db(), call.who, call.body.tenant_id, call.meta,
                                   _settings().refresh_token_ttl_s)
    return _issue(grant, get_jwt_request_location() == "cookies", 200)


@endpoint(bp, "/profile", permission=None, response=m.Profile)
def get_profile(call: Call[None, None]) -> dict[str, Any]:
    """The signed-in user's account and memberships."""
    return accounts.profile(db(), call.who)


@endpoint(bp, "/profile", method="PATCH", permission=None, body=m.ProfileUpdate,
          response=m.Profile)
def update_profile(call: Call[m.ProfileUpdate, None]) -> dict[str, Any]:
    """Change the display name."""
    return accounts.update_profile(db(), call.who, call.body.name, call.meta)


@endpoint(bp, "/password", method="POST", permission=None, body=m.PasswordChange,
          response=m.SessionsEnded, auth_rate_limited=True)
def change_password(call: Call[m.PasswordChange, None]) -> dict[str, Any]:
    """Change the password (400 `wrong_password` naming current_password); every other
    session of the account, in every tenant, ends; this one stays."""
    b = call.body
    ended = accounts.change_password(db(), call.who, b.current_password, b.new_password,
                                     call.meta, current_app.extensions["mf_login_lockout"])
    return {"status": "password_changed", "sessions_ended": ended}


@endpoint(bp, "/logout-all", method="POST", permission=None, response=m.SessionsEnded)
def logout_all(call: Call[None, None]) -> Response:
    """Sign out everywhere: every session of the account, in every tenant, this one too."""
    ended = accounts.sign_out_everywhere(db(), call.who, call.meta)
    resp = jsonify({"status": "signed_out", "sessions_ended": ended})
    unset_jwt_cookies(resp)
    return resp
