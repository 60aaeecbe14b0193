"""Profile pictures through the gateway runner: neonize's `get_profile_picture` (faked at the
client seam, answering REAL ProfilePictureInfo protobufs / raising neonize's own error) gives a
URL the gateway downloads through the outbound policy (a real HTTP server on loopback), into the
content-addressed media store; a contact who hides theirs gets none; a refused address stores
nothing; a simulator device's contacts get generated avatars; the API serves them."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from neonize.events import ConnectedEv
from neonize.exc import GetProfilePictureError
from neonize.proto.Neonize_pb2 import JID, GetProfilePictureParams, ProfilePictureInfo
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message

from tests import factories as make
from tests.factories import msg, register_owner
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
from webapp.contacts import pictures
from webapp.db import Database
from webapp.media import samples
from webapp.media import service as media_service
from webapp.media.store import FileStore
from webapp.messaging.service import ingest
from webapp.messaging.simulator import address_book
from webapp.security import outbound
from webapp.tenants.service import create_tenant
from webapp.whatsapp.neonize_gateway import fetch_url

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(200)) + b"\xff\xd9"


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


@pytest.fixture
def cdn() -> Iterator[tuple[str, list[str]]]:
    """WhatsApp's picture CDN stand-in: serves JPEG at any path, records the paths asked."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(JPEG)))
            self.end_headers()
            self.wfile.write(JPEG)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def picture_keys(db: Database, tenant: int) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        rows = conn.execute("select phone_jid, picture_key, picture_checked_at from contacts"
                            ).fetchall()
    return {r["phone_jid"]: r for r in rows}


def test_pictures_are_fetched_through_the_policy_into_the_store(
        fresh: tuple[Database, str], tmp_path: Path, cdn: tuple[str, list[str]]) -> None:
    db, _ = fresh
    base, asked = cdn
    tenant = create_tenant(db, f"Pics {uuid.uuid4().hex[:6]}")
    add_device(db, tenant, status="connected", jid=ME)
    line = Line()
    runner = make_runner(db, tmp_path, line, requests_interval=0.05, picture_interval=0.05)
    runner.start()
    calls: list[tuple[str, bool]] = []

    def get_profile_picture(who: JID, extra: GetProfilePictureParams | None = None
                            ) -> ProfilePictureInfo:
        assert extra is not None  # the gateway asks for the preview size
        calls.append((f"{who.User}@{who.Server}", extra.Preview))
        if who.User == BRUNO.split("@")[0]:
            raise GetProfilePictureError("the user has hidden their profile picture from you")
        return ProfilePictureInfo(URL=f"{base}/v/t61/ana.jpg?oh=1", ID="1700000000",
                                  Type="preview", DirectPath="/v/t61/ana.jpg")

    try:
        client = wait_for(lambda: line.clients)[-1]
        client.get_profile_picture = get_profile_picture
        dispatch(client, ConnectedEv(status=True))
        bruno = jid(BRUNO.split("@")[0])
        dispatch(client, message_event(Message(conversation="hi"), msg_id="A1"))
        dispatch(client, message_event(Message(conversation="hello"), msg_id="B1",
                                       src=source(bruno, bruno), push_name="Bruno"))
        found = wait_for(lambda: (k := picture_keys(db, tenant))[ANA]["picture_key"]
                         and k[BRUNO]["picture_checked_at"] and k)
    finally:
        runner.stop()
    assert sorted(calls) == sorted([(ANA, True), (BRUNO, True)])  # the preview size, once
    assert asked == ["/v/t61/ana.jpg?oh=1"]
    assert runner.media_store.open(found[ANA]["picture_key"]).read() == JPEG
    assert found[BRUNO]["picture_key"] is None  # hidden: none, checked again after a day
    with db.tenant(tenant) as conn:
        conv = conn.execute("select mf_conversation_json(c) as j from conversations c "
                            "where chat_jid = %s", (ANA,)).fetchone()
    assert conv is not None and conv["j"]["has_picture"] is True


def test_a_picture_url_the_policy_refuses_is_not_fetched(
        fresh: tuple[Database, str], tmp_path: Path, cdn: tuple[str, list[str]]) -> None:
    db, _ = fresh
    base, asked = cdn
    tenant = create_tenant(db, f"Pics {uuid.uuid4().hex[:6]}")
    device = add_device(db, tenant, status="connected", jid=ME)
    ingest(db, tenant, [msg("A1", "hi", 1)], device_id=device)
    old = outbound.configure([])  # production: loopback is not a destination
    try:
        checked = pictures.refresh_due(
            db, runner_store(tmp_path), tenant, device,
            lambda who: fetch_url(f"{base}/ana.jpg"))
    finally:
        outbound.configure(old)
    assert checked == 1 and asked == []
    row = picture_keys(db, tenant)[make.ANA]
    assert row["picture_key"] is None and row["picture_checked_at"] is not None


def runner_store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "media")


def test_simulator_contacts_get_generated_avatars(fresh: tuple[Database, str],
                                                  tmp_path: Path) -> None:
    db, _ = fresh
    tenant = create_tenant(db, f"Pics {uuid.uuid4().hex[:6]}")
    device = add_device(db, tenant, kind="simulator", status="connected", jid=ME)
    phone, _saved, name = address_book()[0]
    ingest(db, tenant, [msg("S1", "hi", 1, chat=phone, sender=phone, name=name)],
           device_id=device)
    runner = make_runner(db, tmp_path, Line(), requests_interval=0.05, picture_interval=0.05)
    runner.start()
    try:
        key = wait_for(lambda: picture_keys(db, tenant)[phone]["picture_key"])
    finally:
        runner.stop()
    assert runner.media_store.open(key).read() == samples.avatar(name)


def test_the_avatar_endpoint(client: FlaskClient, db: Database) -> None:
    owner = register_owner(client)
    other = register_owner(client)
    t = owner.tenant_id
    ingest(db, t, [msg("P1", "hi", 1), msg("P2", "yo", 2, chat=make.BRUNO, sender=make.BRUNO)],
           device_id=make.device(db, t))
    store = media_service.store(client.application.extensions["mf_settings"])
    key = store.put(JPEG)
    with db.tenant(t, events=True) as conn:
        conn.execute("update contacts set picture_key = %s where phone_jid = %s", (key, make.ANA))
        ids = {r["phone_jid"]: r["id"] for r in conn.execute("select id, phone_jid from contacts")}
    url = f"/api/v1/contacts/{ids[make.ANA]}/avatar"
    r = client.get(url, headers=owner.headers)
    assert r.status_code == 200 and r.data == JPEG
    assert r.headers["Content-Type"] == "image/jpeg" and r.headers["ETag"] == f'"{key}"'
    again = client.get(url, headers={**owner.headers, "If-None-Match": f'"{key}"'})
    assert again.status_code == 304
    none = client.get(f"/api/v1/contacts/{ids[make.BRUNO]}/avatar", headers=owner.headers)
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "no_picture"
    theirs = client.get(url, headers=other.headers)
    assert theirs.status_code == 404 and key not in theirs.get_data(as_text=True)
    assert client.get(url).status_code == 401
    shown = client.get(f"/api/v1/contacts/{ids[make.ANA]}", headers=owner.headers).get_json()
    assert shown["has_picture"] is True
    convs = client.get("/api/v1/conversations", headers=owner.headers).get_json()["data"]
    assert {c["chat_jid"]: c["has_picture"] for c in convs} == {make.ANA: True, make.BRUNO: False}
