"""Request and response models of the auth endpoints."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from webapp.inputs import NON_BLANK, Id, RequestModel, one_of_given

# No "@", control character or space (written out: `\s` differs between Python's re and the
# ECMAScript regexes of JSON Schema, e.g. for U+0085).
_ADDR = "[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
EMAIL_PATTERN = f"^{_ADDR}+@{_ADDR}+\\.{_ADDR}+$"


class _Strict(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RegisterRequest(_Strict):
    """Create a tenant and its owner (`tenant_name`), or join a tenant with an invitation
    token (`invitation_token`): exactly one of the two."""

    model_config = ConfigDict(json_schema_extra=one_of_given("tenant_name", "invitation_token"))
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    password: str = Field(min_length=10, max_length=256)
    name: str = Field(min_length=1, max_length=200, pattern=NON_BLANK)
    tenant_name: str | None = Field(default=None, min_length=1, max_length=200,
                                    pattern=NON_BLANK)
    invitation_token: str | None = Field(default=None, min_length=16, max_length=200)
    use_cookies: bool = False

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class LoginRequest(_Strict):
    """Sign in; `tenant_id` picks one tenant when the user belongs to several;
    `invitation_token` accepts an invitation first and signs in to the inviting tenant."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"email": "ana@example.com", "password": "correct horse battery"}]})

    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=256)
    tenant_id: Id | None = None
    invitation_token: str | None = Field(default=None, min_length=16, max_length=200)
    use_cookies: bool = False


class RefreshRequest(_Strict):
    """Nothing in the body: the refresh token comes as Bearer header or cookie."""

    use_cookies: bool = False


class UserOut(BaseModel):
    """A user as the API shows them."""

    id: int
    email: str
    name: str
    role: str


class TenantOut(BaseModel):
    """A tenant as the API shows it."""

    id: int
    name: str


class AuthResponse(BaseModel):
    """Tokens (null in cookie mode, where they travel as HttpOnly cookies) plus who signed in."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOiJIUzI1NiIs...", "refresh_token": "eyJhbGciOiJIUzI1NiIs...",
        "user": {"id": 1, "email": "ana@example.com", "name": "Ana", "role": "owner"},
        "tenant": {"id": 1, "name": "Acme Support"}}]})

    access_token: str | None
    refresh_token: str | None
    user: UserOut
    tenant: TenantOut


class Membership(BaseModel):
    """One tenant the account belongs to; `current` is the one this session works in."""

    tenant_id: int
    tenant_name: str
    role: str
    current: bool


class MeResponse(BaseModel):
    """The signed-in user and tenant, and every tenant the account belongs to."""

    user: UserOut
    tenant: TenantOut
    memberships: list[Membership]


class SwitchTenantRequest(_Strict):
    """Work in another tenant of the account (404 when not a member)."""

    tenant_id: Id


class Profile(BaseModel):
    """The signed-in user's own account (the name is the same in every tenant)."""

    id: int
    email: str
    name: str
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    memberships: list[Membership]


class ProfileUpdate(_Strict):
    """Change the display name."""

    name: str = Field(min_length=1, max_length=200)


class PasswordChange(_Strict):
    """A new password; the current one is required. Other sessions end, this one stays."""

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class SessionsEnded(BaseModel):
    """How many sessions a password change or sign-out-everywhere ended."""

    status: str
    sessions_ended: int


class StatusResponse(BaseModel):
    """A plain acknowledgement."""

    status: str
