"""Who may read, apply and manage labels; every labels route declares its permission."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.labels.conftest import Desks, create_label, error_of
from webapp.http.api import REGISTRY
from webapp.security import rbac

MATRIX = {
    "labels.read": {"viewer": True, "member": True, "manager": True, "admin": True,
                    "owner": True},
    "labels.apply": {"viewer": False, "member": True, "manager": True, "admin": True,
                     "owner": True},
    "labels.manage": {"viewer": False, "member": False, "manager": True, "admin": True,
                      "owner": True},
}
ROUTES = {
    ("/api/v1/labels", "get"): "labels.read",
    ("/api/v1/labels", "post"): "labels.manage",
    ("/api/v1/labels/<int:label_id>", "patch"): "labels.manage",
    ("/api/v1/labels/<int:label_id>", "delete"): "labels.manage",
    ("/api/v1/conversations/<int:conversation_id>/labels", "post"): "labels.apply",
    ("/api/v1/conversations/<int:conversation_id>/labels/<int:label_id>", "delete"):
        "labels.apply",
    ("/api/v1/messages/<int:message_id>/labels", "post"): "labels.apply",
    ("/api/v1/messages/<int:message_id>/labels/<int:label_id>", "delete"): "labels.apply",
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", rbac.ROLES)
def test_permission_table(role: str, action: str) -> None:
    assert rbac.allowed(role, action) is MATRIX[action][role]


def test_every_labels_route_declares_its_permission(app: Flask) -> None:
    declared = {(s.path, s.method): s.permission for s in REGISTRY if s.name.startswith("labels.")}
    assert declared == ROUTES
    served = {(r.rule, m.lower()) for r in app.url_map.iter_rules()
              if r.endpoint.startswith("labels.")
              for m in (r.methods or set()) - {"HEAD", "OPTIONS"}}
    assert served == set(ROUTES)


@pytest.mark.parametrize("role", ["viewer", "member", "manager"])
def test_roles_are_enforced(client: FlaskClient, desks: Desks, role: str) -> None:
    who = {"viewer": desks.viewer, "member": desks.member, "manager": desks.manager}[role]
    label = create_label(client, desks.owner, f"rbac-{role}")
    assert client.get("/api/v1/labels", headers=who.headers).status_code == 200
    calls = {
        "labels.manage": [
            client.post("/api/v1/labels", headers=who.headers,
                        json={"name": f"new-{uuid.uuid4().hex[:8]}"}),
            client.patch(f"/api/v1/labels/{label['id']}", headers=who.headers,
                         json={"color": "#123456"}),
        ],
        "labels.apply": [
            client.post(f"/api/v1/conversations/{desks.ana}/labels", headers=who.headers,
                        json={"label_id": label["id"]}),
            client.delete(f"/api/v1/conversations/{desks.ana}/labels/{label['id']}",
                          headers=who.headers),
        ],
    }
    for action, responses in calls.items():
        for r in responses:
            if MATRIX[action][role]:
                assert r.status_code in (200, 201), (action, r.get_json())
            else:
                assert r.status_code == 403, (action, r.get_json())
                assert error_of(r)["details"] == {"action": action,
                                                  "required_role": rbac.PERMISSIONS[action]}
    r = client.delete(f"/api/v1/labels/{label['id']}", headers=who.headers)
    assert r.status_code == (200 if MATRIX["labels.manage"][role] else 403)


def test_signed_out_is_a_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/labels").status_code == 401
    assert client.post("/api/v1/labels", json={"name": "x"}).status_code == 401
