"""A device belongs to exactly one tenant: ingest, the schema and the CLI all refuse another
tenant's device (foreign keys ignore RLS, so the schema needs composite keys for this)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from tests import factories as make
from tests.factories import msg
from webapp.cli import main
from webapp.db import Database
from webapp.errors import NotFound
from webapp.messaging.service import ingest
from webapp.tenants.service import create_tenant

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "traffic" / "sample.jsonl"
TABLES = ("devices", "contacts", "conversations", "messages", "message_ops", "outbox", "events")


@dataclass(frozen=True)
class Pair:
    """Two tenants, each with one device; A already has one conversation and message."""

    a: int
    a_device: int
    b: int
    b_device: int
    a_conversation: int
    a_message: int


@pytest.fixture(scope="module")
def pair(db: Database) -> Pair:
    a, b = create_tenant(db, "Tenant A"), create_tenant(db, "Tenant B")
    a_device, b_device = make.device(db, a), make.device(db, b)
    ingest(db, a, [msg("A-1", "hello from A")], device_id=a_device)
    with db.tenant(a) as conn:
        row = conn.execute("select id, conversation_id from messages").fetchone()
    assert row is not None
    return Pair(a, a_device, b, b_device, int(row["conversation_id"]), int(row["id"]))


def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table across every tenant (as the superuser: RLS does not apply)."""
    with psycopg.connect(database_url) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
                for t in TABLES}


@pytest.mark.parametrize("records", [
    [msg("X-1", "sneaking into B's number"), msg("X-2", "and again", 1)],
    [{"kind": "reaction", "id": "R-1", "chat": "5511999990001@s.whatsapp.net",
      "sender": "5511999990001@s.whatsapp.net", "target_id": "A-1", "emoji": "👍",
      "timestamp": "2026-11-25T09:00:05+00:00"}],
    [],
], ids=["messages", "reaction", "nothing"])
def test_ingest_into_another_tenants_device_is_refused_and_writes_nothing(
        db: Database, database_url: str, pair: Pair, records: list[dict[str, Any]]) -> None:
    before = row_counts(database_url)
    with pytest.raises(NotFound, match="No such device"):
        ingest(db, pair.a, records, device_id=pair.b_device)
    assert row_counts(database_url) == before


def test_ingest_into_a_device_that_does_not_exist_is_refused(db: Database, database_url: str,
                                                             pair: Pair) -> None:
    before = row_counts(database_url)
    with pytest.raises(NotFound, match="No such device"):
        ingest(db, pair.a, [msg("X-3", "nowhere")], device_id=pair.b_device + 10_000)
    assert row_counts(database_url) == before


def test_ingest_into_its_own_device_still_works(db: Database, pair: Pair) -> None:
    result = ingest(db, pair.b, [msg("B-1", "hello from B")], device_id=pair.b_device)
    assert (result.ingested, result.rejected) == (1, [])


RAW_INSERTS = {
    "conversations": ("insert into conversations (tenant_id, device_id, chat_key, chat_jid, "
                      "is_group, title) values (mf_current_tenant(), %(device)s, 'raw', "
                      "'raw@s.whatsapp.net', false, '')"),
    "messages": ("insert into messages (tenant_id, device_id, conversation_id, wa_message_id, "
                 "sender_jid, from_me, sent_at, original_text, text, status) "
                 "values (mf_current_tenant(), %(device)s, %(conversation)s, 'RAW-1', "
                 "'raw@s.whatsapp.net', false, now(), 'x', 'x', 'received')"),
    "message_ops": ("insert into message_ops (tenant_id, device_id, op_id, kind, target_wa_id, "
                    "record) values (mf_current_tenant(), %(device)s, 'RAW-OP', 'receipt', "
                    "'A-1', '{}')"),
    "outbox": ("insert into outbox (tenant_id, message_id, device_id, kind) "
               "values (mf_current_tenant(), %(message)s, %(device)s, 'text')"),
}


@pytest.mark.parametrize("table", sorted(RAW_INSERTS))
def test_the_schema_refuses_a_row_naming_another_tenants_device(db: Database, pair: Pair,
                                                                 table: str) -> None:
    params = {"device": pair.b_device, "conversation": pair.a_conversation,
              "message": pair.a_message}
    # The same insert with A's own device is accepted: the refusal is the tenancy, nothing else.
    with db.tenant(pair.a) as conn:
        with conn.transaction(force_rollback=True):
            conn.execute(RAW_INSERTS[table], {**params, "device": pair.a_device})
    with pytest.raises(NotFound) as caught, db.tenant(pair.a) as conn:
        conn.execute(RAW_INSERTS[table], params)
    assert caught.value.details.get("constraint") == f"{table}_device_fkey"


def test_every_reference_to_devices_is_tenant_scoped(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "select conrelid::regclass::text, array_length(conkey, 1), confdeltype "
            "from pg_constraint where contype = 'f' and confrelid = 'devices'::regclass "
            "order by 1").fetchall()
    assert [r[0] for r in rows] == ["conversations", "device_leases", "device_requests",
                                    "message_ops", "messages", "outbox"]
    assert all(r[1] == 2 and r[2] == "c" for r in rows), rows  # (tenant_id, id), cascade kept


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "MESSAGEFLOW_HOME": str(tmp_path)}


@pytest.mark.parametrize(("command", "target", "expected"), [
    ("replay", "other", "Error: No such device (--tenant {a}, --device {b_device})"),
    ("replay", "missing_device", "Error: No such device (--tenant {a}, --device 999999)"),
    ("replay", "missing_tenant", "Error: No such tenant (--tenant 999999)"),
    ("simulate", "other", "Error: No such device (--tenant {a}, --device {b_device})"),
    ("simulate", "missing_tenant", "Error: No such tenant (--tenant 999999)"),
])
def test_cli_names_a_bad_tenant_or_device_in_one_line(
        cli_env: dict[str, str], database_url: str, pair: Pair, command: str, target: str,
        expected: str) -> None:
    tenant = "999999" if target == "missing_tenant" else str(pair.a)
    device = {"other": [str(pair.b_device)], "missing_device": ["999999"]}.get(target, [])
    args = [command, *([str(SAMPLE)] if command == "replay" else ["--duration", "0.2"]),
            "--tenant", tenant, *(["--device", *device] if device else [])]
    before = row_counts(database_url)
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [expected.format(**vars(pair))]
    assert "Traceback" not in result.output
    assert row_counts(database_url) == before
