"""Contact sync from the paired phone's address book: the API asks (202; 404 for another
tenant's device; 409 when not connected), the gateway runner claims the request and reads
neonize's contact store (REAL neonize Contact protobufs at the client's `contact` seam: the
store fills only from a real phone's app-state sync), names contacts that have no saved name,
never overwrites a name the team edited, adds numbers nobody wrote from, and a simulator device
answers from its cast."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from neonize.events import ConnectedEv
from neonize.proto.Neonize_pb2 import Contact, ContactInfo
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message

from tests import factories as make
from tests.factories import add_member, register_owner
from tests.webapp.whatsapp.neonize_events import jid, message_event, source
from tests.webapp.whatsapp.test_runner import (
    ANA,
    BRUNO,
    ME,
    Line,
    add_device,
    dispatch,
    fresh_database,
    make_runner,
    wait_for,
)
from webapp.db import Database
from webapp.messaging.simulator import address_book
from webapp.security.principal import Principal, RequestMeta
from webapp.tenants.service import add_user, create_tenant
from webapp.whatsapp import device_requests

CARLA = "5511977776666@s.whatsapp.net"
META = RequestMeta(ip="127.0.0.1", user_agent="test")


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def admin_of(db: Database, tenant: int) -> Principal:
    user = add_user(db, tenant, f"admin-{uuid.uuid4().hex[:6]}@example.com", "Admin",
                    "correct horse battery", "admin")
    return Principal(user, tenant, "admin", "s", "admin@example.com", "Admin", "Sync")


def request_row(db: Database, tenant: int, request_id: int) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        row = conn.execute("select * from device_requests where id = %s",
                           (request_id,)).fetchone()
    assert row is not None
    return row


def contacts(db: Database, tenant: int) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        rows = conn.execute("select phone_jid, display_name, push_name from contacts").fetchall()
    return {r["phone_jid"]: (r["display_name"], r["push_name"]) for r in rows}


class Book:
    """neonize's ContactStore at the client seam: answers real Contact protobufs."""

    def __init__(self, contacts: list[Contact]) -> None:
        self.contacts = contacts
        self.calls = 0

    def get_all_contacts(self) -> list[Contact]:
        self.calls += 1
        return self.contacts


def entry(user: str, full: str = "", first: str = "", push: str = "",
          server: str = "s.whatsapp.net") -> Contact:
    return Contact(JID=jid(user, server), Info=ContactInfo(Found=True, FullName=full,
                                                           FirstName=first, PushName=push))


def test_the_address_book_names_contacts_without_overwriting_the_teams_names(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, f"Sync {uuid.uuid4().hex[:6]}")
    device = add_device(db, tenant, status="connected", jid=ME)
    line = Line()
    runner = make_runner(db, tmp_path, line)
    runner.start()
    try:
        client = wait_for(lambda: line.clients)[-1]
        dispatch(client, ConnectedEv(status=True))
        # Ana and Bruno wrote; the team saved a name for Bruno; Carla never wrote.
        dispatch(client, message_event(Message(conversation="hi"), msg_id="A1"))
        bruno = jid(BRUNO.split("@")[0])
        dispatch(client, message_event(Message(conversation="hello"), msg_id="B1",
                                       src=source(bruno, bruno), push_name="Bruno"))
        with db.tenant(tenant) as conn:
            conn.execute("update contacts set display_name = 'Bruno (team)' where phone_jid = %s",
                         (BRUNO,))
        book = Book([entry(ANA.split("@")[0], full="Ana Souza (Loja Centro)", push="Ana"),
                     entry(BRUNO.split("@")[0], full="Bruno from the phone"),
                     entry(CARLA.split("@")[0], first="Carla"),
                     entry("120363012345678901", full="A group", server="g.us")])
        client.contact = book
        wait_for(lambda: runner._status.get(device) == "connected")
        req = device_requests.request_sync(db, admin_of(db, tenant), META, device)
        assert req["state"] == "pending"
        done = wait_for(lambda: (r := request_row(db, tenant, req["id"]))["state"] == "done"
                        and r)
    finally:
        runner.stop()
    assert book.calls == 1
    assert done["result"] == {"contacts": 3, "named": 1, "added": 1} and done["error"] is None
    found = contacts(db, tenant)
    assert found[ANA][0] == "Ana Souza (Loja Centro)"
    assert found[BRUNO][0] == "Bruno (team)"  # the team's name stays
    assert found[CARLA] == ("Carla", None)  # a contact before her first message
    with db.tenant(tenant) as conn:
        title = conn.execute("select title from conversations where chat_jid = %s",
                             (ANA,)).fetchone()
        synced = conn.execute("select mf_event_frame(e) as frame from events e "
                              "where type = 'contacts.synced'").fetchall()
    assert title == {"title": "Ana Souza (Loja Centro)"}
    assert [f["frame"]["state"] for f in synced] == ["done"]
    assert synced[0]["frame"]["result"]["named"] == 1


