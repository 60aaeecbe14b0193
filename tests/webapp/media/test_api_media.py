"""GET /messages/:id/media and uploads to send: the tenant's members only (404 for another
tenant's id, never a file path), the right type and disposition, ranges for audio and video,
size and type limits (413/415 in the envelope), a viewer's attachment refused (403, audited)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import Member, add_member, make_settings, msg, register_owner
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.media import samples, service
from webapp.messaging.service import ingest

LIMIT = 40_000  # bytes: the voice note (14 kB Ogg/Opus, 32 kB WAV) fits, 41 kB does not
KEYS = {"direct_path": "/v/t62.7118-24/abc", "media_key": "a2V5"}


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app with a small media limit and its own media directory."""
    home = tmp_path_factory.mktemp("home")
    application = create_app(make_settings(database_url, home, media_max_bytes=LIMIT))
    yield application
    close_app(application)


@dataclass
class Desk:
    owner: Member
    member: Member
    viewer: Member
    other: Member
    conversation: int
    ids: dict[str, int]
    media_dir: Path


def _ids(db: Database, tenant: int) -> dict[str, int]:
    with db.tenant(tenant) as conn:
        rows = conn.execute("select id, wa_message_id from messages").fetchall()
    return {r["wa_message_id"]: r["id"] for r in rows}


@pytest.fixture(scope="module")
def desk(app: Flask, db: Database) -> Desk:
    client = app.test_client()
    owner = register_owner(client, "Media A")
    member, viewer = add_member(client, owner, "member"), add_member(client, owner, "viewer")
    other = register_owner(client, "Media B")
    settings = app.extensions["mf_settings"]
    samples.ensure_samples(service.store(settings))
    t = owner.tenant_id
    ingest(db, t, [
        msg("PHOTO", None, 1, media=samples.PHOTOS[0].media("the router")),
        msg("VOICE", None, 2, media=samples.VOICE_NOTE.media()),
        msg("PDF", None, 3, media=samples.INVOICE.media(filename="INV-42 (März).pdf")),
        msg("LATER", None, 4, media={"type": "image", "mime": "image/jpeg", "size": 10,
                                     "download": KEYS}),
        msg("OLD", None, 5, media={"type": "image", "mime": "image/jpeg", "size": 10}),
    ], device_id=make.device(db, t))
    ingest(db, other.tenant_id, [msg("THEIRS", "hi", 1)],
           device_id=make.device(db, other.tenant_id))
    return Desk(owner, member, viewer, other, make.conversation(db, t, make.ANA),
                _ids(db, t), Path(settings.media_dir))


def _url(desk: Desk, wa_id: str) -> str:
    return f"/api/v1/messages/{desk.ids[wa_id]}/media"


def test_members_get_the_file_with_type_and_disposition(client: FlaskClient,
                                                         desk: Desk) -> None:
    r = client.get(_url(desk, "PHOTO"), headers=desk.viewer.headers)
    assert r.status_code == 200 and r.data == samples.PHOTOS[0].data
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["Content-Disposition"].startswith('inline; filename="image-')
    assert r.headers["Accept-Ranges"] == "bytes"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    r = client.get(_url(desk, "PDF"), headers=desk.member.headers)
    assert r.status_code == 200 and r.data == samples.INVOICE.data
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == (
        "attachment; filename=\"INV-42 (M_rz).pdf\"; filename*=UTF-8''INV-42%20%28M%C3%A4rz%29.pdf")


