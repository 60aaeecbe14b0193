"""Names follow WhatsApp time, not arrival order: a contact's name, a direct chat's title and a
group's subject are those of the newest record carrying one, in any order, across merges; our
own push name (from-me messages) names nobody."""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import factories as make
from tests.conftest import create_db, drop_db, dsn_for
from tests.factories import T0, msg
from tests.webapp.messaging.conftest import events_since, last_event_id, query_all
from webapp.db import Database
from webapp.db.migrate import discover, migrate
from webapp.messaging.service import ingest
from webapp.tenants.service import create_tenant

ANA = "5511999990001@s.whatsapp.net"
ANA_LID = "112233445566778@lid"
GROUP = "120363000000000042@g.us"
DESK = "15550100001@s.whatsapp.net"

# One person's messages, each with the name they went by then; two share the newest time, the
# tie going to the greater name (code point order), so "Ana Souza" wins.
NAMED = [msg("N1", "hello", 10, chat=ANA, name="Ana"),
         msg("N2", "it is me", 30, chat=ANA, name="Ana S."),
         msg("N3", "again", 30, chat=ANA, name="Ana Souza"),
         msg("N4", "still me", 20, chat=ANA, name="Ana Paula")]
SUBJECTS = [msg("G1", "first", 5, chat=GROUP, sender=ANA, name="Ana", chat_name="Ops"),
            msg("G2", "renamed", 40, chat=GROUP, sender=ANA, name="Ana", chat_name="Ops 2026"),
            msg("G3", "older", 25, chat=GROUP, sender=ANA, name="Ana", chat_name="Ops old")]


def names(db: Database, tenant: int) -> dict[str, Any]:
    """Contact names by JID and conversation titles by chat JID."""
    contacts = query_all(db, tenant, "select coalesce(phone_jid, lid_jid) as jid, push_name "
                         "from contacts order by 1")
    titles = query_all(db, tenant, "select chat_jid, title from conversations order by 1")
    return {"contacts": {c["jid"]: c["push_name"] for c in contacts},
            "titles": {t["chat_jid"]: t["title"] for t in titles}}


@pytest.mark.parametrize("one_batch", [False, True], ids=["a batch each", "one batch"])
def test_the_newest_name_wins_in_every_arrival_order(db: Database, one_batch: bool) -> None:
    outcomes = []
    for order in itertools.permutations(NAMED):
        tenant = create_tenant(db, "Names")
        if one_batch:
            ingest(db, tenant, list(order))
        else:
            for record in order:
                ingest(db, tenant, [record])
        outcomes.append(names(db, tenant))
    assert outcomes == [{"contacts": {ANA: "Ana Souza"}, "titles": {ANA: "Ana Souza"}}] * 24


def test_the_newest_group_subject_wins_in_every_arrival_order(db: Database) -> None:
    for order in itertools.permutations(SUBJECTS):
        tenant = create_tenant(db, "Subjects")
        for record in order:
            ingest(db, tenant, [record])
        assert names(db, tenant)["titles"] == {GROUP: "Ops 2026"}, order


def test_a_from_me_message_names_nobody(db: Database) -> None:
    """Our own push name rides on from-me messages: newer, it still does not rename the
    customer or their chat. A group's subject is the group's, whoever's message carries it."""
    tenant = create_tenant(db, "From me")
    ingest(db, tenant, [msg("I1", "hi", 10, chat=ANA, name="Ana"),
                        msg("G1", "morning", 10, chat=GROUP, sender=ANA, chat_name="Ops")])
    ingest(db, tenant, [msg("O1", "hello Ana", 20, chat=ANA, sender=DESK, name="Ops Desk",
                            from_me=True),
                        msg("O2", "renamed it", 20, chat=GROUP, sender=DESK, name="Ops Desk",
                            from_me=True, chat_name="Ops desk team")])
    assert names(db, tenant) == {"contacts": {ANA: "Ana"},
                                 "titles": {ANA: "Ana", GROUP: "Ops desk team"}}


@pytest.mark.parametrize("newer_first", [False, True])
def test_merging_two_contacts_keeps_the_newest_name(db: Database, newer_first: bool) -> None:
    """The phone and the LID contact turn out to be one person (on an old record): the merged
    contact keeps the newer of their names, whichever of the two is kept."""
    tenant = create_tenant(db, "Merge names")
    by_phone = msg("P1", "by phone", 10, chat=ANA, name="Ana (phone, old)")
    by_lid = msg("L1", "by lid", 20, chat=ANA_LID, name="Ana (lid, new)")
    for record in ([by_lid, by_phone] if newer_first else [by_phone, by_lid]):
        ingest(db, tenant, [record])
    ingest(db, tenant, [msg("X1", "both", 5, chat=ANA_LID, sender_alt=ANA, chat_alt=ANA,
                            name="Ana (oldest)")])
    contacts = query_all(db, tenant, "select phone_jid, lid_jid, push_name from contacts")
    assert contacts == [{"phone_jid": ANA, "lid_jid": ANA_LID, "push_name": "Ana (lid, new)"}]
    titles = query_all(db, tenant, "select title from conversations")
    assert {t["title"] for t in titles} == {"Ana (lid, new)"}


