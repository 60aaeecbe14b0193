"""`team.changed` events: every way the team changes (invite, accept, register with an invitation,
role change, removal, revoke) writes one, in that tenant only, and carries ids, never emails."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import PASSWORD, Member, register_owner, unique_email
from webapp.db import Database


def team_events(db: Database, tenant_id: int) -> list[dict[str, Any]]:
    with db.tenant(tenant_id) as conn:
        rows = conn.execute("select mf_event_frame(e) as frame from events e "
                            "where e.type = 'team.changed' order by e.id").fetchall()
    return [r["frame"] for r in rows]


def test_each_change_of_the_team_writes_one_event(client: FlaskClient, db: Database,
                                                  owner: Member) -> None:
    start = len(team_events(db, owner.tenant_id))
    other_tenant = register_owner(client, "Other Co")
    other_start = len(team_events(db, other_tenant.tenant_id))

    # An existing account invited and accepting: the invitation, then the new member.
    inv = client.post("/api/v1/invitations", headers=owner.headers,
                      json={"email": other_tenant.email, "role": "manager"}).get_json()
    r = client.post("/api/v1/invitations/accept", headers=other_tenant.headers,
                    json={"token": inv["token"]})
    assert r.status_code == 201, r.get_json()
    # A new person registering with an invitation.
    email = unique_email("new")
    inv2 = client.post("/api/v1/invitations", headers=owner.headers,
                       json={"email": email, "role": "member"}).get_json()
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "name": "New Person",
        "invitation_token": inv2["token"]})
    assert r.status_code == 201, r.get_json()
    new_id = r.get_json()["user"]["id"]
    # A revoked invitation, a role change (and one that changes nothing), a removal.
    inv3 = client.post("/api/v1/invitations", headers=owner.headers,
                       json={"email": unique_email("x"), "role": "viewer"}).get_json()
    assert client.delete(f"/api/v1/invitations/{inv3['id']}",
                         headers=owner.headers).status_code == 200
    for role in ("viewer", "viewer"):
        assert client.patch(f"/api/v1/members/{new_id}", headers=owner.headers,
                            json={"role": role}).status_code == 200
    assert client.delete(f"/api/v1/members/{new_id}", headers=owner.headers).status_code == 200

    got = [(e["what"], e["change"], e["id"]) for e in team_events(db, owner.tenant_id)[start:]]
    assert got == [
        ("invitation", "created", inv["id"]),
        ("member", "joined", other_tenant.user_id), ("invitation", "accepted", inv["id"]),
        ("invitation", "created", inv2["id"]),
        ("member", "joined", new_id), ("invitation", "accepted", inv2["id"]),
        ("invitation", "created", inv3["id"]), ("invitation", "revoked", inv3["id"]),
        ("member", "role", new_id),
        ("member", "removed", new_id),
    ], got
    # Nothing in the other tenant, and no personal data in any event.
    assert team_events(db, other_tenant.tenant_id)[other_start:] == []
    assert all(set(e) == {"what", "change", "id"} for e in team_events(db, owner.tenant_id))