def test_audio_answers_range_requests_with_206(client: FlaskClient, desk: Desk) -> None:
    data = samples.VOICE_NOTE.data
    r = client.get(_url(desk, "VOICE"), headers={**desk.member.headers, "Range": "bytes=0-99"})
    assert r.status_code == 206 and r.data == data[:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert r.headers["Content-Type"] == samples.VOICE_NOTE.mime  # audio/ogg; codecs=opus
    assert r.headers["Content-Disposition"].startswith("inline;")
    r = client.get(_url(desk, "VOICE"), headers={**desk.member.headers, "Range": "bytes=-10"})
    assert r.status_code == 206 and r.data == data[-10:]
    r = client.get(_url(desk, "VOICE"),
                   headers={**desk.member.headers, "Range": f"bytes={len(data) + 5}-"})
    assert r.status_code == 416


def test_another_tenants_media_is_404_without_any_path(client: FlaskClient,
                                                       desk: Desk) -> None:
    for wa_id in ("PHOTO", "VOICE", "PDF", "LATER"):
        r = client.get(_url(desk, wa_id), headers=desk.other.headers)
        assert r.status_code == 404, wa_id
        body = r.get_data(as_text=True)
        assert r.get_json()["error"]["code"] == "not_found"
        assert str(desk.media_dir) not in body and samples.PHOTOS[0].sha256 not in body
    assert client.get(_url(desk, "PHOTO")).status_code == 401
    assert client.get("/api/v1/messages/999999999/media",
                      headers=desk.owner.headers).status_code == 404


def test_media_not_downloaded_yet_says_so(client: FlaskClient, desk: Desk) -> None:
    r = client.get(_url(desk, "LATER"), headers=desk.owner.headers)
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "media_unavailable"
    assert r.get_json()["error"]["details"]["state"] == "pending"
    # A message from before media was stored has no file at all.
    assert client.get(_url(desk, "OLD"), headers=desk.owner.headers).status_code == 404


def test_message_json_shows_state_but_never_keys_or_hashes(client: FlaskClient,
                                                           desk: Desk) -> None:
    r = client.get(f"/api/v1/conversations/{desk.conversation}/messages",
                   headers=desk.owner.headers)
    media = {m["wa_message_id"]: m["media"] for m in r.get_json()["data"]}
    assert media["PHOTO"] == {"type": "image", "mime": "image/png", "caption": "the router",
                              "size": len(samples.PHOTOS[0].data), "state": "ready"}
    assert media["LATER"]["state"] == "downloading" and "OLD" in media
    assert "state" not in media["OLD"]
    text = r.get_data(as_text=True)
    assert "media_key" not in text and "direct_path" not in text and "sha256" not in text


def _upload(client: FlaskClient, who: Member, data: bytes, name: str,
            mime: str = "application/octet-stream") -> Any:
    return client.post("/api/v1/media", headers=who.headers,
                       data={"file": (BytesIO(data), name, mime)},
                       content_type="multipart/form-data")


def test_an_agent_uploads_a_pdf_and_replies_with_it(client: FlaskClient, desk: Desk,
                                                    db: Database) -> None:
    r = _upload(client, desk.member, samples.INVOICE.data, "../../etc/INV 7.pdf",
                "application/pdf")
    assert r.status_code == 201, r.get_json()
    up = r.get_json()
    assert {k: up[k] for k in ("type", "mime", "filename", "size")} == {
        "type": "document", "mime": "application/pdf", "filename": "INV 7.pdf",
        "size": len(samples.INVOICE.data)}
    r = client.post("/api/v1/messages/reply", headers=desk.member.headers,
                    json={"conversation_id": desk.conversation, "media_id": up["id"],
                          "text": "Here is the invoice"})
    assert r.status_code == 202, r.get_json()
    sent = r.get_json()
    assert sent["text"] is None and sent["status"] == "queued"
    assert sent["media"] == {"type": "document", "mime": "application/pdf",
                             "size": len(samples.INVOICE.data), "filename": "INV 7.pdf",
                             "caption": "Here is the invoice", "state": "ready"}
    r = client.get(f"/api/v1/messages/{sent['id']}/media", headers=desk.viewer.headers)
    assert r.status_code == 200 and r.data == samples.INVOICE.data
    assert r.headers["Content-Disposition"].startswith('attachment; filename="INV 7.pdf"')
    # Another tenant can neither use the upload nor read the sent file.
    r = client.post("/api/v1/messages/reply", headers=desk.other.headers,
                    json={"conversation_id": desk.conversation, "media_id": up["id"]})
    assert r.status_code == 404
    assert client.get(f"/api/v1/messages/{sent['id']}/media",
                      headers=desk.other.headers).status_code == 404
    with db.tenant(desk.other.tenant_id) as conn:
        assert conn.execute("select count(*) as n from media_uploads").fetchone() == {"n": 0}


def test_uploads_over_the_limit_are_413(client: FlaskClient, desk: Desk) -> None:
    r = _upload(client, desk.member, b"%PDF-1.4\n" + b"0" * LIMIT, "big.pdf")
    assert r.status_code == 413
    error = r.get_json()["error"]
    assert error["code"] == "payload_too_large" and error["details"]["max_bytes"] == LIMIT
    r = _upload(client, desk.member, b"%PDF-1.4\n" + b"0" * (LIMIT + 100_000), "huge.pdf")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(("data", "name", "mime"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
     "image/svg+xml"),
    (b"<html><script>alert(1)</script></html>", "x.pdf", "application/pdf"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "setup.exe", "application/octet-stream"),
    (b"", "empty.txt", "text/plain"),
])
def test_refused_types_are_415(client: FlaskClient, desk: Desk, data: bytes, name: str,
                               mime: str) -> None:
    r = _upload(client, desk.member, data, name, mime)
    assert r.status_code == 415, r.get_json()
    assert r.get_json()["error"]["code"] == "unsupported_media_type"


def test_upload_needs_a_file_and_reply_needs_content(client: FlaskClient, desk: Desk) -> None:
    r = client.post("/api/v1/media", headers=desk.member.headers, data={"x": "1"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "file" in r.get_json()["error"]["details"]["fields"]
    r = client.post("/api/v1/messages/reply", headers=desk.member.headers,
                    json={"conversation_id": desk.conversation})
    assert r.status_code == 400
    r = client.post("/api/v1/messages/reply", headers=desk.member.headers,
                    json={"conversation_id": desk.conversation, "media_id": 987654321})
    assert r.status_code == 404


def test_a_viewer_sending_an_attachment_is_403_and_audited(client: FlaskClient, desk: Desk,
                                                          db: Database) -> None:
    r = _upload(client, desk.viewer, samples.PHOTOS[1].data, "photo.png", "image/png")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    with db.tenant(desk.owner.tenant_id) as conn:
        rows = conn.execute(
            "select action, outcome, details from audit_logs where actor_user_id = %s",
            (desk.viewer.user_id,)).fetchall()
    assert {"action": "messages.send", "outcome": "denied",
            "details": {"method": "POST", "path": "/api/v1/media"}} in rows


def test_forwards_keep_the_file_only_when_it_is_stored(client: FlaskClient, desk: Desk) -> None:
    def forward(wa_id: str) -> dict[str, Any]:
        r = client.post("/api/v1/messages/forward", headers=desk.member.headers,
                        json={"message_id": desk.ids[wa_id],
                              "conversation_id": desk.conversation})
        assert r.status_code == 202, r.get_json()
        body: dict[str, Any] = r.get_json()
        return body

    photo = forward("PHOTO")
    assert photo["media"]["state"] == "ready"
    r = client.get(f"/api/v1/messages/{photo['id']}/media", headers=desk.viewer.headers)
    assert r.status_code == 200 and r.data == samples.PHOTOS[0].data
    later = forward("LATER")  # still downloading: the copy shows the metadata only
    assert later["media"] == {"type": "image", "mime": "image/jpeg", "size": 10}
    assert client.get(f"/api/v1/messages/{later['id']}/media",
                      headers=desk.viewer.headers).status_code == 404
