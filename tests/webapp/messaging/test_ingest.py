"""Ingest against the real database: lossless, idempotent, order-independent."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from webapp.db import Database
from webapp.messaging.records import MessageRecord, Record, parse_lines
from webapp.messaging.service import ingest
from webapp.messaging.simulator import generate
from webapp.tenants.service import create_tenant

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "traffic" / "sample.jsonl"
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
REPO = Path(__file__).resolve().parents[3]
RENAMES = ("", " (work)", " 🌻")

SNAPSHOT = {
    "messages": "select wa_message_id, sender_jid, from_me, sent_at, text, original_text, media, "
                "quoted_wa_id, forwarded, status, edited_at, revoked_at, delivered_at, read_at "
                "from messages order by wa_message_id",
    "conversations": "select chat_jid, is_group, title, status, unread_count, "
                     "last_message_at, (select wa_message_id from messages m "
                     "where m.id = c.last_message_id) from conversations c order by chat_jid",
    "contacts": "select phone_jid, lid_jid, push_name from contacts order by phone_jid, lid_jid",
    "versions": "select m.wa_message_id, v.op_id, v.text, v.edited_at from message_versions v "
                "join messages m on m.id = v.message_id order by 1, 2",
    "reactions": "select m.wa_message_id, r.reactor_jid, r.emoji, r.reacted_at "
                 "from message_reactions r join messages m on m.id = r.message_id order by 1, 2",
}


def snapshot(db: Database, tenant_id: int) -> dict[str, list[Any]]:
    """Everything ingest decides, without surrogate ids (so two tenants can be compared)."""
    with db.tenant(tenant_id) as conn:
        return {k: [tuple(r.values()) for r in conn.execute(q).fetchall()]  # type: ignore[arg-type]
                for k, q in SNAPSHOT.items()}


def sample_records() -> list[Record]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return [p.record for p in parse_lines(fh) if p.record is not None]


def msg(id_: str, text: str, at: int = 0, **kw: Any) -> dict[str, Any]:
    base = {"kind": "message", "id": id_, "chat": "5511999990001@s.whatsapp.net",
            "sender": "5511999990001@s.whatsapp.net", "sender_name": "Ana", "text": text,
            "timestamp": (T0 + dt.timedelta(seconds=at)).isoformat()}
    return {**base, **kw}


def test_sample_file_ingests_and_replays_as_duplicates(db: Database) -> None:
    tenant = create_tenant(db, "Sample")
    first = ingest(db, tenant, sample_records())
    assert (first.ingested, first.duplicates, first.rejected) == (26, 1, [])
    assert first.presence == 1
    again = ingest(db, tenant, sample_records())
    assert (again.ingested, again.duplicates) == (0, 27)
    with db.tenant(tenant) as conn:
        n = conn.execute("select count(*) as n from messages").fetchone()
        assert n is not None and n["n"] == 15
        edited = conn.execute("select text, original_text from messages "
                              "where edited_at is not null").fetchall()
        assert edited and all(e["text"] != e["original_text"] for e in edited)


def renamed(records: list[Record]) -> list[Record]:
    """The same traffic with people renaming themselves and groups renamed as time goes on:
    a name depends on its record's minute (cycling, so an old name can come back), and our own
    push name changes too (it must never name a customer)."""
    out: list[Record] = []
    for r in records:
        if isinstance(r, MessageRecord):
            minute = int((r.timestamp - T0).total_seconds() // 60)
            update: dict[str, str] = {}
            if r.sender_name:
                update["sender_name"] = (f"Agent {minute}" if r.from_me
                                         else f"{r.sender_name}{RENAMES[minute % 3]}")
            if r.chat_name:
                update["chat_name"] = f"{r.chat_name} ({minute % 4})"
            r = r.model_copy(update=update)
        out.append(r)
    return out


def newest_names(records: list[Record]) -> tuple[dict[str, str], dict[str, str]]:
    """What the names must be: {jid: the newest name any record gave that person} (by time,
    ties to the greater name) and {group jid: its newest subject}."""
    people: dict[str, tuple[dt.datetime, str]] = {}
    groups: dict[str, tuple[dt.datetime, str]] = {}
    for r in records:
        if not isinstance(r, MessageRecord):
            continue
        if r.chat.endswith("@g.us") and r.chat_name:  # a subject, whoever's message carried it
            groups[r.chat] = max(groups.get(r.chat, (r.timestamp, r.chat_name)),
                                 (r.timestamp, r.chat_name))
        if r.from_me:  # our own push name never names a customer
            continue
        named = [r.sender, r.sender_alt]
        if not r.chat.endswith("@g.us"):
            named += [r.chat, r.chat_alt]
        for jid in filter(None, named):
            if r.sender_name:
                people[jid] = max(people.get(jid, (r.timestamp, r.sender_name)),
                                  (r.timestamp, r.sender_name))
    return ({j: n for j, (_, n) in people.items()}, {j: n for j, (_, n) in groups.items()})


def assert_newest_names(db: Database, tenant: int, records: list[Record]) -> None:
    """Every contact, direct chat and group carries the name of its newest record."""
    people, groups = newest_names(records)
    with db.tenant(tenant) as conn:
        contacts = conn.execute("select phone_jid, lid_jid, push_name from contacts").fetchall()
        chats = conn.execute("select c.chat_jid, c.is_group, c.title, ct.push_name "
                             "from conversations c left join contacts ct "
                             "on ct.id = c.contact_id").fetchall()
    assert contacts
    for c in contacts:
        wanted = {people.get(c["phone_jid"]), people.get(c["lid_jid"])} - {None}
        assert len(wanted) <= 1 and c["push_name"] == next(iter(wanted), None), c
    for chat in chats:
        want = groups.get(chat["chat_jid"]) if chat["is_group"] else chat["push_name"]
        assert chat["title"] == (want or ""), chat


def test_three_shuffled_replays_give_identical_state(db: Database) -> None:
    """Arrival order changes nothing, names included: people rename themselves and groups are
    renamed while the traffic runs, and the newest record's name wins in every order."""
    records = renamed(list(generate(7, start=T0, count=1000)))
    ordered = create_tenant(db, "Ordered")
    ingest(db, ordered, records, batch_size=50)
    shuffled = create_tenant(db, "Shuffled")
    for seed in (1, 2, 3):
        copy = records[:]
        random.Random(seed).shuffle(copy)
        ingest(db, shuffled, copy, batch_size=37)
    assert_newest_names(db, ordered, records)
    assert snapshot(db, shuffled) == snapshot(db, ordered)
    assert_newest_names(db, shuffled, records)
    with db.tenant(shuffled) as conn:
        dup = conn.execute("select count(*) as n from (select wa_message_id from messages "
                           "group by device_id, wa_message_id having count(*) > 1) d").fetchone()
        assert dup is not None and dup["n"] == 0
        pending = conn.execute("select count(*) as n from message_ops "
                               "where applied_at is null").fetchone()
        assert pending is not None and pending["n"] == 0