def test_a_failing_contact_store_is_retried_then_reported(fresh: tuple[Database, str],
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from neonize.exc import ContactStoreError

    db, _ = fresh
    monkeypatch.setattr(device_requests, "RETRY_SECONDS", 0)
    tenant = create_tenant(db, f"Sync {uuid.uuid4().hex[:6]}")
    device = add_device(db, tenant, status="connected", jid=ME)
    line = Line()
    runner = make_runner(db, tmp_path, line, requests_interval=0.05)
    runner.start()
    try:
        client = wait_for(lambda: line.clients)[-1]

        class Broken:
            def get_all_contacts(self) -> list[Contact]:
                raise ContactStoreError("store not ready")

        client.contact = Broken()
        dispatch(client, ConnectedEv(status=True))
        wait_for(lambda: runner._status.get(device) == "connected")
        req = device_requests.request_sync(db, admin_of(db, tenant), META, device)
        row = wait_for(lambda: (r := request_row(db, tenant, req["id"]))["state"] == "failed"
                       and r)
    finally:
        runner.stop()
    assert row["attempts"] == device_requests.MAX_ATTEMPTS
    assert row["error"] == ("reading the address book failed: reading the contact store "
                            "failed: store not ready")


def test_a_simulator_device_answers_from_its_cast(fresh: tuple[Database, str],
                                                  tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, f"Sync {uuid.uuid4().hex[:6]}")
    device = add_device(db, tenant, kind="simulator", status="connected", jid=ME)
    runner = make_runner(db, tmp_path, Line(), requests_interval=0.05)
    runner.start()
    try:
        wait_for(lambda: runner._status.get(device) == "connected")
        req = device_requests.request_sync(db, admin_of(db, tenant), META, device)
        row = wait_for(lambda: (r := request_row(db, tenant, req["id"]))["state"] == "done"
                       and r)
    finally:
        runner.stop()
    cast = address_book()
    assert row["result"] == {"contacts": len(cast), "named": 0, "added": len(cast)}
    found = contacts(db, tenant)
    assert {phone: found[phone][0] for phone, _, _ in cast} == {p: n for p, n, _ in cast}


# -- the API ------------------------------------------------------------------------------------

def sync(client: FlaskClient, who: Any, device_id: int) -> Any:
    return client.post(f"/api/v1/whatsapp/devices/{device_id}/sync-contacts",
                       headers=who.headers)


def test_api_sync_contacts_202_409_404_403(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client)
    admin = add_member(client, owner, "admin")
    member = add_member(client, owner, "member")
    live = make.device(db, owner.tenant_id, status="connected", jid=ME)
    paused = make.device(db, owner.tenant_id, status="disconnected", jid=BRUNO)
    r = sync(client, admin, live)
    assert r.status_code == 202, r.get_json()
    first = r.get_json()
    assert (first["device_id"], first["kind"], first["state"], first["result"]) == (
        live, "sync_contacts", "pending", None)
    again = sync(client, owner, live)  # one open request per device: asking again joins it
    assert again.status_code == 202 and again.get_json()["id"] == first["id"]
    got = client.get(f"/api/v1/whatsapp/device-requests/{first['id']}", headers=member.headers)
    assert got.status_code == 200 and got.get_json() == first
    r = sync(client, admin, paused)
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "device_not_connected"
    assert sync(client, member, live).status_code == 403
    other = register_owner(client)
    assert sync(client, other, live).status_code == 404
    assert client.get(f"/api/v1/whatsapp/device-requests/{first['id']}",
                      headers=other.headers).status_code == 404
    with db.tenant(owner.tenant_id) as conn:  # a removed number is no longer the team's
        conn.execute("update devices set removed_at = now() where id = %s", (live,))
    assert sync(client, admin, live).status_code == 404
    logs = client.get("/api/v1/audit-logs?action=devices.sync_contacts",
                      headers=owner.headers).get_json()["data"]
    assert [(a["actor_email"], a["target_id"]) for a in logs] == [(admin.email, str(live))]
