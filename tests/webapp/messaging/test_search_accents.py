"""Accent-insensitive search (migrations 0016, 0018): GET /messages/search and the conversations `q`
filter ignore accents in both directions, stay tenant-scoped, and rows stored before the
migration are found too."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.conftest import create_db, drop_db, dsn_for
from tests.factories import Member, msg, register_owner
from webapp.db import Database
from webapp.db.migrate import discover, migrate
from webapp.messaging import search
from webapp.messaging.conversations import ConversationFilters, list_conversations
from webapp.messaging.service import ingest
from webapp.security.principal import Principal
from webapp.tenants import service as tenants

ANA, BRUNO, CARLA = (f"55119999900{n:02d}@s.whatsapp.net" for n in (1, 2, 4))


@dataclass
class Desks:
    """Tenant A (Portuguese, French and Spanish chats) and tenant B with look-alike words."""

    a: Member
    b: Member
    conv: dict[str, int]


@pytest.fixture(scope="module")
def desks(app: Flask, db: Database) -> Desks:
    client = app.test_client()
    a, b = register_owner(client, "Accents A"), register_owner(client, "Accents B")
    ingest(db, a.tenant_id, [
        msg("P1", "Não posso hoje, só amanhã", 1, chat=ANA),
        msg("P2", "Um CAFÉ com açúcar, por favor", 2, chat=ANA),
        msg("F1", "La facture est prête", 3, chat=BRUNO),
        msg("F2", "Facturé hier, merci", 4, chat=BRUNO),
        msg("E1", "nao entendi, cafe cafe cafe", 5, chat=CARLA),
        msg("E2", None, 6, chat=CARLA, media={"type": "image", "caption": "Crème brûlée"}),
    ], device_id=make.device(db, a.tenant_id))
    ingest(db, b.tenant_id, [
        msg("X1", "não e café, do outro lado", 1, chat=ANA),
        msg("X2", "facture of tenant B", 2, chat=ANA),
    ], device_id=make.device(db, b.tenant_id))
    conv = {name: make.conversation(db, a.tenant_id, jid)
            for name, jid in (("ana", ANA), ("bruno", BRUNO), ("carla", CARLA))}
    return Desks(a, b, conv)


def _hits(client: FlaskClient, who: Member, q: str) -> list[str]:
    r = client.get("/api/v1/messages/search", headers=who.headers, query_string={"q": q})
    assert r.status_code == 200, r.get_json()
    return [h["wa_message_id"] for h in r.get_json()["data"]]


def _conversations(client: FlaskClient, who: Member, q: str) -> set[int]:
    r = client.get("/api/v1/conversations", headers=who.headers, query_string={"q": q})
    assert r.status_code == 200, r.get_json()
    return {c["id"] for c in r.get_json()["data"]}


@pytest.mark.parametrize(("q", "expected"), [
    ("nao", {"P1", "E1"}),             # plain query, accented text ("Não") and plain text
    ("NÃO", {"P1", "E1"}),             # accented query, plain text ("nao") too
    ("so amanha", {"P1"}),
    ("cafe", {"P2", "E1"}),
    ("Café", {"P2", "E1"}),
    ("acucar", {"P2"}),
    ("facture", {"F1", "F2"}),
    ("facturé", {"F1", "F2"}),
    ("prete", {"F1"}),
    ("creme brulee", {"E2"}),          # the media caption is searched the same way
    ('"nao posso"', {"P1"}),           # phrases
    ("cafe -acucar", {"E1"}),          # negation
])
def test_accents_are_ignored_both_ways(client: FlaskClient, desks: Desks, q: str,
                                       expected: set[str]) -> None:
    assert set(_hits(client, desks.a, q)) == expected


def test_accent_search_stays_in_the_tenant(client: FlaskClient, desks: Desks) -> None:
    assert _hits(client, desks.b, "nao") == ["X1"]
    assert _hits(client, desks.b, "CAFE") == ["X1"]
    assert _hits(client, desks.b, "facturé") == ["X2"]
    assert {"X1", "X2"}.isdisjoint(_hits(client, desks.a, "nao cafe") +
                                   _hits(client, desks.a, "facture"))


def test_accented_and_plain_mentions_rank_alike(client: FlaskClient, desks: Desks) -> None:
    # E1 says "cafe" three times, P2 "CAFÉ" once: the folded lexemes are counted together.
    assert _hits(client, desks.a, "café") == ["E1", "P2"]


def test_conversation_filter_ignores_accents(client: FlaskClient, desks: Desks) -> None:
    assert _conversations(client, desks.a, "nao") == {desks.conv["ana"], desks.conv["carla"]}
    assert _conversations(client, desks.a, "facturé") == {desks.conv["bruno"]}
    assert _conversations(client, desks.a, "brulee") == {desks.conv["carla"]}
    b_conversations = _conversations(client, desks.b, "cafe")
    assert len(b_conversations) == 1 and b_conversations.isdisjoint(desks.conv.values())


def test_conversation_filter_ignores_accents_in_names(client: FlaskClient, app: Flask,
                                                      db: Database) -> None:
    # migration 0018: the title and the contact's names match with accents folded too
    c, d = register_owner(client, "Names C"), register_owner(client, "Names D")
    joao, joana = "5511888800001@s.whatsapp.net", "5511888800002@s.whatsapp.net"
    ingest(db, c.tenant_id, [msg("N1", "hello", 1, chat=joao, name="João Gonçalves"),
                             msg("N2", "hi", 2, chat=joana, name="Joana")],
           device_id=make.device(db, c.tenant_id))
    ingest(db, d.tenant_id, [msg("N3", "hello", 1, chat=joao, name="João Gonçalves")],
           device_id=make.device(db, d.tenant_id))
    mine = make.conversation(db, c.tenant_id, joao)

    assert _conversations(client, c, "joao goncalves") == {mine}
    assert _conversations(client, c, "JOÃO") == {mine}
    assert _conversations(client, c, "goncal") == {mine}
    assert _conversations(client, c, "joa") == {mine, make.conversation(db, c.tenant_id, joana)}
    assert _conversations(client, d, "joao") == {make.conversation(db, d.tenant_id, joao)}


@pytest.fixture
def db_before_0016(pg_admin_dsn: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A database migrated up to (not including) 0016, and a folder with every migration."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for mig in discover():
        if int(mig.version) < 16:
            shutil.copy(mig.path, folder)
    name = f"mf_acc_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    dsn = dsn_for(pg_admin_dsn, name)
    migrate(dsn, folder)
    yield dsn, folder
    drop_db(pg_admin_dsn, name)


def _principal(tenant_id: int) -> Principal:
    return Principal(user_id=0, tenant_id=tenant_id, role="viewer", session_id="test",
                     email="t@example.com", name="T", tenant_name="T")


def _ids(db: Database, tenant_id: int, q: str) -> set[str]:
    page = search.search_messages(db, _principal(tenant_id), q, limit=50, cursor=None)
    return {json.loads(row)["wa_message_id"] for row in page.rows}


def _vector(dsn: str, wa_message_id: str) -> str:
    with psycopg.connect(dsn) as conn:  # as the owner: RLS does not apply
        row = conn.execute("select search::text from messages where wa_message_id = %s",
                           (wa_message_id,)).fetchone()
    assert row is not None
    return str(row[0])


def _old_message(dsn: str, tenant: int, device: int, wa_id: str, text: str, chat: str) -> None:
    """A conversation and one message, inserted as the table owner."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "insert into conversations (tenant_id, device_id, chat_key, chat_jid, is_group, title)"
            " values (%s, %s, %s, %s, false, '') returning id",
            (tenant, device, "j:" + chat, chat)).fetchone()
        assert row is not None
        conn.execute(
            "insert into messages (tenant_id, device_id, conversation_id, wa_message_id,"
            " sender_jid, from_me, sent_at, original_text, text, status)"
            " values (%s, %s, %s, %s, %s, false, now(), %s, %s, 'received')",
            (tenant, device, row[0], wa_id, chat, text, text))


