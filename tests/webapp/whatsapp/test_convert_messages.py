"""MessageEv and ReceiptEv through neonize's own dispatch into traffic records."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from neonize.events import CallOfferEv, ChatPresenceEv, PresenceEv, ReceiptEv
from neonize.proto.waCommon.WACommon_pb2 import MessageKey
from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import (
    ContextInfo,
    DocumentMessage,
    ExtendedTextMessage,
    FutureProofMessage,
    ImageMessage,
    LocationMessage,
    Message,
    PollCreationMessage,
    ProtocolMessage,
    ReactionMessage,
)

from tests.webapp.whatsapp.neonize_events import (
    GROUP,
    LID,
    OWN,
    PHONE,
    TS,
    Harness,
    jid,
    message_event,
    source,
)
from webapp.messaging.records import (
    EditRecord,
    MessageRecord,
    PresenceRecord,
    ReactionRecord,
    ReceiptRecord,
    RevokeRecord,
)
from webapp.whatsapp.convert import attach

ANA = f"{PHONE}@s.whatsapp.net"


@pytest.fixture
def wa(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "wa.db")


def test_plain_text_message(wa: Harness) -> None:
    record = wa.one(message_event(Message(conversation="Can you send the invoice today?")))
    assert isinstance(record, MessageRecord)
    assert (record.id, record.chat, record.sender) == ("3A0000000000000000AA", ANA, ANA)
    assert record.text == "Can you send the invoice today?"
    assert record.sender_name == "Ana" and record.from_me is False and record.device == "dev-1"
    assert record.timestamp == datetime.fromtimestamp(TS, UTC)
    assert record.media is None and record.quoted_id is None and record.forwarded is False
    assert not wa.db_path.exists()  # constructing NewClient touched neither disk nor network


def test_quoted_reply(wa: Harness) -> None:
    context = ContextInfo(stanzaID="3EB0ORIGINAL", participant=ANA,
                          quotedMessage=Message(conversation="original"))
    ev = message_event(Message(extendedTextMessage=ExtendedTextMessage(
        text="yes, today", contextInfo=context)))
    record = wa.one(ev)
    assert record.text == "yes, today" and record.quoted_id == "3EB0ORIGINAL"


def test_forwarded_message(wa: Harness) -> None:
    context = ContextInfo(isForwarded=True, forwardingScore=1)
    ev = message_event(Message(extendedTextMessage=ExtendedTextMessage(
        text="see below", contextInfo=context)))
    assert wa.one(ev).forwarded is True


def test_image_with_caption(wa: Harness) -> None:
    image = ImageMessage(mimetype="image/jpeg", caption="broken card reader", fileLength=734_112)
    record = wa.one(message_event(Message(imageMessage=image)))
    assert record.text is None and record.media is not None
    assert record.media.model_dump(exclude_none=True) == {
        "type": "image", "mime": "image/jpeg", "caption": "broken card reader", "size": 734_112}


def test_document_inside_document_with_caption_wrapper(wa: Harness) -> None:
    doc = DocumentMessage(mimetype="application/pdf", fileName="INV-2026-00042.pdf",
                          fileLength=48_000, caption="invoice attached")
    wrapped = Message(documentWithCaptionMessage=FutureProofMessage(
        message=Message(documentMessage=doc)))
    media = wa.one(message_event(wrapped)).media
    assert (media.type, media.filename, media.caption) == (
        "document", "INV-2026-00042.pdf", "invoice attached")


def test_ephemeral_wrapper_is_unwrapped(wa: Harness) -> None:
    ev = message_event(Message(ephemeralMessage=FutureProofMessage(
        message=Message(conversation="disappearing"))))
    assert wa.one(ev).text == "disappearing"


def test_group_message_sender_differs_and_device_suffix_is_dropped(wa: Harness) -> None:
    src = source(jid(GROUP, "g.us"), jid(PHONE, device=12))
    record = wa.one(message_event(Message(conversation="store is down"), src=src))
    assert record.chat == f"{GROUP}@g.us" and record.sender == ANA
    assert record.chat_alt is None


def test_from_me_message(wa: Harness) -> None:
    src = source(jid(PHONE), jid(OWN, device=3), from_me=True)
    record = wa.one(message_event(Message(conversation="on it"), src=src, push_name="Ops"))
    assert record.from_me is True and record.sender == f"{OWN}@s.whatsapp.net"
    assert record.chat == ANA


def test_lid_addressing_carries_the_phone_as_alt(wa: Harness) -> None:
    src = source(jid(LID, "lid"), jid(LID, "lid", device=2), sender_alt=jid(PHONE))
    record = wa.one(message_event(Message(conversation="hi again"), src=src))
    assert (record.chat, record.sender) == (f"{LID}@lid", f"{LID}@lid")
    assert record.sender_alt == ANA and record.chat_alt == ANA


def test_edit_becomes_edit_record(wa: Harness) -> None:
    edit = ProtocolMessage(key=MessageKey(remoteJID=ANA, fromMe=False, ID="3AORIGINAL"),
                           type=ProtocolMessage.MESSAGE_EDIT,
                           editedMessage=Message(conversation="order #A12345, not #A1234"))
    ev = message_event(Message(editedMessage=FutureProofMessage(
        message=Message(protocolMessage=edit))), msg_id="3AEDIT")
    record = wa.one(ev)
    assert isinstance(record, EditRecord)
    assert (record.id, record.target_id, record.text) == (
        "3AEDIT", "3AORIGINAL", "order #A12345, not #A1234")


def test_revoke_becomes_revoke_record(wa: Harness) -> None:
    revoke = ProtocolMessage(key=MessageKey(remoteJID=ANA, ID="3AOOPS"),
                             type=ProtocolMessage.REVOKE)
    record = wa.one(message_event(Message(protocolMessage=revoke), msg_id="3AREVOKE"))
    assert isinstance(record, RevokeRecord) and record.target_id == "3AOOPS"


def test_reaction_and_its_removal(wa: Harness) -> None:
    key = MessageKey(remoteJID=ANA, fromMe=True, ID="3EB0REPLY")
    added = wa.one(message_event(Message(reactionMessage=ReactionMessage(key=key, text="👍")),
                                 msg_id="3AR1"))
    removed = wa.one(message_event(Message(reactionMessage=ReactionMessage(key=key, text="")),
                                   msg_id="3AR2"))
    assert isinstance(added, ReactionRecord) and added.target_id == "3EB0REPLY"
    assert (added.emoji, removed.emoji) == ("👍", "")


def test_status_broadcast_and_unsupported_content_are_skipped(wa: Harness) -> None:
    status = source(jid("status", "broadcast"), jid(PHONE))
    assert wa.dispatch(message_event(Message(conversation="my story"), src=status)) == []
    poll = Message(pollCreationMessage=PollCreationMessage(name="lunch?"))
    assert wa.dispatch(message_event(poll)) == []
    assert wa.dispatch(CallOfferEv()) == []  # no handler registered for calls


def test_millisecond_timestamps_are_understood(wa: Harness) -> None:
    record = wa.one(message_event(Message(conversation="x"), ts=TS * 1000 + 250))
    assert record.timestamp == datetime.fromtimestamp(TS + 0.25, UTC)


def test_invalid_content_is_dropped_with_a_warning(wa: Harness,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        got = wa.dispatch(message_event(Message(conversation="x" * 70_000)))
    assert got == [] and "too long" in caplog.text


def test_a_failing_sink_does_not_break_dispatch(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    wa = Harness(tmp_path / "wa.db")

    def explode(_: object) -> None:
        raise RuntimeError("database down")

    attach(wa.client, explode)
    with caplog.at_level(logging.ERROR):
        wa.dispatch(message_event(Message(conversation="hello")))
    assert "not handled" in caplog.text


@pytest.mark.parametrize(("kind", "expected"), [
    (ReceiptEv.DELIVERED, "delivered"), (ReceiptEv.READ, "read"), (ReceiptEv.PLAYED, "played"),
])
def test_receipts(wa: Harness, kind: int, expected: str) -> None:
    ev = ReceiptEv(MessageSource=source(jid(PHONE), jid(PHONE)), Timestamp=TS, Type=kind,
                   MessageIDs=["3EB0AAA", "3EB0BBB"])
    record = wa.one(ev)
    assert isinstance(record, ReceiptRecord)
    assert (record.type, record.target_ids, record.sender) == (
        expected, ["3EB0AAA", "3EB0BBB"], ANA)
    assert record.id == wa.one(ev).id  # the derived id is stable: replays stay idempotent


def test_read_on_our_other_device_and_retry_receipts(wa: Harness) -> None:
    mine = ReceiptEv(MessageSource=source(jid(PHONE), jid(OWN), from_me=True), Timestamp=TS,
                     Type=ReceiptEv.READ_SELF, MessageIDs=["3AIN"])
    record = wa.one(mine)
    assert record.from_me is True and record.type == "read"
    retry = ReceiptEv(MessageSource=source(jid(PHONE), jid(PHONE)), Timestamp=TS,
                      Type=ReceiptEv.RETRY, MessageIDs=["3AIN"])
    assert wa.dispatch(retry) == []


def test_hosted_business_device_is_read_as_the_phone_jid(wa: Harness) -> None:
    src = source(jid(PHONE), jid(PHONE, "hosted", device=99))
    assert wa.one(message_event(Message(conversation="hi from the API"), src=src)).sender == ANA


def test_location_becomes_readable_text(wa: Harness) -> None:
    loc = LocationMessage(degreesLatitude=-23.561414, degreesLongitude=-46.655881,
                          name="Loja Centro", address="Av. Paulista 1000")
    text = wa.one(message_event(Message(locationMessage=loc))).text
    assert text == "📍 Loja Centro Av. Paulista 1000 (-23.561414, -46.655881)"


def test_typing_and_online_presence(wa: Harness) -> None:
    typing = wa.one(ChatPresenceEv(MessageSource=source(jid(PHONE), jid(PHONE)),
                                   State=ChatPresenceEv.COMPOSING, Media=ChatPresenceEv.TEXT))
    voice = wa.one(ChatPresenceEv(MessageSource=source(jid(PHONE), jid(PHONE)),
                                  State=ChatPresenceEv.COMPOSING, Media=ChatPresenceEv.AUDIO))
    offline = wa.one(PresenceEv(From=jid(PHONE), Unavailable=True, LastSeen=TS))
    assert isinstance(typing, PresenceRecord) and isinstance(offline, PresenceRecord)
    assert (typing.state, voice.state, typing.chat) == ("composing", "recording", ANA)
    assert (offline.state, offline.last_seen) == ("unavailable", datetime.fromtimestamp(TS, UTC))
