"""Password reset endpoints: `POST /api/v1/auth/password-reset` and `.../confirm`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, Field

from webapp.auth.models import EMAIL_PATTERN
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import RequestModel
from webapp.integrations.routes import mail_setup
from webapp.password_reset import service

bp = Blueprint("password_reset", __name__, url_prefix="/api/v1/auth")


class ResetRequest(RequestModel):
    """The account's e-mail address."""

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)


class ResetConfirm(RequestModel):
    """The token from the e-mail and the new password."""

    token: str = Field(min_length=10, max_length=200)
    password: str = Field(min_length=10, max_length=256)


class Accepted(BaseModel):
    """The request was taken (said whether or not the address has an account)."""

    status: str


@endpoint(bp, "/password-reset", method="POST", permission=None, auth=False,
          body=ResetRequest, response=Accepted, status=202, auth_rate_limited=True)
def request_reset(call: Call[ResetRequest, None]) -> dict[str, Any]:
    """E-mail a reset link if the address has an account (always 202)."""
    service.request_reset(db(), mail_setup(), call.body.email, call.meta)
    return {"status": "accepted"}


@endpoint(bp, "/password-reset/confirm", method="POST", permission=None, auth=False,
          body=ResetConfirm, response=Accepted, auth_rate_limited=True)
def confirm_reset(call: Call[ResetConfirm, None]) -> dict[str, Any]:
    """Set a new password with the e-mailed token; every session of the account ends."""
    service.confirm_reset(db(), call.body.token, call.body.password, call.meta)
    return {"status": "password_changed"}