def test_a_name_from_a_group_retitles_the_direct_chat(db: Database) -> None:
    """A newer name seen in a group renames the person's direct chat too, with an event."""
    tenant = create_tenant(db, "Group rename")
    ingest(db, tenant, [msg("D1", "hi", 10, chat=ANA, name="Ana")])
    direct = query_all(db, tenant, "select id from conversations")[0]["id"]
    mark = last_event_id(db, tenant)
    ingest(db, tenant, [msg("G1", "hello all", 20, chat=GROUP, sender=ANA, name="Ana Souza",
                            chat_name="Ops")])
    assert names(db, tenant)["titles"] == {ANA: "Ana Souza", GROUP: "Ops"}
    assert ("conversation.updated", direct) in events_since(db, tenant, mark)
    mark = last_event_id(db, tenant)
    ingest(db, tenant, [msg("G0", "an old one", 15, chat=GROUP, sender=ANA, name="Ana",
                            chat_name="Old ops")])
    assert names(db, tenant) == {"contacts": {ANA: "Ana Souza"},
                                 "titles": {ANA: "Ana Souza", GROUP: "Ops"}}
    assert ("conversation.updated", direct) not in events_since(db, tenant, mark)


@pytest.fixture
def db_before_0023(pg_admin_dsn: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A database migrated up to (not including) 0023, and a folder with every migration."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for mig in discover():
        if int(mig.version) < 23:
            shutil.copy(mig.path, folder)
    name = f"mf_names_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    dsn = dsn_for(pg_admin_dsn, name)
    migrate(dsn, folder)
    yield dsn, folder
    drop_db(pg_admin_dsn, name)


OLD_ROWS = """
with t as (select %(tenant)s::bigint as id, %(device)s::bigint as device),
ana as (insert into contacts (tenant_id, phone_jid, push_name)
        select id, %(ana)s, 'Ana (arrived last)' from t returning id),
direct as (insert into conversations (tenant_id, device_id, chat_key, chat_jid, is_group,
                                      contact_id, title)
           select t.id, t.device, 'c:' || ana.id, %(ana)s, false, ana.id, 'Ana (arrived first)'
           from t, ana returning id),
grp as (insert into conversations (tenant_id, device_id, chat_key, chat_jid, is_group, title,
                                   last_message_at)
        select id, device, 'g:' || %(group)s, %(group)s, true, 'Ops', %(t0)s + interval '50 s'
        from t returning id)
insert into messages (tenant_id, device_id, conversation_id, wa_message_id, sender_jid,
                      sender_contact_id, sender_name, from_me, sent_at, text, status)
select t.id, t.device, direct.id, m.wa, m.sender, case when m.mine then null else ana.id end,
       m.name, m.mine, %(t0)s + m.secs * interval '1 s', 'text', 'received'
from t, ana, direct,
     (values ('M1', %(ana)s, 'Ana (arrived first)', false, 10),
             ('M2', %(ana)s, 'Ana (newest)', false, 30),
             ('M3', %(ana)s, 'Ana (arrived last)', false, 20),
             ('M4', %(desk)s, 'Ops Desk', true, 40)) as m(wa, sender, name, mine, secs)
"""


def test_migration_gives_existing_rows_the_newest_names(db_before_0023: tuple[str, Path],
                                                        ) -> None:
    """0023 recomputes stored names by the new rule: a contact takes the newest name its
    messages carry, a direct chat its contact's name; a group's subject dates from its latest
    message, so only a newer record renames it."""
    dsn, folder = db_before_0023
    database = Database(dsn, min_size=1, max_size=2)
    database.open()
    try:
        tenant = create_tenant(database, "Before 0023")
        device = make.device(database, tenant)
        with psycopg.connect(dsn) as conn:  # as the owner, in the old schema's terms
            conn.execute(OLD_ROWS, {"tenant": tenant, "device": device, "ana": ANA,
                                    "group": GROUP, "desk": DESK, "t0": T0})
        for mig in discover():
            shutil.copy(mig.path, folder)
        assert "0023_wa_time_order.sql" in migrate(dsn, folder)
        assert names(database, tenant) == {"contacts": {ANA: "Ana (newest)"},
                                           "titles": {ANA: "Ana (newest)", GROUP: "Ops"}}
        bruno = "5511999990002@s.whatsapp.net"
        for wa_id, secs, subject in (("G1", 45, "Ops (old)"), ("G2", 55, "Ops (new)")):
            ingest(database, tenant, [msg(wa_id, "hello", secs, chat=GROUP, sender=bruno,
                                          name="Bruno", chat_name=subject)], device_id=device)
            assert names(database, tenant) == {
                "contacts": {ANA: "Ana (newest)", bruno: "Bruno"},
                "titles": {ANA: "Ana (newest)", GROUP: "Ops" if secs < 50 else subject}}
    finally:
        database.close()