def test_edit_and_reaction_before_their_message(db: Database) -> None:
    tenant = create_tenant(db, "Early ops")
    early = [
        {"kind": "edit", "id": "E1", "target_id": "M1", "text": "invoice 42, please",
         "chat": "5511999990001@s.whatsapp.net", "sender": "5511999990001@s.whatsapp.net",
         "timestamp": (T0 + dt.timedelta(seconds=30)).isoformat()},
        {"kind": "reaction", "id": "R1", "target_id": "M1", "emoji": "👍",
         "chat": "5511999990001@s.whatsapp.net", "sender": "5511988880002@s.whatsapp.net",
         "timestamp": (T0 + dt.timedelta(seconds=40)).isoformat()},
    ]
    r = ingest(db, tenant, early)
    assert (r.ingested, r.pending_operations) == (2, 2)
    r = ingest(db, tenant, [msg("M1", "invoice 41 please")])
    assert r.ingested == 1
    with db.tenant(tenant) as conn:
        m = conn.execute("select mf_message_json(m) as j from messages m").fetchone()
    assert m is not None
    assert m["j"]["text"] == "invoice 42, please" and m["j"]["edited_at"]
    assert m["j"]["reactions"] == [{"emoji": "👍", "sender_jid": "5511988880002@s.whatsapp.net"}]


def test_latest_edit_wins_and_removed_reaction_stays_removed(db: Database) -> None:
    tenant = create_tenant(db, "Order")
    base = {"chat": "5511999990001@s.whatsapp.net", "sender": "5511999990001@s.whatsapp.net"}
    later = [
        {**base, "kind": "edit", "id": "E2", "target_id": "M1", "text": "second",
         "timestamp": (T0 + dt.timedelta(seconds=20)).isoformat()},
        {**base, "kind": "reaction", "id": "R2", "target_id": "M1", "emoji": "",
         "timestamp": (T0 + dt.timedelta(seconds=50)).isoformat()},
    ]
    earlier = [
        {**base, "kind": "edit", "id": "E1", "target_id": "M1", "text": "first",
         "timestamp": (T0 + dt.timedelta(seconds=10)).isoformat()},
        {**base, "kind": "reaction", "id": "R1", "target_id": "M1", "emoji": "❤️",
         "timestamp": (T0 + dt.timedelta(seconds=40)).isoformat()},
    ]
    ingest(db, tenant, [msg("M1", "original"), *later])
    ingest(db, tenant, earlier)
    with db.tenant(tenant) as conn:
        row = conn.execute("select mf_message_json(m) as j from messages m").fetchone()
        versions = conn.execute("select text from message_versions order by edited_at").fetchall()
    assert row is not None and row["j"]["text"] == "second" and row["j"]["reactions"] == []
    assert [v["text"] for v in versions] == ["first", "second"]


