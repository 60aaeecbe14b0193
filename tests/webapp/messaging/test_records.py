"""Traffic records: every kind validates, every bad line is rejected with a clear reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from webapp.messaging.records import (
    MAX_TEXT_CHARS,
    EditRecord,
    InvalidRecord,
    MessageRecord,
    PresenceRecord,
    ReactionRecord,
    ReceiptRecord,
    RevokeRecord,
    parse_line,
    parse_lines,
    record_to_json,
    validate_record,
)

ANA = "5511999990001@s.whatsapp.net"
ANA_LID = "204958112344567@lid"
GROUP = "120363012345678901@g.us"
BASE = {"chat": ANA, "sender": ANA, "timestamp": "2026-11-25T09:15:02Z"}

VALID: list[tuple[dict[str, Any], type]] = [
    ({"kind": "message", "id": "3EB0C767D71D4F8A", "sender_name": "Ana", "from_me": False,
      "text": "Can you send the invoice today?", "quoted_id": None, "media": None},
     MessageRecord),
    ({"kind": "message", "id": "3A1", "media": {"type": "document", "mime": "application/pdf",
      "caption": "invoice", "size": 48213, "filename": "INV-2026-00042.pdf"}}, MessageRecord),
    ({"kind": "message", "id": "3A2", "text": "fwd", "forwarded": True, "quoted_id": "3A1"},
     MessageRecord),
    ({"kind": "edit", "id": "3A3", "target_id": "3A2", "text": "fixed"}, EditRecord),
    ({"kind": "revoke", "id": "3A4", "target_id": "3A2"}, RevokeRecord),
    ({"kind": "reaction", "id": "3A5", "target_id": "3A2", "emoji": "👍"}, ReactionRecord),
    ({"kind": "reaction", "id": "3A6", "target_id": "3A2", "emoji": ""}, ReactionRecord),
    ({"kind": "receipt", "target_ids": ["3A1", "3A2"], "type": "read"}, ReceiptRecord),
    ({"kind": "presence", "state": "composing"}, PresenceRecord),
]


def line(**fields: Any) -> str:
    return json.dumps({**BASE, **fields}, ensure_ascii=False)


@pytest.mark.parametrize(("fields", "cls"), VALID, ids=[f"{c.__name__}-{i}"
                                                       for i, (_, c) in enumerate(VALID)])
def test_each_kind_is_valid_and_round_trips(fields: dict[str, Any], cls: type) -> None:
    parsed = parse_line(line(**fields), 1)
    assert parsed.ok and parsed.reason is None and isinstance(parsed.record, cls)
    assert parsed.record is not None
    again = parse_line(record_to_json(parsed.record), 2).record
    assert again == parsed.record


def test_timestamps_are_normalised_to_utc_and_written_with_z() -> None:
    record = validate_record({**BASE, "kind": "message", "id": "x", "text": "hi",
                              "timestamp": "2026-11-25T06:15:02.250-03:00"})
    assert record.timestamp == datetime(2026, 11, 25, 9, 15, 2, 250_000, tzinfo=UTC)
    assert '"timestamp":"2026-11-25T09:15:02.250Z"' in record_to_json(record)
    assert '"quoted_id"' not in record_to_json(record)  # nulls are omitted


def test_jids_lose_their_device_part_and_groups_keep_distinct_senders() -> None:
    record = validate_record({**BASE, "kind": "message", "id": "x", "text": "hi",
                              "chat": GROUP, "sender": "5511999990001:12@s.whatsapp.net"})
    assert (record.chat, record.sender) == (GROUP, ANA)


def test_legacy_and_hosted_servers_are_read_as_phone_and_lid() -> None:
    record = validate_record({**BASE, "kind": "message", "id": "x", "text": "hi",
                              "chat": "5511999990001@c.us",
                              "sender": "204958112344567:99@hosted.lid"})
    assert (record.chat, record.sender) == (ANA, ANA_LID)


def test_lid_addressing_with_phone_alternates() -> None:
    record = validate_record({**BASE, "kind": "message", "id": "x", "text": "hi",
                              "chat": ANA_LID, "sender": ANA_LID, "sender_alt": ANA,
                              "chat_alt": ANA})
    assert (record.sender_alt, record.chat_alt) == (ANA, ANA)


def test_receipt_and_presence_ids_are_derived_deterministically() -> None:
    receipt = {**BASE, "kind": "receipt", "target_ids": ["3A1"], "type": "delivered"}
    first, second = validate_record(receipt), validate_record(dict(receipt))
    assert first.id == second.id and first.id.startswith("receipt-")
    other = validate_record({**receipt, "type": "read"})
    assert other.id != first.id
    assert validate_record({**receipt, "id": "mine"}).id == "mine"


REJECTED = [
    ('{"kind": "message", "id": ', "invalid JSON: Expecting value (column 27)"),
    ("[1, 2]", "not a JSON object (got array)"),
    ('"text"', "not a JSON object (got string)"),
    (line(id="x", text="hi"), "missing field 'kind'"),
    (line(kind="call", id="x"), "unknown kind 'call' (expected one of: message, edit, revoke, "
                                "reaction, receipt, presence)"),
    (json.dumps({"kind": "message", "id": "x", "sender": ANA, "text": "hi",
                 "timestamp": "2026-11-25T09:15:02Z"}), "missing field 'chat'"),
    (line(kind="message", id="x", text="hi", timestamp="2026-11-25T09:15:02"),
     "timestamp: needs a timezone (e.g. 2026-11-25T09:15:02Z)"),
    (line(kind="message", id="x"), "a message needs text or media"),
    (line(kind="message", id="x", text=""), "a message needs text or media"),
    (line(kind="message", id="", text="hi"), "id: String should have at least 1 character"),
    (line(kind="message", id="x" * 129, text="hi"),
     "id: too long (129 characters; at most 128)"),
    (line(kind="message", id="x", text="hi", txt="typo"), "unexpected field 'txt'"),
    (line(kind="message", id="x", text="hi", chat="status@broadcast"),
     "chat: status updates and newsletters are not conversations"),
    (line(kind="message", id="x", text="hi", sender=GROUP),
     f"sender: '{GROUP}' is not a person (expected @s.whatsapp.net or @lid)"),
    (line(kind="message", id="x", text="hi", chat="not-a-jid"),
     "chat: 'not-a-jid' is not a WhatsApp JID (expected user@server)"),
    (line(kind="message", id="x", text="hi", sender_alt=ANA),
     "sender_alt must be the other addressing of sender (phone vs lid)"),
    (line(kind="message", id="x", media={"type": "pdf"}),
     "media.type: Input should be 'image', 'video', 'audio', 'document' or 'sticker'"),
    (line(kind="message", id="x", media={"type": "image", "size": -1}),
     "media.size: Input should be greater than or equal to 0"),
    (line(kind="edit", id="x", text="new"), "missing field 'target_id'"),
    (line(kind="receipt", target_ids=[], type="read"),
     "target_ids: List should have at least 1 item after validation, not 0"),
    (line(kind="receipt", target_ids=["a"], type="seen"),
     "type: Input should be 'delivered', 'read' or 'played'"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED, ids=[r[:40] for _, r in REJECTED])
def test_rejections_name_the_problem(text: str, reason: str) -> None:
    parsed = parse_line(text, 7)
    assert (parsed.line_no, parsed.record, parsed.reason) == (7, None, reason)


def test_five_mib_text_is_rejected_with_a_reason() -> None:
    huge = "x" * (5 * 1024 * 1024)
    parsed = parse_line(line(kind="message", id="big", text=huge), 3)
    assert parsed.reason == f"text: too long (5,242,880 characters; at most {MAX_TEXT_CHARS:,})"
    assert parse_line(line(kind="message", id="ok", text="x" * MAX_TEXT_CHARS), 4).ok


def test_parse_lines_numbers_lines_skips_blanks_and_keeps_going() -> None:
    lines = ["\ufeff" + line(kind="revoke", id="a", target_id="b"), "", "   \n", "{oops",
             line(kind="reaction", id="c", target_id="b", emoji="🙏") + "\n"]
    parsed = list(parse_lines(lines))
    assert [(p.line_no, p.ok) for p in parsed] == [(1, True), (4, False), (5, True)]
    assert parsed[1].reason is not None and parsed[1].reason.startswith("invalid JSON")


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_invalid_json_reports_the_column_within_the_line(ending: str) -> None:
    text = '{"kind":"message","id":"NEWBIE0005", "chat": '
    with pytest.raises(json.JSONDecodeError) as exc:
        json.loads(text)
    assert exc.value.colno == 46
    parsed = list(parse_lines(["", "", "", "", text + ending]))
    assert [(p.line_no, p.reason) for p in parsed] == [
        (5, "invalid JSON: Expecting value (column 46)")]


def test_invalid_json_spanning_lines_names_json_line_and_column() -> None:
    assert parse_line('{"kind":\n  oops}', 2).reason == (
        "invalid JSON: Expecting value (line 2 of the record, column 3)")


def test_validate_record_raises_invalid_record_and_accepts_records() -> None:
    with pytest.raises(InvalidRecord, match="missing field 'kind'"):
        validate_record({"id": "x"})
    with pytest.raises(InvalidRecord, match="not a JSON object"):
        validate_record(["x"])
    record = validate_record({**BASE, "kind": "revoke", "id": "a", "target_id": "b"})
    assert validate_record(record) is record
