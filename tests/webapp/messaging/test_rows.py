"""The typed conversation and message JSON (webapp/messaging/rows.py) is what the SQL serializers
build: every key, every nested shape and every value's type, checked on rows the services
return (conversation, labels, sending, the lists, search), and the same keys as the OpenAPI
response models (webapp/messaging/schemas.py)."""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from pydantic import BaseModel

from tests import factories as make
from tests.factories import ANA, T0, msg
from webapp.db import Database
from webapp.labels import messages as message_labels
from webapp.labels import service as labels
from webapp.messaging import conversations, rows, schemas, search, sending
from webapp.messaging.records import Media, MediaKeys


def problems(value: Any, hint: Any, where: str = "$") -> list[str]:
    """Where `value` does not have the type `hint` describes (TypedDicts: exactly their keys)."""
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        fields = get_type_hints(hint)
        out = [f"{where}.{k}: missing" for k in sorted(hint.__required_keys__ - value.keys())]
        out += [f"{where}.{k}: not in {hint.__name__}"
                for k in sorted(value.keys() - fields.keys())]
        for key in sorted(value.keys() & fields.keys()):
            out += problems(value[key], fields[key], f"{where}.{key}")
        return out
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        tried = [problems(value, arm, where) for arm in args]
        return [] if [] in tried else min(tried, key=len)
    if origin is Literal:
        return [] if value in args else [f"{where}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{where}[{i}]")]
    if hint is type(None):
        ok = value is None
    elif hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{where}: {value!r} is not {getattr(hint, '__name__', hint)}"]


@pytest.fixture(scope="module")
def served(db: Database) -> dict[str, Any]:
    """One tenant's conversation with every part a row can carry: a label, a last message
    sent by a member, media, a reaction, a message label and an analysis."""
    p = make.principal(db, "Typed rows")
    t = p.tenant_id
    device = make.device(db, t, jid="15550100009@s.whatsapp.net")
    ids = make.messages(db, t, [
        msg("TR1", "Is invoice 42 paid?", 1),
        msg("TR2", None, 2, media={"type": "image", "mime": "image/jpeg",
                                   "caption": "the receipt", "size": 1234}),
        {"kind": "reaction", "id": "TR3", "chat": ANA, "sender": ANA, "target_id": "TR1",
         "emoji": "\U0001f44d", "timestamp": T0.isoformat()},
    ], device_id=device)
    conv = make.conversation(db, t, ANA)
    with db.tenant(t) as conn:
        conn.execute(
            "insert into message_analyses (tenant_id, message_id, conversation_id, provider_kind,"
            " model, prompt_version, is_important, priority, sentiment, sentiment_score,"
            " language, topics, confidence) values (mf_current_tenant(), %s, %s, 'local',"
            " 'heuristic-1', 'v1', true, 'high', 'neutral', 0, 'en', '{billing}', 0.5)",
            (ids[0], conv))
    label = labels.create_label(db, p, "Invoice", "#0ea5e9")
    labelled = labels.attach_label(db, p, conv, int(label["id"]))
    message = message_labels.change(db, p, ids[0], int(label["id"]), on=True)
    sent = sending.reply(db, p, conv, "Paid yesterday.", quoted_message_id=ids[0])
    return {"p": p, "conv": conv, "labelled": labelled, "message": message, "sent": sent,
            "read": conversations.mark_read(db, p, conv),
            "one": conversations.get_conversation(db, p, conv)}


def test_the_conversation_json_is_a_conversation_row(served: dict[str, Any]) -> None:
    for key in ("labelled", "read", "one"):
        assert problems(served[key], rows.ConversationJson) == [], key
    one = served["one"]
    assert one["labels"] == [{"id": one["labels"][0]["id"], "name": "Invoice",
                              "color": "#0ea5e9"}]
    last = one["last_message"]
    assert last is not None and last["sent_by"] is not None  # the nested shapes were seen
    assert last["sent_by"]["kind"] == "agent" and last["preview"] == "Paid yesterday."


