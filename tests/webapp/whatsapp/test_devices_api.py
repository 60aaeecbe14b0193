"""Devices API: pairing by QR or phone code, RBAC with audited denials, tenant isolation, events."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Member, add_member, register_owner
from webapp.db import Database
from webapp.messaging.ingest import ingest
from webapp.whatsapp import devices
from webapp.whatsapp.devices import PairingCode
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.status import pairing_qr

QR = b"2@Yk9o3XvZ0bL0pWc1Yx8=,r4nd0mN01s3K3y=,1d3nt1tyK3y=,adv53cr3t="
SVG_NS = "{http://www.w3.org/2000/svg}"


def create(client: FlaskClient, who: Member, **body: Any) -> Any:
    return client.post("/api/v1/whatsapp/devices", headers=who.headers,
                       json={"display_name": "Front desk", **body})


def audit(client: FlaskClient, owner: Member) -> list[dict[str, Any]]:
    r = client.get("/api/v1/audit-logs?action=devices", headers=owner.headers)
    assert r.status_code == 200
    return list(r.get_json()["data"])


def device_events(db: Database, tenant_id: int, device_id: int) -> list[dict[str, Any]]:
    """The feed's frames of this device's whatsapp.device events, oldest first."""
    with db.tenant(tenant_id) as conn:
        rows = conn.execute(
            "select mf_event_frame(e) as frame from events e where e.type = 'whatsapp.device' "
            "and (e.data ->> 'id')::bigint = %s order by e.id", (device_id,)).fetchall()
    return [r["frame"] for r in rows]


def test_admin_creates_a_pending_device_audited_with_an_event(client: FlaskClient,
                                                              db: Database) -> None:
    owner = register_owner(client)
    admin = add_member(client, owner, "admin")
    r = create(client, admin, pair_phone="+5511999990001")
    assert r.status_code == 201, r.get_json()
    device = r.get_json()
    assert device["status"] == "pending" and device["kind"] == "neonize"
    assert (device["pair_phone"], device["has_qr"], device["jid"]) == ("5511999990001", False, None)
    logged = audit(client, owner)
    assert [(a["action"], a["outcome"], a["target_id"]) for a in logged] == [
        ("devices.create", "allowed", str(device["id"]))]
    frames = device_events(db, owner.tenant_id, device["id"])
    assert [(f["event"], f["status"], f["display_name"]) for f in frames] == [
        ("created", "pending", "Front desk")]
    listed = client.get("/api/v1/whatsapp/devices", headers=owner.headers).get_json()
    assert [d["id"] for d in listed["data"]] == [device["id"]] and listed["next_cursor"] is None


def test_member_cannot_create_or_delete_and_the_denials_are_audited(client: FlaskClient) -> None:
    owner = register_owner(client)
    member = add_member(client, owner, "member")
    viewer = add_member(client, owner, "viewer")
    device = create(client, owner, kind="simulator").get_json()
    assert create(client, member).status_code == 403
    r = client.delete(f"/api/v1/whatsapp/devices/{device['id']}", headers=member.headers)
    assert r.status_code == 403 and r.get_json()["error"]["details"]["required_role"] == "admin"
    assert client.get(f"/api/v1/whatsapp/devices/{device['id']}/qr",
                      headers=viewer.headers).status_code == 403
    denied = [(a["action"], a["actor_email"]) for a in audit(client, owner)
              if a["outcome"] == "denied"]
    assert denied == [("devices.manage", viewer.email), ("devices.manage", member.email),
                      ("devices.manage", member.email)]
    for who in (member, viewer):  # reading is for everyone in the tenant
        r = client.get(f"/api/v1/whatsapp/devices/{device['id']}", headers=who.headers)
        assert r.status_code == 200 and r.get_json()["status"] == "pending"


def test_another_tenants_device_is_404_everywhere(client: FlaskClient) -> None:
    a, b = register_owner(client, "Tenant A"), register_owner(client, "Tenant B")
    device_id = create(client, a).get_json()["id"]
    base = f"/api/v1/whatsapp/devices/{device_id}"
    for method, path in (("get", base), ("get", f"{base}/qr"), ("get", f"{base}/pair-code"),
                         ("delete", base), ("post", f"{base}/logout")):
        r = getattr(client, method)(path, headers=b.headers)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found", path
    assert client.get("/api/v1/whatsapp/devices", headers=b.headers).get_json()["data"] == []
    assert client.get(base, headers=a.headers).get_json()["status"] == "pending"


def test_qr_is_404_until_the_gateway_stores_one_then_a_valid_svg(client: FlaskClient,
                                                                 db: Database) -> None:
    owner = register_owner(client)
    device_id = create(client, owner).get_json()["id"]
    url = f"/api/v1/whatsapp/devices/{device_id}/qr"
    r = client.get(url, headers=owner.headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "no_qr"
    assert devices.apply_status(db, owner.tenant_id, device_id, pairing_qr(QR)) == "pairing"
    r = client.get(url, headers=owner.headers)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.headers["Cache-Control"] == "no-store"
    root = ET.fromstring(r.get_data())
    assert root.tag == f"{SVG_NS}svg" and root.find(f"{SVG_NS}path") is not None
    assert r.get_data(as_text=True) == devices.qr_svg(QR.decode())
    shown = client.get(f"/api/v1/whatsapp/devices/{device_id}", headers=owner.headers).get_json()
    assert (shown["status"], shown["has_qr"]) == ("pairing", True) and shown["qr_updated_at"]
    assert device_events(db, owner.tenant_id, device_id)[-1]["event"] == "qr"
    paired = DeviceStatusChange("connected", "15550100001@s.whatsapp.net", None, "pair_success")
    assert devices.apply_status(db, owner.tenant_id, device_id, paired) == "connected"
    assert client.get(url, headers=owner.headers).status_code == 404  # no QR once paired


def test_pairing_by_phone_code(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client)
    device_id = create(client, owner, pair_phone="5511999990002").get_json()["id"]
    url = f"/api/v1/whatsapp/devices/{device_id}/pair-code"
    assert client.get(url, headers=owner.headers).get_json()["error"]["code"] == "no_pair_code"
    assert devices.store_pair_code(db, owner.tenant_id, device_id, PairingCode("ABCD-EFGH"))
    r = client.get(url, headers=owner.headers)
    assert r.status_code == 200 and r.get_json() == {
        "device_id": device_id, "pair_code": "ABCD-EFGH", "pair_phone": "5511999990002"}
    shown = client.get(f"/api/v1/whatsapp/devices/{device_id}", headers=owner.headers).get_json()
    assert (shown["status"], shown["has_pair_code"]) == ("pairing", True)


def test_logout_marks_logged_out_for_the_gateway(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client)
    device_id = create(client, owner).get_json()["id"]
    devices.apply_status(db, owner.tenant_id, device_id, pairing_qr(QR))
    assert device_id in {d.id for d in devices.gateway_devices(db)}
    url = f"/api/v1/whatsapp/devices/{device_id}/logout"
    r = client.post(url, headers=owner.headers)
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["has_qr"]) == ("logged_out", False)
    assert device_id not in {d.id for d in devices.gateway_devices(db)}
    assert [a["action"] for a in audit(client, owner)] == ["devices.logout", "devices.create"]
    assert device_events(db, owner.tenant_id, device_id)[-1]["event"] == "logout_requested"
    late = DeviceStatusChange("connected", None, None, "connected")  # a racing gateway report
    assert devices.apply_status(db, owner.tenant_id, device_id, late) is None
    assert client.post(url, headers=owner.headers).status_code == 200  # idempotent
    listed = client.get("/api/v1/whatsapp/devices", headers=owner.headers).get_json()["data"]
    assert [(d["id"], d["status"]) for d in listed] == [(device_id, "logged_out")]  # still listed


def test_remove_logs_out_unlists_and_keeps_the_conversations(
    client: FlaskClient, db: Database,
) -> None:
    owner = register_owner(client)
    jid = "5511999990009:3@s.whatsapp.net"
    device_id = create(client, owner).get_json()["id"]
    devices.apply_status(db, owner.tenant_id, device_id,
                         DeviceStatusChange("connected", jid, None, "connected"))
    stored = ingest(db, owner.tenant_id, [{
        "kind": "message", "id": "RM-1", "chat": "5511999990001@s.whatsapp.net",
        "sender": "5511999990001@s.whatsapp.net", "sender_name": "Ana", "from_me": False,
        "timestamp": "2026-12-01T10:00:00+00:00", "text": "still here after removal"}],
        device_id=device_id)
    assert not stored.rejected

    url = f"/api/v1/whatsapp/devices/{device_id}"
    r = client.delete(url, headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    removed = r.get_json()
    assert removed["status"] == "logged_out" and removed["removed_at"] is not None
    # The gateway unlinks it (a logged-out row) and no list shows it any more.
    assert device_id not in {d.id for d in devices.gateway_devices(db)}
    assert client.get("/api/v1/whatsapp/devices", headers=owner.headers).get_json()["data"] == []
    assert client.get(url, headers=owner.headers).status_code == 404
    assert client.delete(url, headers=owner.headers).status_code == 404
    assert client.post(f"{url}/logout", headers=owner.headers).status_code == 404
    home = client.get("/api/v1/dashboard", headers=owner.headers).get_json()
    assert home["devices"] == []
    # Live: the screen drops it.
    last = device_events(db, owner.tenant_id, device_id)[-1]
    assert (last["event"], last["deleted"]) == ("removed", True)
    # Audited with what it was.
    entry = audit(client, owner)[0]
    assert (entry["action"], entry["before"]["jid"], entry["after"]["removed"]) == (
        "devices.delete", jid, True)
    # Its conversation and message stay.
    convs = client.get("/api/v1/conversations", headers=owner.headers).get_json()["data"]
    assert len(convs) == 1 and convs[0]["device_id"] == device_id
    # The same number can be paired again as a new device.
    again = create(client, owner).get_json()["id"]
    connected = DeviceStatusChange("connected", jid, None, "connected")
    assert devices.apply_status(db, owner.tenant_id, again, connected) == "connected"


@pytest.mark.parametrize(("body", "field"), [
    ({"display_name": ""}, "display_name"),
    ({"display_name": "x", "kind": "telegram"}, "kind"),
    ({"display_name": "x", "pair_phone": "12ab"}, "pair_phone"),
    ({"display_name": "x", "pair_phone": "0551199999"}, "pair_phone"),
    ({"display_name": "x", "kind": "simulator", "pair_phone": "5511999990001"}, "body"),
    ({"display_name": "x", "jid": "5511999990001@s.whatsapp.net"}, "jid"),
])
def test_bad_bodies_are_400_naming_the_field(client: FlaskClient, owner: Member,
                                             body: dict[str, Any], field: str) -> None:
    r = client.post("/api/v1/whatsapp/devices", headers=owner.headers, json=body)
    assert r.status_code == 400
    assert field in r.get_json()["error"]["details"]["fields"]


def test_a_number_paired_twice_is_logged_out_on_the_second_device(client: FlaskClient,
                                                                  db: Database) -> None:
    a, b = register_owner(client, "First"), register_owner(client, "Second")
    first, second = create(client, a).get_json()["id"], create(client, b).get_json()["id"]
    number = "5511977776666@s.whatsapp.net"
    paired = DeviceStatusChange("connected", number, None, "pair_success")
    assert devices.apply_status(db, a.tenant_id, first, paired) == "connected"
    assert devices.apply_status(db, b.tenant_id, second, paired) == "logged_out"
    shown = client.get(f"/api/v1/whatsapp/devices/{second}", headers=b.headers).get_json()
    assert (shown["status"], shown["jid"], shown["last_error"]) == (
        "logged_out", None, devices.JID_TAKEN)
    mine = client.get(f"/api/v1/whatsapp/devices/{first}", headers=a.headers).get_json()
    assert (mine["status"], mine["jid"]) == ("connected", number)
