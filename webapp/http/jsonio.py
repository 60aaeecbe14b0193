"""JSON on the wire: RFC 3339 UTC times, decimals as strings, UUIDs as strings."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import uuid
from typing import Any

from flask.json.provider import DefaultJSONProvider


def to_jsonable(value: Any) -> Any:
    """The JSON form of a value the database returns (the REST API and WebSocket share it)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ApiJSONProvider(DefaultJSONProvider):
    """Flask's provider with our encodings; keys keep their order."""

    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        """Encode what the standard encoder cannot."""
        return to_jsonable(o)
