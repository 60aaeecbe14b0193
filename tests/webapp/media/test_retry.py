"""POST /messages/:id/media/retry: a given-up download starts over (202, the message shows
"Downloading…" again with a message.updated event, audited), the gateway's next pass fetches it;
409 while it is still trying or done; 404 for another tenant's message; a viewer is refused."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, msg, register_owner
from webapp.db import Database
from webapp.media import downloads, samples
from webapp.media.store import FileStore
from webapp.messaging.service import ingest

KEYS = {"direct_path": "/v/t62.7118-24/abc", "media_key": "a2V5"}


def _row(db: Database, tenant: int, message_id: int) -> dict[str, Any]:
    with db.tenant(tenant) as conn:
        row = conn.execute("select mm.state, mm.attempts, mm.last_error, m.media "
                           "from message_media mm join messages m on m.id = mm.message_id "
                           "where m.id = %s", (message_id,)).fetchone()
    assert row is not None
    return row


def test_a_given_up_download_is_retried_from_the_screen(client: FlaskClient, db: Database,
                                                        tmp_path: Any) -> None:
    owner = register_owner(client, "Retry A")
    member, viewer = add_member(client, owner, "member"), add_member(client, owner, "viewer")
    other = register_owner(client, "Retry B")
    t = owner.tenant_id
    device = make.device(db, t)
    ingest(db, t, [msg("LATE", None, 1, media={"type": "image", "mime": "image/png",
                                               "size": 10, "download": KEYS}),
                   msg("PHOTO", None, 2, media=samples.PHOTOS[0].media())], device_id=device)
    with db.tenant(t) as conn:
        ids = {r["wa_message_id"]: r["id"]
               for r in conn.execute("select id, wa_message_id from messages")}
    url = f"/api/v1/messages/{ids['LATE']}/media/retry"

    r = client.post(url, headers=member.headers)  # still trying: nothing to retry
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "media_not_failed"
    assert client.post(f"/api/v1/messages/{ids['PHOTO']}/media/retry",
                       headers=member.headers).status_code == 409  # done

    for job in downloads.claim(db, t, device):
        downloads.fail(db, t, job, "download failed: 404 (gave up after 6 attempts)",
                       retry_in=None)
    assert _row(db, t, ids["LATE"])["media"]["state"] == "unavailable"

    assert client.post(url, headers=viewer.headers).status_code == 403
    assert client.post(url, headers=other.headers).status_code == 404
    r = client.post(url, headers=member.headers)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["media"]["state"] == "downloading"
    assert "reason" not in r.get_json()["media"]
    row = _row(db, t, ids["LATE"])
    assert (row["state"], row["attempts"], row["last_error"]) == ("pending", 0, None)
    assert client.post(url, headers=member.headers).status_code == 409  # trying again now
    with db.tenant(t) as conn:
        updates = conn.execute("select count(*) as n from events where type = 'message.updated' "
                               "and (data ->> 'id')::bigint = %s", (ids["LATE"],)).fetchone()
    assert updates == {"n": 2}  # gave up, then downloading again
    logs = client.get("/api/v1/audit-logs?action=media.retry",
                      headers=owner.headers).get_json()["data"]
    assert [(a["actor_email"], a["target_id"]) for a in logs] == [(member.email,
                                                                   str(ids["LATE"]))]

    store = FileStore(tmp_path)  # the gateway's next pass downloads it
    outcomes = downloads.run_due(db, store, t, device, lambda job: samples.PHOTOS[1].data,
                                 max_bytes=1 << 20, max_attempts=6)
    assert outcomes == ["ready"]
    assert _row(db, t, ids["LATE"])["media"]["state"] == "ready"
