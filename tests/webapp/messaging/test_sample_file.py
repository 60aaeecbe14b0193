"""The shared traffic fixture parses the way its README says."""

from __future__ import annotations

from pathlib import Path

from webapp.messaging.records import EditRecord, MessageRecord, parse_lines

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "traffic" / "sample.jsonl"


def test_sample_file_rejects_exactly_the_bad_lines() -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        parsed = list(parse_lines(handle))
    rejected = {p.line_no: p.reason for p in parsed if not p.ok}
    assert sorted(rejected) == [12, 19, 25, 26]
    assert rejected[12] is not None and rejected[12].startswith("invalid JSON")
    assert rejected[19] == "missing field 'chat'"
    assert rejected[25] is not None and rejected[25].startswith("unknown kind 'call'")
    assert rejected[26] is not None and rejected[26].startswith("timestamp: needs a timezone")
    assert 11 not in {p.line_no for p in parsed}  # the blank line is skipped
    records = [p.record for p in parsed if p.record is not None]
    assert len(records) == 28 and len({r.id for r in records}) == 27


def test_sample_file_has_an_edit_before_its_message_and_media() -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        by_line = {p.line_no: p.record for p in parse_lines(handle)}
    edit, target = by_line[20], by_line[31]
    assert isinstance(edit, EditRecord) and isinstance(target, MessageRecord)
    assert edit.target_id == target.id
    photo, invoice = by_line[32], by_line[33]
    assert isinstance(photo, MessageRecord) and photo.media and photo.media.type == "image"
    assert isinstance(invoice, MessageRecord) and invoice.media
    assert (invoice.media.filename, invoice.quoted_id, invoice.from_me) == (
        "INV-2026-00042.pdf", photo.id, True)