def test_migration_reindexes_existing_rows(db_before_0016: tuple[str, Path]) -> None:
    dsn, folder = db_before_0016
    database = Database(dsn, min_size=1, max_size=2)
    database.open()
    try:
        tenant = tenants.create_tenant(database, "Before 0016")
        device = make.device(database, tenant)
        # written in SQL: today's ingest needs later migrations than this schema has
        _old_message(dsn, tenant, device, "OLD1", "Não recebi a fatura", ANA)
        _old_message(dsn, tenant, device, "OLD2", "nao chegou", BRUNO)
        assert _vector(dsn, "OLD1") == "'a':3 'fatura':4 'não':1 'recebi':2"  # `simple`

        for mig in discover():
            shutil.copy(mig.path, folder)
        assert "0016_search_unaccent.sql" in migrate(dsn, folder)

        assert _vector(dsn, "OLD1") == "'a':3 'fatura':4 'nao':1 'recebi':2"
        assert _ids(database, tenant, "nao") == {"OLD1", "OLD2"}
        assert _ids(database, tenant, "NÃO") == {"OLD1", "OLD2"}
        ingest(database, tenant, [msg("NEW1", "Não, obrigado", 3, chat=ANA)], device_id=device)
        assert _ids(database, tenant, "nao") == {"OLD1", "OLD2", "NEW1"}
        with psycopg.connect(dsn) as conn:
            index = conn.execute("select indexdef from pg_indexes where indexname = "
                                 "'messages_tenant_search_idx'").fetchone()
        assert index is not None and "gin (tenant_id, search)" in index[0]
    finally:
        database.close()


