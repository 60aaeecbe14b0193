"""Stored neonize event fixtures (MessageToJson) replay through dispatch into records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webapp.whatsapp.neonize_events import FIXTURES, Harness, load_fixture
from webapp.messaging.records import EditRecord, MessageRecord, ReceiptRecord
from webapp.whatsapp.results import HistoryBatch


@pytest.fixture
def wa(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "wa.db", device="dev-9")


def test_every_fixture_loads_and_converts(wa: Harness) -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.json"))
    assert len(names) >= 4
    wa.pair()
    for name in names:
        assert wa.dispatch(load_fixture(name)), name


def test_group_message_from_a_lid_sender_quoting_another(wa: Harness) -> None:
    record = wa.one(load_fixture("message_group_quoted_lid.json"))
    assert isinstance(record, MessageRecord)
    assert (record.chat, record.sender, record.sender_alt) == (
        "120363012345678901@g.us", "204958112344567@lid", "5511999990001@s.whatsapp.net")
    assert record.quoted_id == "3A5F0C2D9E8B7A61" and record.device == "dev-9"


def test_edit_and_receipt_fixtures(wa: Harness) -> None:
    edit = wa.one(load_fixture("message_edit.json"))
    assert isinstance(edit, EditRecord) and edit.text == "Where is my order #A48213?"
    receipt = wa.one(load_fixture("receipt_read.json"))
    assert isinstance(receipt, ReceiptRecord) and receipt.type == "read"
    assert receipt.target_ids == ["3EB0A1B2C3D4E5F60718", "3EB0A1B2C3D4E5F60719"]


def test_history_fixture(wa: Harness) -> None:
    wa.pair()
    batch = wa.one(load_fixture("history_sync.json"))
    assert isinstance(batch, HistoryBatch) and batch.progress == 42
    assert [r.id for r in batch.records] == ["H1", "H2", "H3"]
    assert {r.device for r in batch.records} == {"dev-9"}
