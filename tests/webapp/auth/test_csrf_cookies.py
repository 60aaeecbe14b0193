"""Browser sessions: HttpOnly cookies with double-submit CSRF on state-changing methods."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member


def _cookie_login(client: FlaskClient, owner: Member) -> str:
    r = client.post("/api/v1/auth/login",
                    json={"email": owner.email, "password": PASSWORD, "use_cookies": True})
    assert r.status_code == 200
    body = r.get_json()
    assert body["access_token"] is None and body["refresh_token"] is None
    set_cookie = " ".join(r.headers.getlist("Set-Cookie"))
    assert "access_token_cookie=" in set_cookie and "HttpOnly" in set_cookie
    cookie = client.get_cookie("csrf_access_token")
    assert cookie is not None
    return cookie.value


def test_cookie_post_without_csrf_header_is_403(client: FlaskClient, owner: Member) -> None:
    _cookie_login(client, owner)
    assert client.get("/api/v1/auth/me").status_code == 200  # GET needs no CSRF header
    r = client.post("/api/v1/invitations", json={"email": "x@example.com", "role": "member"})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "csrf_failed"
    r = client.post("/api/v1/invitations", json={"email": "x@example.com", "role": "member"},
                    headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403


def test_cookie_post_with_csrf_header_works(client: FlaskClient, owner: Member) -> None:
    csrf = _cookie_login(client, owner)
    r = client.post("/api/v1/invitations", json={"email": "y@example.com", "role": "member"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401


def test_cookie_refresh_rotates_with_csrf(client: FlaskClient, owner: Member) -> None:
    _cookie_login(client, owner)
    refresh_csrf = client.get_cookie("csrf_refresh_token")
    assert refresh_csrf is not None
    assert client.post("/api/v1/auth/refresh").status_code in (401, 403)
    r = client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": refresh_csrf.value})
    assert r.status_code == 200
    assert r.get_json()["access_token"] is None