@pytest.fixture
def empty_db(pg_admin_dsn: str) -> Iterator[str]:
    """A new database with no migration applied."""
    name = f"mf_acc_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    yield dsn_for(pg_admin_dsn, name)
    drop_db(pg_admin_dsn, name)


def _mapping(dsn: str) -> list[str]:
    """The dictionaries mf_search sends `word` tokens through, schema-qualified."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "select n.nspname || '.' || d.dictname from pg_ts_config_map m"
            " join pg_ts_dict d on d.oid = m.mapdict"
            " join pg_namespace n on n.oid = d.dictnamespace"
            " where m.mapcfg = 'mf_search'::regconfig"
            " and m.maptokentype = (select tokid from ts_token_type('default')"
            "                       where alias = 'word')"
            " order by m.mapseqno").fetchall()
    return [str(r[0]) for r in rows]


def _filtered(database: Database, tenant_id: int, q: str) -> set[int]:
    """The conversations the `q` filter finds."""
    page = list_conversations(database, _principal(tenant_id), ConversationFilters(q=q),
                              limit=50, cursor=None)
    return {json.loads(row)["id"] for row in page.rows}


def test_unaccent_already_installed_off_the_search_path_is_used(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:  # as a hosting provider's setup does
        conn.execute("create schema extensions")
        conn.execute("create extension unaccent schema extensions")
    assert "0016_search_unaccent.sql" in migrate(empty_db)
    assert _mapping(empty_db) == ["extensions.unaccent", "pg_catalog.simple"]
    database = Database(empty_db, min_size=1, max_size=2)
    database.open()
    try:  # the app role, which has no `extensions` on its search_path, searches and filters
        tenant = tenants.create_tenant(database, "Extensions schema")
        ingest(database, tenant, [msg("S1", "Não recebi", 1, chat=ANA, name="João Gonçalves"),
                                  msg("S2", "ok", 2, chat=BRUNO, name="Bruno")],
               device_id=make.device(database, tenant))
        assert _ids(database, tenant, "nao") == {"S1"}
        assert _filtered(database, tenant, "joao") == {  # mf_fold, migration 0018
            make.conversation(database, tenant, ANA)}
    finally:
        database.close()


def test_a_role_that_may_not_create_unaccent_still_migrates(
        db_before_0016: tuple[str, Path]) -> None:
    dsn, folder = db_before_0016
    with psycopg.connect(dsn) as conn:  # CREATE EXTENSION refused as without CREATE on the db
        conn.execute(
            "create function mf_test_no_extensions() returns event_trigger language plpgsql"
            " as $f$ begin raise exception 'permission denied to create extension \"unaccent\"'"
            " using errcode = 'insufficient_privilege'; end $f$")
        conn.execute("create event trigger mf_test_no_extensions on ddl_command_start"
                     " when tag in ('CREATE EXTENSION') execute function mf_test_no_extensions()")
    for mig in discover():
        shutil.copy(mig.path, folder)
    assert "0016_search_unaccent.sql" in migrate(dsn, folder)
    assert _mapping(dsn) == ["pg_catalog.simple"]  # plain `simple`: accent-sensitive
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select mf_fold('João'), exists (select from pg_extension"
                           " where extname = 'unaccent')").fetchone()
    assert row == ("João", False)
    database = Database(dsn, min_size=1, max_size=2)
    database.open()
    try:
        tenant = tenants.create_tenant(database, "No unaccent")
        ingest(database, tenant, [msg("S1", "Não recebi", 1, chat=ANA)],
               device_id=make.device(database, tenant))
        assert _ids(database, tenant, "não") == {"S1"} and _ids(database, tenant, "nao") == set()
    finally:
        database.close()
