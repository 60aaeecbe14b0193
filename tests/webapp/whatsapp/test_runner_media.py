"""Media through the gateway runner, fed REAL neonize MessageEv protobufs through neonize's own
dispatch: the keys are stored with the message, the media loop downloads with the client's
`download_any` (faked at that client seam: WhatsApp's media servers are unreachable), retries
with backoff, gives up after its limit ("media unavailable" with the reason), refuses files
over the size cap, and attachments are sent by uploading and sending the media message."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from neonize.events import ConnectedEv
from neonize.exc import DownloadError
from neonize.proto.Neonize_pb2 import UploadResponse
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import AudioMessage, ImageMessage, Message

from tests.webapp.whatsapp.neonize_events import message_event
from tests.webapp.whatsapp.test_runner import (
    ANA,
    ME,
    Line,
    add_device,
    dispatch,
    fresh_database,
    make_runner,
    wait_for,
)
from webapp.db import Database
from webapp.media import samples, uploads
from webapp.messaging import sending
from webapp.security.principal import Principal
from webapp.tenants.service import add_user, create_tenant
from webapp.whatsapp.runner import GatewayRunner

PHOTO = samples.PHOTOS[2].data
MEDIA_KEY = bytes(range(32))


@pytest.fixture
def fresh(pg_admin_dsn: str, template_db: str) -> Iterator[tuple[Database, str]]:
    """A migrated database for one test, with its DSN."""
    with fresh_database(pg_admin_dsn, template_db) as pair:
        yield pair


def image_event(msg_id: str, size: int = len(PHOTO)) -> Any:
    """A customer's photo as WhatsApp delivers it: metadata and the keys to fetch it."""
    image = ImageMessage(mimetype="image/png", caption="the router", fileLength=size,
                         directPath="/v/t62.7118-24/photo.enc", mediaKey=MEDIA_KEY,
                         fileSHA256=b"\x01" * 32, fileEncSHA256=b"\x02" * 32,
                         URL="https://mmg.whatsapp.net/v/t62.7118-24/photo.enc")
    return message_event(Message(imageMessage=image), msg_id=msg_id)


def media_row(db: Database, tenant: int, wa_id: str) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        row = conn.execute(
            "select mm.state, mm.attempts, mm.keys, mm.sha256, mm.last_error, m.media "
            "from messages m left join message_media mm on mm.message_id = m.id "
            "where m.wa_message_id = %s", (wa_id,)).fetchone()
    assert row is not None
    return row


def started(db: Database, tmp_path: Path, **config: Any) -> tuple[GatewayRunner, Any, int]:
    """A runner with one connected neonize device whose client is returned (not connected
    to WhatsApp: `connect()` is the test's Line)."""
    tenant = create_tenant(db, f"Media {uuid.uuid4().hex[:6]}")
    add_device(db, tenant, status="connected", jid=ME)
    line = Line()
    runner = make_runner(db, tmp_path, line, media_interval=0.05,
                         media_backoff=lambda attempts: 0.0, **config)
    runner.start()
    return runner, wait_for(lambda: line.clients)[-1], tenant


def test_incoming_photo_is_downloaded_into_the_store(fresh: tuple[Database, str],
                                                     tmp_path: Path) -> None:
    db, _ = fresh
    runner, client, tenant = started(db, tmp_path)
    asked: list[Message] = []

    def download_any(message: Message, path: str | None = None) -> bytes:
        asked.append(message)
        return PHOTO

    client.download_any = download_any
    try:
        dispatch(client, image_event("PHOTO1"))  # stored before the callback returns
        pending = media_row(db, tenant, "PHOTO1")
        assert pending["keys"]["direct_path"] == "/v/t62.7118-24/photo.enc"
        assert pending["media"]["state"] == "downloading" and "download" not in pending["media"]
        dispatch(client, ConnectedEv(status=True))  # downloads wait for a connection
        row = wait_for(lambda: (r := media_row(db, tenant, "PHOTO1"))["state"] == "ready" and r)
    finally:
        runner.stop()
    assert row["keys"] is None and row["attempts"] == 1
    assert row["media"] == {"type": "image", "mime": "image/png", "caption": "the router",
                            "size": len(PHOTO), "state": "ready"}
    assert runner.media_store.open(row["sha256"]).read() == PHOTO
    image = asked[0].imageMessage  # the message download_any got: rebuilt from the keys
    assert (image.directPath, image.mediaKey, image.fileSHA256, image.fileLength) == (
        "/v/t62.7118-24/photo.enc", MEDIA_KEY, b"\x01" * 32, len(PHOTO))


def test_a_download_that_keeps_failing_stops_after_the_limit(fresh: tuple[Database, str],
                                                             tmp_path: Path) -> None:
    db, _ = fresh
    runner, client, tenant = started(db, tmp_path, media_attempts=3)
    calls: list[float] = []

    def download_any(message: Message, path: str | None = None) -> bytes:
        calls.append(time.monotonic())
        raise DownloadError("failed to download media: 404 Not Found")

    client.download_any = download_any
    try:
        dispatch(client, ConnectedEv(status=True))
        dispatch(client, image_event("GONE1"))
        row = wait_for(lambda: (r := media_row(db, tenant, "GONE1"))["state"] == "failed" and r)
        time.sleep(0.3)  # several more passes of the media loop
    finally:
        runner.stop()
    assert len(calls) == 3
    reason = ("download failed: failed to download media: 404 Not Found "
              "(gave up after 3 attempts)")
    assert row["media"]["state"] == "unavailable" and row["media"]["reason"] == reason
    assert row["keys"]["media_key"]  # kept: the download never succeeded
    with db.tenant(tenant) as conn:
        updates = conn.execute("select count(*) as n from events where type = 'message.updated'"
                               ).fetchone()
    assert updates == {"n": 1}  # retries are silent; giving up is shown


