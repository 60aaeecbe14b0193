"""Readiness: the database answers and every migration on disk is applied."""

from __future__ import annotations

from typing import Any

from webapp.db import Database
from webapp.db.migrate import discover


def readiness(db: Database) -> tuple[bool, dict[str, Any]]:
    """(ready, details) without raising."""
    try:
        with db.system() as conn:
            rows = conn.execute("select version from schema_migrations").fetchall()
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        return False, {"database": "unreachable", "error": exc.__class__.__name__}
    applied = {r["version"] for r in rows}
    missing = [m.path.name for m in discover() if m.version not in applied]
    if missing:
        return False, {"database": "ok", "pending_migrations": missing}
    return True, {"database": "ok", "migrations": len(applied)}
