"""Typed rows: `class_row` reads a query into a dataclass and refuses a column mismatch, and the
row types read with `select *` carry exactly their table's (or function's) columns: a migration
that adds a column must add the field, or every read of it fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import psycopg
import pytest

from webapp.analysis.rows import Enqueued, QueueItem
from webapp.db.rows import fetch_all, fetch_one
from webapp.llm.health_checks import CheckCandidate
from webapp.llm.rows import HealthWindow, ProviderRow, ProviderState, RouteCandidate


@dataclasses.dataclass(frozen=True)
class Pair:
    a: int
    b: str


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection[psycopg.rows.DictRow]]:
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as c:
        yield c


def _columns(conn: psycopg.Connection[psycopg.rows.DictRow], table: str) -> set[str]:
    rows = conn.execute("select column_name from information_schema.columns "
                        "where table_schema = 'public' and table_name = %s", (table,)).fetchall()
    assert rows, table
    return {r["column_name"] for r in rows}


def _function_columns(conn: psycopg.Connection[psycopg.rows.DictRow], name: str) -> set[str]:
    rows = conn.execute("select p.parameter_name from information_schema.parameters p "
                        "join information_schema.routines r using (specific_name) "
                        "where r.routine_name = %s and p.parameter_mode = 'OUT'",
                        (name,)).fetchall()
    assert rows, name
    return {r["parameter_name"] for r in rows}


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_rows_become_the_class(conn: psycopg.Connection[psycopg.rows.DictRow]) -> None:
    assert fetch_one(conn, Pair, "select 1 as a, 'x' as b") == Pair(1, "x")
    assert fetch_one(conn, Pair, "select 1 as a, 'x' as b where false") is None
    assert fetch_all(conn, Pair, "select g as a, g::text as b from generate_series(1, 2) g"
                     ) == [Pair(1, "1"), Pair(2, "2")]


def test_a_column_mismatch_fails_at_the_read(
        conn: psycopg.Connection[psycopg.rows.DictRow]) -> None:
    with pytest.raises(TypeError):
        fetch_one(conn, Pair, "select 1 as a, 'x' as b, true as c")  # a column too many
    with pytest.raises(TypeError):
        fetch_one(conn, Pair, "select 1 as a")  # a field the query does not return


def test_select_star_rows_carry_their_tables_columns(
        conn: psycopg.Connection[psycopg.rows.DictRow]) -> None:
    providers = _columns(conn, "llm_providers")
    assert _fields(ProviderRow) == providers
    gate = {"circuit", "cooldown_until", "probe_until", "now"}
    assert _fields(ProviderState) == providers | gate
    assert _fields(RouteCandidate) == providers | gate | {"priority"}
    assert _fields(CheckCandidate) == providers | gate | {
        "health_status", "last_check_at", "recent_calls", "last_seen_at"}
    assert _fields(HealthWindow) == _columns(conn, "llm_health") | {
        "now", "attempts", "failures", "p95_ms"}
    # `select * from mf_...()`: the function's result columns.
    assert _fields(QueueItem) == _function_columns(conn, "mf_claim_analysis_items")
    assert _fields(Enqueued) == _function_columns(conn, "mf_enqueue_new_messages")