def test_files_over_the_size_cap_are_never_downloaded(fresh: tuple[Database, str],
                                                      tmp_path: Path) -> None:
    db, _ = fresh
    runner, client, tenant = started(db, tmp_path, media_max_bytes=1000)
    calls: list[Message] = []
    client.download_any = lambda message, path=None: calls.append(message) or PHOTO
    voice = AudioMessage(mimetype="audio/ogg; codecs=opus", PTT=True, seconds=4,
                         fileLength=500, directPath="/v/voice.enc", mediaKey=MEDIA_KEY)
    try:
        dispatch(client, ConnectedEv(status=True))
        dispatch(client, image_event("BIG1", size=5_000_000))
        dispatch(client, message_event(Message(audioMessage=voice), msg_id="VOICE1"))
        big = wait_for(lambda: (r := media_row(db, tenant, "BIG1"))["state"] == "failed" and r)
        small = wait_for(lambda: (r := media_row(db, tenant, "VOICE1"))["state"] != "pending"
                         and r)
    finally:
        runner.stop()
    assert big["media"]["reason"] == "too large (4.8 MB; the limit is 1 KB)"
    assert len(calls) == 1 and calls[0].HasField("audioMessage")  # the voice note only
    assert small["state"] == "ready"
    assert small["media"] == {"type": "audio", "mime": "audio/ogg; codecs=opus", "seconds": 4,
                              "voice": True, "size": len(PHOTO), "state": "ready"}


def test_attachments_and_media_forwards_are_uploaded_and_sent_as_media_messages(
        fresh: tuple[Database, str], tmp_path: Path) -> None:
    db, _ = fresh
    runner, client, tenant = started(db, tmp_path, real_outbox=True)
    user = add_user(db, tenant, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Agent",
                    "correct horse battery", "member")
    agent = Principal(user, tenant, "member", "s", "agent@example.com", "Agent", "Media")
    uploaded: list[tuple[bytes, Any]] = []
    sent: list[tuple[Any, Message]] = []

    def upload(binary: bytes, media_type: Any = None) -> UploadResponse:
        uploaded.append((binary, media_type))
        return UploadResponse(url="https://mmg.whatsapp.net/d/f/inv.enc", DirectPath="/d/inv",
                              MediaKey=MEDIA_KEY, FileEncSHA256=b"\x03" * 32,
                              FileSHA256=b"\x04" * 32, FileLength=len(binary))

    def send_message(to: Any, message: Message, *args: Any, **kwargs: Any) -> Any:
        sent.append((to, message))
        return SimpleNamespace(ID="3EB0MEDIASENT")

    client.upload, client.send_message = upload, send_message
    client.download_any = lambda message, path=None: PHOTO
    try:
        dispatch(client, ConnectedEv(status=True))
        dispatch(client, message_event(Message(conversation="invoice please?"), msg_id="ASK1"))
        with db.tenant(tenant) as conn:
            conv = conn.execute("select id from conversations").fetchone()
        assert conv is not None
        up = uploads.upload(db, runner.media_store, agent, samples.INVOICE.data,
                            filename="INV-7.pdf", declared="application/pdf", max_bytes=1 << 20)
        queued = sending.reply(db, agent, conv["id"], "Here it is", media_id=up["id"])

        def status() -> str:
            with db.tenant(tenant) as conn:
                row = conn.execute("select status from messages where id = %s",
                                   (queued["id"],)).fetchone()
            return str(row["status"]) if row else ""

        wait_for(lambda: status() == "sent")
        # A customer's photo, once downloaded, is forwarded with its bytes (re-uploaded).
        dispatch(client, image_event("PHOTO9"))
        wait_for(lambda: media_row(db, tenant, "PHOTO9")["state"] == "ready")
        with db.tenant(tenant) as conn:
            photo = conn.execute("select id from messages where wa_message_id = 'PHOTO9'"
                                 ).fetchone()
        assert photo is not None
        queued = sending.forward(db, agent, photo["id"], conv["id"])
        assert queued["media"]["state"] == "ready"
        wait_for(lambda: status() == "sent")
    finally:
        runner.stop()
    assert uploaded[1] == (PHOTO, uploaded[1][1]) and uploaded[1][1].name == "MediaImage"
    forwarded = sent[1][1].imageMessage
    assert (forwarded.contextInfo.isForwarded, forwarded.caption, forwarded.mimetype) == (
        True, "the router", "image/png")
    assert uploaded[0][0] == samples.INVOICE.data and uploaded[0][1].name == "MediaDocument"
    to, message = sent[0]
    doc = message.documentMessage
    assert f"{to.User}@{to.Server}" == ANA
    assert (doc.directPath, doc.mediaKey, doc.fileLength, doc.mimetype, doc.fileName,
            doc.caption) == ("/d/inv", MEDIA_KEY, len(samples.INVOICE.data), "application/pdf",
                             "INV-7.pdf", "Here it is")
