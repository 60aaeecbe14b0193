"""Keyset pagination: opaque cursors over a descending id."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from pydantic import Field

from webapp.errors import ValidationFailed
from webapp.inputs import INT64_MAX, Int, RequestModel, too_deep

MAX_CURSOR = 512  # the cursors handed out are under 100 characters (a time or rank, an id)


class PageQuery(RequestModel):
    """`?limit=` (1..200, default 50) and `?cursor=` (opaque, as a previous page gave it)."""

    limit: Int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=MAX_CURSOR)


def encode_cursor(value: dict[str, Any]) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def bad_cursor() -> ValidationFailed:
    """The 400 for a cursor that does not decode or does not fit this list."""
    return ValidationFailed("The cursor is not valid.",
                            details={"fields": {"cursor": "invalid cursor"}})


def decode_cursor(cursor: str | None, *shapes: set[str]) -> dict[str, Any] | None:
    """The cursor's content (a JSON object with exactly the keys of one of the list's shapes),
    or a 400 naming the `cursor` field."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode())
        if too_deep(raw):
            raise bad_cursor()
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(value, dict) or (shapes and set(value) not in shapes):
        raise bad_cursor()
    return value


def cursor_int(cursor: dict[str, Any], key: str) -> int:
    """An id field of a decoded cursor (1..2**63-1, as the pages hand them out), or a 400."""
    value = cursor.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT64_MAX:
        raise bad_cursor()
    return value


def cursor_number(cursor: dict[str, Any], key: str) -> float:
    """A finite number field of a decoded cursor (e.g. a search rank), or a 400."""
    value = cursor.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise bad_cursor()
    try:
        number = float(value)
    except OverflowError as exc:  # an integer beyond the float range
        raise bad_cursor() from exc
    if not math.isfinite(number):
        raise bad_cursor()
    return number


def cursor_id(cursor: str | None, key: str = "id") -> int | None:
    """The id a `page()` cursor continues before (None: the first page), or a 400."""
    after = decode_cursor(cursor, {key})
    return None if after is None else cursor_int(after, key)


def page(rows: list[dict[str, Any]], limit: int, key: str = "id") -> dict[str, Any]:
    """`{"data": rows[:limit], "next_cursor": ...}` given limit+1 fetched rows."""
    more = len(rows) > limit
    data = rows[:limit]
    nxt = encode_cursor({key: data[-1][key]}) if more and data else None
    return {"data": data, "next_cursor": nxt}
