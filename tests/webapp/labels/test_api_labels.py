"""GET/POST/PATCH/DELETE /labels: CRUD, names unique ignoring case, bad input, audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.webapp.labels.conftest import Desks, create_label, error_of


def _labels(client: FlaskClient, desks: Desks) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/labels", headers=desks.viewer.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["next_cursor"] is None
    return {lab["name"]: lab for lab in body["data"]}


def test_create_list_update_delete(client: FlaskClient, desks: Desks) -> None:
    made = create_label(client, desks.manager, "  Refunds ", "#A1B2C3")
    assert made["name"] == "Refunds" and made["color"] == "#a1b2c3"
    assert made["conversation_count"] == 0 and made["created_at"].endswith("Z")
    plain = create_label(client, desks.manager, "callback")
    assert plain["color"] == "#64748b"
    listed = _labels(client, desks)
    assert listed["Refunds"] == made and listed["callback"]["id"] == plain["id"]

    r = client.patch(f"/api/v1/labels/{made['id']}", headers=desks.manager.headers,
                     json={"name": "Refund requests"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {**made, "name": "Refund requests"}
    r = client.patch(f"/api/v1/labels/{made['id']}", headers=desks.manager.headers,
                     json={"color": "#00ff00"})
    assert r.get_json()["color"] == "#00ff00" and r.get_json()["name"] == "Refund requests"

    r = client.delete(f"/api/v1/labels/{made['id']}", headers=desks.manager.headers)
    assert r.status_code == 200
    assert r.get_json() == {"status": "deleted", "id": made["id"], "conversation_count": 0}
    assert "Refund requests" not in _labels(client, desks)
    for method in (client.delete, client.patch):
        r = method(f"/api/v1/labels/{made['id']}", headers=desks.manager.headers,
                   json={"name": "again"})
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_list_is_sorted_by_name_ignoring_case(client: FlaskClient, desks: Desks) -> None:
    for name in ("zeta-sort", "Alpha-sort", "beta-sort"):
        create_label(client, desks.owner, name)
    names = [n for n in _labels(client, desks) if n.endswith("-sort")]
    assert names == ["Alpha-sort", "beta-sort", "zeta-sort"]


def test_names_are_unique_ignoring_case(client: FlaskClient, desks: Desks) -> None:
    vip = create_label(client, desks.manager, "VIP")
    r = client.post("/api/v1/labels", headers=desks.manager.headers, json={"name": " vip "})
    assert r.status_code == 409
    error = error_of(r)
    assert error["code"] == "label_name_taken" and "name" in error["details"]["fields"]
    other = create_label(client, desks.manager, "VIP-2")
    r = client.patch(f"/api/v1/labels/{other['id']}", headers=desks.manager.headers,
                     json={"name": "Vip"})
    assert r.status_code == 409 and error_of(r)["code"] == "label_name_taken"
    r = client.patch(f"/api/v1/labels/{vip['id']}", headers=desks.manager.headers,
                     json={"name": "Vip"})
    assert r.status_code == 200 and r.get_json()["name"] == "Vip"  # its own name, new case
    # Another tenant may use the same name.
    assert create_label(client, desks.other, "vip")["name"] == "vip"


@pytest.mark.parametrize(("method", "body", "field"), [
    ("post", {}, "name"),
    ("post", {"name": ""}, "name"),
    ("post", {"name": "   "}, "name"),
    ("post", {"name": "x" * 51}, "name"),
    ("post", {"name": 7}, "name"),
    ("post", {"name": "2024"}, "name"),
    ("post", {"name": "tab\there"}, "name"),
    ("post", {"name": "ok", "color": "red"}, "color"),
    ("post", {"name": "ok", "color": "#12345"}, "color"),
    ("post", {"name": "ok", "colour": "#123456"}, "colour"),
    ("patch", {}, "body"),
    ("patch", {"name": None}, "name"),
    ("patch", {"color": None}, "color"),
    ("patch", {"color": "#GGGGGG"}, "color"),
])
def test_bad_input_is_a_400_naming_the_field(client: FlaskClient, desks: Desks, method: str,
                                              body: dict[str, Any], field: str) -> None:
    label = create_label(client, desks.manager, f"bad-input-{uuid.uuid4().hex[:8]}")
    url = "/api/v1/labels" if method == "post" else f"/api/v1/labels/{label['id']}"
    r = getattr(client, method)(url, headers=desks.manager.headers, json=body)
    assert r.status_code == 400, r.get_json()
    error = error_of(r)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == [field]
    assert field in error["message"]


def test_a_body_that_is_not_json_is_a_400(client: FlaskClient, desks: Desks) -> None:
    r = client.post("/api/v1/labels", headers=desks.manager.headers, data="name=x",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and error_of(r)["code"] == "invalid_content_type"
    r = client.post("/api/v1/labels", headers=desks.manager.headers, data="{",
                    content_type="application/json")
    assert r.status_code == 400 and error_of(r)["code"] == "malformed_json"


def test_create_update_delete_are_audited(client: FlaskClient, desks: Desks) -> None:
    label = create_label(client, desks.manager, "audited", "#111111")
    client.patch(f"/api/v1/labels/{label['id']}", headers=desks.manager.headers,
                 json={"name": "audited-2"})
    client.delete(f"/api/v1/labels/{label['id']}", headers=desks.manager.headers)
    r = client.get("/api/v1/audit-logs?action=labels", headers=desks.owner.headers)
    rows = [e for e in r.get_json()["data"] if e["target_id"] == str(label["id"])]
    assert [(e["action"], e["actor_user_id"], e["target_type"]) for e in rows] == [
        ("labels.delete", desks.manager.user_id, "label"),
        ("labels.update", desks.manager.user_id, "label"),
        ("labels.create", desks.manager.user_id, "label"),
    ]
    delete, update, create = rows
    assert create["after"] == {"name": "audited", "color": "#111111"}
    assert update["before"]["name"] == "audited" and update["after"]["name"] == "audited-2"
    assert delete["before"] == {"name": "audited-2", "color": "#111111",
                                "conversation_count": 0}