def test_lid_switch_keeps_one_contact_and_one_conversation(db: Database) -> None:
    tenant = create_tenant(db, "LID")
    phone, lid = "5511977770003@s.whatsapp.net", "123456789012345@lid"
    ingest(db, tenant, [msg("P1", "hi", chat=phone, sender=phone)])
    ingest(db, tenant, [msg("L1", "still me", at=60, chat=lid, sender=lid, sender_alt=phone,
                            chat_alt=phone)])
    ingest(db, tenant, [msg("L2", "and again", at=120, chat=lid, sender=lid)])
    with db.tenant(tenant) as conn:
        contacts = conn.execute("select phone_jid, lid_jid from contacts").fetchall()
        convs = conn.execute("select id, unread_count from conversations").fetchall()
    assert contacts == [{"phone_jid": phone, "lid_jid": lid}]
    assert len(convs) == 1 and convs[0]["unread_count"] == 3


def test_two_contacts_found_to_be_one_person_are_merged(db: Database) -> None:
    tenant = create_tenant(db, "Merge")
    phone, lid = "5511966660004@s.whatsapp.net", "998877665544@lid"
    ingest(db, tenant, [msg("A1", "by phone", chat=phone, sender=phone)])
    ingest(db, tenant, [msg("B1", "by lid", at=5, chat=lid, sender=lid)])
    ingest(db, tenant, [msg("C1", "both", at=9, chat=lid, sender=lid, sender_alt=phone,
                            chat_alt=phone)])
    with db.tenant(tenant) as conn:
        contacts = conn.execute("select id, phone_jid, lid_jid from contacts").fetchall()
        senders = conn.execute("select distinct sender_contact_id as c from messages").fetchall()
    assert len(contacts) == 1 and contacts[0]["phone_jid"] == phone
    assert contacts[0]["lid_jid"] == lid
    assert [s["c"] for s in senders] == [contacts[0]["id"]]


def test_bad_records_are_rejected_and_the_rest_ingested(db: Database) -> None:
    tenant = create_tenant(db, "Bad")
    huge = msg("BIG", "x" * (5 * 1024 * 1024))
    r = ingest(db, tenant, [msg("OK1", "fine"), huge, {"kind": "call", "id": "X"},
                            msg("OK2", "also fine", at=3)])
    assert r.ingested == 2
    reasons = dict(r.rejected)
    assert "too long" in reasons[2] and "unknown kind 'call'" in reasons[3]


def test_group_messages_and_unread_and_events(db: Database) -> None:
    tenant = create_tenant(db, "Groups")
    group = "120363041234567890@g.us"
    records = [msg(f"G{i}", f"outage update {i}", at=i, chat=group, chat_name="Ops Alerts",
                   sender=f"55119000000{i:02d}@s.whatsapp.net", sender_name=f"Tech {i}")
               for i in range(5)]
    records.append(msg("G9", "on it", at=10, chat=group, from_me=True,
                       sender="5511900000099@s.whatsapp.net"))
    ingest(db, tenant, records)
    with db.tenant(tenant) as conn:
        conv = conn.execute("select mf_conversation_json(c) as j from conversations c").fetchone()
        events = conn.execute("select type, count(*) as n from events group by type "
                              "order by type").fetchall()
    assert conv is not None
    j = conv["j"]
    assert (j["title"], j["is_group"], j["unread_count"]) == ("Ops Alerts", True, 5)
    assert j["last_message"]["preview"] == "on it"
    assert {e["type"]: e["n"] for e in events} == {"conversation.updated": 1,
                                                   "message.created": 6}


def test_replay_command_reports_bad_lines(database_url: str, db: Database) -> None:
    tenant = create_tenant(db, "Replay CLI")
    cmd = [sys.executable, "-m", "webapp.cli", "replay", str(SAMPLE), "--tenant", str(tenant)]
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "MESSAGEFLOW_HOME": "/tmp"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ingested=26 duplicates=1 rejected=4 presence=1"
    assert "line 12: invalid JSON" in out.stderr and "line 19: missing field 'chat'" in out.stderr
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert again.stdout.strip() == "ingested=0 duplicates=27 rejected=4 presence=1"
