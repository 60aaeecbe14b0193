"""Keyset pagination: opaque cursors over a descending id."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from webapp.errors import ValidationFailed


class PageQuery(BaseModel):
    """`?limit=` (1..200, default 50) and `?cursor=`."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def encode_cursor(value: dict[str, Any]) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The cursor's content, or a 400 naming the `cursor` field."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The cursor is not valid.", details={"fields": {"cursor": "invalid cursor"}}
        ) from exc
    if not isinstance(value, dict):
        raise ValidationFailed(
            "The cursor is not valid.", details={"fields": {"cursor": "invalid cursor"}}
        )
    return value


def page(rows: list[dict[str, Any]], limit: int, key: str = "id") -> dict[str, Any]:
    """`{"data": rows[:limit], "next_cursor": ...}` given limit+1 fetched rows."""
    more = len(rows) > limit
    data = rows[:limit]
    nxt = encode_cursor({key: data[-1][key]}) if more and data else None
    return {"data": data, "next_cursor": nxt}
