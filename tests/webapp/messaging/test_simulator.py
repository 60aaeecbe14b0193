"""The simulator: deterministic, realistic, and always valid traffic."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from webapp.messaging.records import (
    EditRecord,
    MessageRecord,
    PresenceRecord,
    ReactionRecord,
    ReceiptRecord,
    Record,
    RevokeRecord,
    parse_lines,
    record_to_json,
)
from webapp.messaging.simulator import (
    DEFAULT_DEVICE_JID,
    PHRASES,
    generate,
    run_live,
    write_file,
)

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def traffic() -> list[Record]:
    return list(generate(42, start=START, count=3000, rate_per_s=2.0))


def _lines(seed: int, count: int = 400) -> list[str]:
    return [record_to_json(r) for r in generate(seed, start=START, count=count)]


def test_same_seed_same_records_including_ids_and_timestamps() -> None:
    assert _lines(7) == _lines(7)


def test_different_seed_different_records() -> None:
    first, second = _lines(7), _lines(8)
    assert first != second
    assert not {r.split('"id":')[1][:34] for r in first} & {r.split('"id":')[1][:34]
                                                           for r in second}


def test_every_record_survives_a_traffic_file_round_trip(traffic: list[Record],
                                                         tmp_path: Path) -> None:
    path = tmp_path / "sim.jsonl"
    assert write_file(path, traffic) == len(traffic)
    with path.open(encoding="utf-8") as handle:
        parsed = list(parse_lines(handle))
    assert all(p.ok for p in parsed), [p.reason for p in parsed if not p.ok][:3]
    assert [p.record for p in parsed] == traffic


def test_timestamps_advance_at_the_requested_rate(traffic: list[Record]) -> None:
    stamps = [r.timestamp for r in traffic]
    assert stamps == sorted(stamps) and stamps[0] > START
    span = (stamps[-1] - START).total_seconds()
    assert 3000 / 2.0 * 0.9 < span < 3000 / 2.0 * 1.1


def test_duration_bounds_the_traffic() -> None:
    records = list(generate(3, start=START, duration_s=60, rate_per_s=5))
    assert 200 < len(records) < 400
    assert records[-1].timestamp <= START + timedelta(seconds=60)


def test_all_kinds_groups_languages_and_media_appear(traffic: list[Record]) -> None:
    kinds = Counter(r.kind for r in traffic)
    assert set(kinds) == {"message", "edit", "revoke", "reaction", "receipt", "presence"}
    messages = [r for r in traffic if isinstance(r, MessageRecord)]
    texts = " ".join((m.text or "") + (m.media.caption or "" if m.media else "")
                     for m in messages)
    for marker in ("URGENT", "URGENTE", "DRINGEND", "factura", "Rechnung", "nota fiscal"):
        assert marker in texts
    assert re.search(r"INV-2026-\d{5}", texts) and re.search(r"#A\d{5}", texts)
    assert re.search(r"(R\$ |\$)\d[\d.,]*\d{2}|\d[\d.,]*,\d{2} €", texts)
    groups = [m for m in messages if m.chat.endswith("@g.us")]
    assert groups and all(m.sender != m.chat for m in groups)
    assert len({m.sender for m in groups if not m.from_me}) >= 3
    media = Counter(m.media.type for m in messages if m.media)
    assert media["image"] and media["document"] and media["audio"]
    # Every file is a real one the store can hold (webapp.media.samples), named by its hash.
    from webapp.media import samples
    known = {s.sha256 for s in samples.ALL}
    assert all(m.media.sha256 in known for m in messages if m.media)
    assert all(m.media.voice for m in messages if m.media and m.media.type == "audio")
    pdfs = [m for m in messages if m.media and m.media.mime == "application/pdf"]
    assert all(m.from_me and m.media and (m.media.filename or "").endswith(".pdf") for m in pdfs)


def test_team_replies_are_from_me_and_receipts_cover_them(traffic: list[Record]) -> None:
    mine = {r.id for r in traffic if isinstance(r, MessageRecord) and r.from_me}
    assert mine and all(r.sender == DEFAULT_DEVICE_JID for r in traffic
                        if isinstance(r, MessageRecord) and r.from_me)
    receipts = [r for r in traffic if isinstance(r, ReceiptRecord)]
    assert {t for r in receipts for t in r.target_ids} <= mine
    assert {r.type for r in receipts} == {"delivered", "read"}


def test_edits_reactions_revokes_and_quotes_target_earlier_messages(
        traffic: list[Record]) -> None:
    seen: set[str] = set()
    for record in traffic:
        if isinstance(record, EditRecord | ReactionRecord | RevokeRecord):
            assert record.target_id in seen, record
        if isinstance(record, ReceiptRecord):
            assert set(record.target_ids) <= seen
        if isinstance(record, MessageRecord) and record.quoted_id:
            assert record.quoted_id in seen
        seen.add(record.id)


def test_some_customers_switch_to_lid_addressing(traffic: list[Record]) -> None:
    lid = [r for r in traffic if r.sender.endswith("@lid")]
    assert lid and all(r.sender_alt and r.sender_alt.endswith("@s.whatsapp.net") for r in lid)
    switched = {r.sender_alt for r in lid}
    assert any(r.sender in switched for r in traffic)  # the same person spoke by phone first


def test_presence_records_are_typing_indicators(traffic: list[Record]) -> None:
    presence = [r for r in traffic if isinstance(r, PresenceRecord)]
    assert presence and {p.state for p in presence} == {"composing"}


def test_every_phrase_formats_and_every_language_has_every_key() -> None:
    keys = {key for _, key in PHRASES}
    for lang in ("en", "pt", "es", "de"):
        assert {key for lg, key in PHRASES if lg == lang} == keys


def test_start_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next(generate(1, start=datetime(2026, 11, 25), count=1))
    other_zone = datetime(2026, 11, 25, 6, 0, tzinfo=timezone(timedelta(hours=-3)))
    first = next(generate(1, start=other_zone, count=1))
    assert first.timestamp.tzinfo == UTC and first.timestamp > START


def test_run_live_paces_in_real_time_and_batches() -> None:
    fake_time = [0.0]
    batches: list[list[Record]] = []

    def sleep(seconds: float) -> None:
        fake_time[0] += seconds

    total = run_live(batches.append, seed=5, rate_per_s=4, duration_s=30,
                     clock=lambda: fake_time[0], sleep=sleep, now=lambda: START)
    assert total == sum(len(b) for b in batches) and 60 < total < 180
    assert len(batches) > 10 and 29 < fake_time[0] <= 30
    flat = [r for b in batches for r in b]
    assert [record_to_json(r) for r in flat] == [
        record_to_json(r) for r in generate(5, start=START, duration_s=30, rate_per_s=4)]
