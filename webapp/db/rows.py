"""Typed rows: a query's rows read straight into a class (psycopg's `class_row`).

Rows that leave the module that reads them are frozen dataclasses whose fields are the query's
columns, so mypy checks every use. `class_row` passes each column as a keyword argument: a
column the class does not declare, or a declared field the query does not return (and has no
default), fails at once with a TypeError instead of surfacing later as a missing key.
"""

from __future__ import annotations

from typing import TypeVar

from psycopg.abc import Params, QueryNoTemplate
from psycopg.rows import class_row

from webapp.db.pool import Conn

T = TypeVar("T")


def fetch_one(conn: Conn, cls: type[T], query: QueryNoTemplate,
              params: Params | None = None) -> T | None:
    """The query's first row as a `cls`, or None when it returns no row."""
    with conn.cursor(row_factory=class_row(cls)) as cur:
        return cur.execute(query, params).fetchone()


def fetch_all(conn: Conn, cls: type[T], query: QueryNoTemplate,
              params: Params | None = None) -> list[T]:
    """Every row of the query as a `cls`."""
    with conn.cursor(row_factory=class_row(cls)) as cur:
        return cur.execute(query, params).fetchall()
