"""Tenant settings: name, IANA time zone (then used for tenant-local days), business hours per
weekday, first-response target; admins change them (audited), viewers read them."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from webapp.db import Database
from webapp.tenants import days

URL = "/api/v1/tenant/settings"


def test_defaults_then_change_and_audit(client: FlaskClient, owner: Member, db: Database) -> None:
    got = client.get(URL, headers=owner.headers)
    assert got.status_code == 200, got.get_json()
    body = got.get_json()
    assert body["timezone"] == "UTC" and body["first_response_target_minutes"] is None
    assert body["business_hours"]["mon"] == {"start": "09:00", "end": "17:00"}
    assert body["business_hours"]["sun"] is None
    r = client.patch(URL, headers=owner.headers, json={
        "name": "Acme Lisbon", "timezone": "Europe/Lisbon",
        "business_hours": {"sat": {"start": "10:00", "end": "13:00"}, "mon": None},
        "first_response_target_minutes": 30})
    assert r.status_code == 200, r.get_json()
    new = r.get_json()
    assert (new["name"], new["timezone"], new["first_response_target_minutes"]) == (
        "Acme Lisbon", "Europe/Lisbon", 30)
    assert new["business_hours"]["sat"] == {"start": "10:00", "end": "13:00"}
    assert new["business_hours"]["mon"] is None
    assert new["business_hours"]["tue"] == {"start": "09:00", "end": "17:00"}  # untouched
    assert client.get(URL, headers=owner.headers).get_json() == new
    # tenant-local days (daily summaries, rollups, analytics) now use the new zone
    zones = {t.id: t.timezone for t in days.list_tenants(db)}
    assert zones[owner.tenant_id] == "Europe/Lisbon"
    me = client.get("/api/v1/auth/me", headers=owner.headers).get_json()
    assert me["tenant"]["name"] == "Acme Lisbon"
    logs = client.get("/api/v1/audit-logs?action=tenant.settings.update",
                      headers=owner.headers).get_json()["data"]
    assert logs[0]["before"]["timezone"] == "UTC"
    assert logs[0]["after"]["timezone"] == "Europe/Lisbon"
    assert logs[0]["actor_user_id"] == owner.user_id
    r = client.patch(URL, headers=owner.headers, json={"first_response_target_minutes": None})
    assert r.get_json()["first_response_target_minutes"] is None


def test_bad_input_names_the_field(client: FlaskClient, owner: Member) -> None:
    cases = [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "CEST"}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"business_hours": {"mon": {"start": "18:00", "end": "09:00"}}}, "business_hours.mon"),
        ({"business_hours": {"mon": {"start": "9am", "end": "17:00"}}},
         "business_hours.mon.start"),
        ({"business_hours": {"funday": None}}, "business_hours.funday"),
        ({"first_response_target_minutes": 0}, "first_response_target_minutes"),
        ({"colour": "red"}, "colour"),
    ]
    for body, field in cases:
        r = client.patch(URL, headers=owner.headers, json=body)
        assert r.status_code == 400, (body, r.get_json())
        fields = r.get_json()["error"]["details"]["fields"]
        assert any(k == field or k.startswith(f"{field}.[") for k in fields), (body, fields)
    assert client.get(URL, headers=owner.headers).get_json()["timezone"] == "UTC"


def test_viewer_reads_but_cannot_change(client: FlaskClient, owner: Member) -> None:
    viewer = add_member(client, owner, "viewer")
    assert client.get(URL, headers=viewer.headers).status_code == 200
    r = client.patch(URL, headers=viewer.headers, json={"timezone": "Asia/Tokyo"})
    assert r.status_code == 403
    assert client.get(URL, headers=owner.headers).get_json()["timezone"] == "UTC"
    denied = client.get("/api/v1/audit-logs?action=tenant.manage",
                        headers=owner.headers).get_json()["data"]
    assert denied and denied[0]["outcome"] == "denied"
    manager = add_member(client, owner, "manager")
    assert client.patch(URL, headers=manager.headers, json={"name": "x"}).status_code == 403


def test_tenants_are_apart(client: FlaskClient, owner: Member) -> None:
    other = register_owner(client, "Other Co")
    client.patch(URL, headers=other.headers, json={"timezone": "Asia/Tokyo", "name": "Other 2"})
    mine = client.get(URL, headers=owner.headers).get_json()
    assert (mine["id"], mine["timezone"]) == (owner.tenant_id, "UTC")
    assert client.get(URL, headers=other.headers).get_json()["name"] == "Other 2"
