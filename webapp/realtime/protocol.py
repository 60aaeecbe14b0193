"""The WebSocket protocol as the OpenAPI document describes it (filled in below)."""

from __future__ import annotations

from typing import Any

REALTIME_TAG: dict[str, Any] = {"name": "realtime", "description": "WebSocket feed."}


def realtime_components() -> dict[str, Any]:
    """Schemas of the socket's frames."""
    return {}
