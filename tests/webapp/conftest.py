"""App-level fixtures: a Flask app over the module's database and helpers to make members."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.app import close_app, create_app
from webapp.config import Settings

PASSWORD = "correct horse battery"


def make_settings(database_url: str, home: Path, **over: Any) -> Settings:
    """Settings for tests: generous limits unless a test asks for the real ones."""
    base = Settings(
        env="test", database_url=database_url, jwt_secret="test-jwt-secret-" + "x" * 32,
        master_key="test-master-key-" + "y" * 32, home=home, rate_limit="100000/minute",
        auth_rate_limit="100000/minute", login_failure_limit="100000/minute", pool_min=1,
        pool_max=8, log_level="WARNING",
        outbound_allow=("127.0.0.1",),  # the fake providers; as tests/conftest.py's environment
    )
    return replace(base, **over)


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over this module's database."""
    application = create_app(make_settings(database_url, tmp_path_factory.mktemp("home")))
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (no cookies shared between tests)."""
    return app.test_client()


@dataclass
class Member:
    """A signed-in member and the tokens to act as them."""

    user_id: int
    tenant_id: int
    email: str
    role: str
    access: str
    refresh: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth headers."""
        return {"Authorization": f"Bearer {self.access}"}


def unique_email(prefix: str = "user") -> str:
    """An email no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def register_owner(client: FlaskClient, tenant_name: str = "Acme Support") -> Member:
    """A new tenant and its owner."""
    email = unique_email("owner")
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": "Olivia Owner", "tenant_name": tenant_name})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return Member(body["user"]["id"], body["tenant"]["id"], email, "owner",
                  body["access_token"], body["refresh_token"])


def add_member(client: FlaskClient, owner: Member, role: str) -> Member:
    """A new member of owner's tenant with the given role, through a real invitation."""
    email = unique_email(role)
    inv_role = "admin" if role == "owner" else role
    r = client.post("/api/v1/invitations", headers=owner.headers,
                    json={"email": email, "role": inv_role})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": f"{role.title()} Person",
        "invitation_token": r.get_json()["token"]})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    member = Member(body["user"]["id"], body["tenant"]["id"], email, inv_role,
                    body["access_token"], body["refresh_token"])
    if role == "owner":
        r = client.patch(f"/api/v1/members/{member.user_id}", headers=owner.headers,
                         json={"role": "owner"})
        assert r.status_code == 200, r.get_json()
        member.role = "owner"
    return member


@pytest.fixture
def owner(client: FlaskClient) -> Member:
    """The owner of a fresh tenant."""
    return register_owner(client)
