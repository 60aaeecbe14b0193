"""/contacts: search by name or number with paging, the contact panel's data, the team's edits
(saved name retitles the direct chat and survives later ingest), and every refusal."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, msg, register_owner
from webapp.db import Database
from webapp.messaging.service import ingest

GROUP = "120363000000000009@g.us"


def _jid(n: int) -> str:
    return f"55119888800{n:02d}@s.whatsapp.net"


def test_search_page_edit_and_refusals(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client, "Contacts A")
    member = add_member(client, owner, "member")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Contacts B")
    t = owner.tenant_id
    device = make.device(db, t)
    names = ["Ana Souza", "ana souza", "Bruno Alves", "Carla Dias", "Dora Lima"]
    ingest(db, t, [msg(f"CT{i}", "Hi", i, chat=_jid(i), name=n) for i, n in enumerate(names)]
           + [msg("CTG", "In the group", 9, chat=GROUP, sender=_jid(0), name="Ana Souza")],
           device_id=device)
    ingest(db, other.tenant_id, [msg("CTX", "Hi", 1, chat=_jid(0), name="Ana Souza")],
           device_id=make.device(db, other.tenant_id))

    # Search by name (case-insensitive) and by number; paging keeps the order.
    r = client.get("/api/v1/contacts?q=ana", headers=viewer.headers).get_json()
    assert [c["phone"] for c in r["data"]] == ["+5511988880000", "+5511988880001"]
    assert client.get("/api/v1/contacts?q=880003",
                      headers=viewer.headers).get_json()["data"][0]["name"] == "Carla Dias"
    page1 = client.get("/api/v1/contacts?limit=2", headers=viewer.headers).get_json()
    page2 = client.get(f"/api/v1/contacts?limit=2&cursor={page1['next_cursor']}",
                       headers=viewer.headers).get_json()
    page3 = client.get(f"/api/v1/contacts?limit=2&cursor={page2['next_cursor']}",
                       headers=viewer.headers).get_json()
    seen = [c["name"] for c in page1["data"] + page2["data"] + page3["data"]]
    assert [n.lower() for n in seen] == sorted(n.lower() for n in names)
    assert page3["next_cursor"] is None
    assert client.get("/api/v1/contacts?cursor=nonsense",
                      headers=viewer.headers).status_code == 400

    ana = r["data"][0]
    detail = client.get(f"/api/v1/contacts/{ana['id']}", headers=viewer.headers).get_json()
    assert detail["phone_jid"] == _jid(0) and detail["push_name"] == "Ana Souza"
    assert sorted(c["is_group"] for c in detail["conversations"]) == [False, True]

    # Edits: saved name (retitles the direct chat), notes, attributes, labels.
    vip = client.post("/api/v1/labels", headers=owner.headers, json={"name": "VIP"}).get_json()
    r = client.patch(f"/api/v1/contacts/{ana['id']}", headers=member.headers, json={
        "display_name": "Ana Souza (Gold)", "notes": "Prefers mornings",
        "attributes": {"plan": "Gold", "city": "Recife"}, "label_ids": [vip["id"]]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["name"] == "Ana Souza (Gold)" and body["attributes"] == {"plan": "Gold",
                                                                          "city": "Recife"}
    assert [lb["name"] for lb in body["labels"]] == ["VIP"]
    conv = make.conversation(db, t, _jid(0))
    assert client.get(f"/api/v1/conversations/{conv}",
                      headers=viewer.headers).get_json()["title"] == "Ana Souza (Gold)"
    # A later message with the WhatsApp name does not undo the saved name.
    ingest(db, t, [msg("CT9", "Again", 20, chat=_jid(0), name="Ana S.")], device_id=device)
    assert client.get(f"/api/v1/conversations/{conv}",
                      headers=viewer.headers).get_json()["title"] == "Ana Souza (Gold)"
    # Clearing it gives the chat back the WhatsApp name.
    client.patch(f"/api/v1/contacts/{ana['id']}", headers=member.headers,
                 json={"display_name": None})
    assert client.get(f"/api/v1/conversations/{conv}",
                      headers=viewer.headers).get_json()["title"] == "Ana S."

    # Refusals.
    url = f"/api/v1/contacts/{ana['id']}"
    assert client.patch(url, headers=viewer.headers, json={"notes": "x"}).status_code == 403
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.patch(url, headers=other.headers, json={"notes": "x"}).status_code == 404
    theirs = client.post("/api/v1/labels", headers=other.headers, json={"name": "T"}).get_json()
    r = client.patch(url, headers=member.headers, json={"label_ids": [theirs["id"]]})
    assert r.status_code == 404 and "label_ids" in r.get_json()["error"]["details"]["fields"]
    r = client.patch(url, headers=member.headers, json={"attributes": {"plan": 3}})
    assert r.status_code == 400
    r = client.patch(url, headers=member.headers, json={"notes": None})
    assert r.status_code == 400 and "notes" in r.get_json()["error"]["details"]["fields"]
    assert client.patch(url, headers=member.headers, json={}).status_code == 400
    with db.tenant(t) as c:
        audited = c.execute("select count(*) as n from audit_logs "
                            "where action = 'contacts.update'").fetchone()
    assert audited is not None and audited["n"] == 2
