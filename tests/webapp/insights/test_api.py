"""The AI beside the thread: a message's verdict in its JSON once analysed (and in the
message.analyzed frame), and GET /conversations/:id/insights with the latest summary and score
and the analysed/important counts; another tenant gets 404."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories as make
from tests.factories import add_member, register_owner
from tests.webapp.llm.test_support import URGENT, seed_messages
from tests.webapp.messaging.conftest import query_all
from webapp.db import Database


def test_verdicts_in_messages_and_the_conversation_insights(client: FlaskClient,
                                                            db: Database) -> None:
    owner = register_owner(client, "Insights A")
    viewer = add_member(client, owner, "viewer")
    other = register_owner(client, "Insights B")
    t = owner.tenant_id
    ids = seed_messages(db, t, [URGENT, "thanks, all good"])
    conv = make.conversation_of(db, t, ids[0])
    url = f"/api/v1/conversations/{conv}/insights"

    empty = client.get(url, headers=viewer.headers).get_json()
    assert empty == {"conversation_id": conv, "summary": None, "score": None, "analysed": 0,
                     "important": 0}
    listed = client.get(f"/api/v1/conversations/{conv}/messages",
                        headers=viewer.headers).get_json()["data"]
    assert all(m["analysis"] is None for m in listed)

    r = client.post("/api/v1/messages/analyze", headers=owner.headers,
                    json={"message_id": ids[0]})
    assert r.status_code == 200, r.get_json()
    frames = query_all(db, t, "select mf_event_frame(e) as f from events e "
                       "where type = 'message.analyzed'")
    assert frames[-1]["f"]["analysis"]["important"] is True
    msg = next(m for m in client.get(f"/api/v1/conversations/{conv}/messages",
                                     headers=viewer.headers).get_json()["data"]
               if m["id"] == ids[0])
    verdict = msg["analysis"]
    assert verdict["priority"] in ("urgent", "high") and verdict["important"]
    assert verdict["provider_kind"] == "local" and verdict["heuristic"]
    assert verdict["language"] and verdict["reason"]

    assert client.post("/api/v1/conversations/summarize", headers=owner.headers,
                       json={"conversation_id": conv}).status_code == 201
    assert client.post(f"/api/v1/conversations/{conv}/score",
                       headers=owner.headers).status_code == 201
    out = client.get(url, headers=viewer.headers).get_json()
    assert out["analysed"] == 1 and out["important"] == 1
    assert out["summary"]["summary"] and out["summary"]["provider_kind"] == "local"
    assert out["summary"]["provider_name"] is None  # the built-in analyser has no provider row
    assert 0 <= out["score"]["score"] <= 100

    assert client.get(url, headers=other.headers).status_code == 404