def test_the_message_json_is_a_message_row(served: dict[str, Any]) -> None:
    message, sent = served["message"], served["sent"]
    assert problems(message, rows.MessageJson) == []
    assert problems(sent, rows.MessageJson) == []
    assert message["analysis"] is not None and message["analysis"]["topics"] == ["billing"]
    assert message["reactions"] == [{"emoji": "\U0001f44d", "sender_jid": ANA}]
    assert [lb["name"] for lb in message["labels"]] == ["Invoice"]
    assert sent["sent_by"] is not None and sent["status"] == "queued"
    assert sent["quoted_message_id"] == message["id"]


def test_the_pages_hold_the_same_rows(db: Database, served: dict[str, Any]) -> None:
    p, conv = served["p"], served["conv"]
    filters = conversations.ConversationFilters()
    listed = json.loads(conversations.list_conversations(db, p, filters, limit=5,
                                                         cursor=None).body())
    assert [c["id"] for c in listed["data"]] == [conv]
    assert problems(listed["data"][0], rows.ConversationJson) == []

    page = json.loads(conversations.list_messages(db, p, conv, limit=2, cursor=None).body())
    assert len(page["data"]) == 2 and page["next_cursor"] is not None
    rest = json.loads(conversations.list_messages(db, p, conv, limit=2,
                                                  cursor=page["next_cursor"]).body())
    caught_up = json.loads(conversations.list_messages(db, p, conv, limit=10, cursor=None,
                                                       after_id=0).body())
    everything = page["data"] + rest["data"]
    assert sorted(m["id"] for m in everything) == sorted(m["id"] for m in caught_up["data"])
    for m in everything + caught_up["data"]:
        assert problems(m, rows.MessageJson) == [], m["id"]
    media = [m["media"] for m in everything if m["media"] is not None]
    assert media == [{"type": "image", "mime": "image/jpeg", "caption": "the receipt",
                      "size": 1234}]

    hits = json.loads(search.search_messages(db, p, "invoice", limit=5, cursor=None).body())
    assert len(hits["data"]) == 1
    hit = hits["data"][0]
    assert problems({k: v for k, v in hit.items() if k not in ("conversation_title", "rank")},
                    rows.MessageJson) == []


def test_the_check_finds_what_does_not_fit(served: dict[str, Any]) -> None:
    one = dict(served["one"])
    assert problems({**one, "status": "archived"}, rows.ConversationJson) == [
        "$.status: 'archived' is not one of ('open', 'pending', 'resolved', 'snoozed')"]
    assert problems({**one, "extra": 1}, rows.ConversationJson) == [
        "$.extra: not in ConversationJson"]
    del one["title"]
    assert problems(one, rows.ConversationJson) == ["$.title: missing"]
    assert problems({**served["message"], "labels": [{"id": "1", "name": "x", "color": "y"}]},
                    rows.MessageJson) == ["$.labels[0].id: '1' is not int"]


@pytest.mark.parametrize(("model", "typed"), [
    (schemas.Conversation, rows.ConversationJson), (schemas.LastMessage, rows.LastMessageJson),
    (schemas.Label, rows.LabelJson), (schemas.SentBy, rows.SentByJson),
    (schemas.Message, rows.MessageJson), (schemas.Reaction, rows.ReactionJson),
    (schemas.MessageAnalysis, rows.MessageAnalysisJson)])
def test_the_response_models_have_the_same_keys(model: type[BaseModel], typed: Any) -> None:
    assert list(model.model_fields) == list(get_type_hints(typed))


def test_a_records_media_shows_only_media_json_keys() -> None:
    # records.Media.public casts its model_dump to MediaJson: its fields must be MediaJson's.
    shown = set(Media.model_fields) - {"download", "sha256"}
    assert shown <= set(get_type_hints(rows.MediaJson))
    public = Media(type="audio", mime="audio/ogg", seconds=3, voice=True,
                   download=MediaKeys(direct_path="/v/t62/x", media_key="a2V5")).public()
    assert problems(public, rows.MediaJson) == []
    assert public == {"type": "audio", "mime": "audio/ogg", "seconds": 3, "voice": True,
                      "state": "downloading"}
