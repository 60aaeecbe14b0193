"""The audit log: denials are recorded with who, where and from which address; clients can add
entries (namespaced `client.`) and read the log back by page and filter."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import Member, add_member


def test_denial_is_audited(client: FlaskClient, owner: Member) -> None:
    member = add_member(client, owner, "member")
    assert client.get("/api/v1/audit-logs", headers=member.headers).status_code == 403
    logs = client.get("/api/v1/audit-logs?action=audit.read", headers=owner.headers).get_json()
    denied = [e for e in logs["data"] if e["outcome"] == "denied"]
    assert denied and denied[0]["actor_user_id"] == member.user_id
    assert denied[0]["details"]["path"] == "/api/v1/audit-logs"
    assert denied[0]["ip"] == "127.0.0.1"


def test_audit_log_endpoints(client: FlaskClient, owner: Member) -> None:
    r = client.post("/api/v1/audit-logs", headers=owner.headers, json={
        "action": "export.csv", "target_type": "conversations", "details": {"rows": 12}})
    assert r.status_code == 201 and r.get_json()["action"] == "client.export.csv"
    for _ in range(3):
        client.post("/api/v1/audit-logs", headers=owner.headers, json={"action": "export.csv"})
    page1 = client.get("/api/v1/audit-logs?limit=2&action=client.export.csv",
                       headers=owner.headers).get_json()
    assert len(page1["data"]) == 2 and page1["next_cursor"]
    page2 = client.get(f"/api/v1/audit-logs?limit=2&action=client.export.csv"
                       f"&cursor={page1['next_cursor']}", headers=owner.headers).get_json()
    ids = [e["id"] for e in page1["data"] + page2["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    bad = client.post("/api/v1/audit-logs", headers=owner.headers, json={"action": "DROP TABLE"})
    assert bad.status_code == 400
    mine = client.get(f"/api/v1/audit-logs?actor={owner.user_id}&since=2020-01-01T00:00:00Z",
                      headers=owner.headers).get_json()
    assert all(e["actor_user_id"] == owner.user_id for e in mine["data"])
