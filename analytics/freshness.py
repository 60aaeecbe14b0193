"""Which exported days are still current: a fingerprint of each tenant-day's source rows, kept
next to the Parquet files when the day is exported, and compared with the rows as they are now.

A fingerprint is (messages, largest message id, ledger rows, largest ledger id) of the tenant's
local day. The export records the fingerprint it read *before* reading the day's rows, so a row
that lands in between makes the next comparison differ (one extra re-export) instead of being
missed. Manifests live under `<root>/_exports/tenant_id=<id>/date=<day>.json`, outside the
dataset folders the readers glob.

Known limit: a reply today to a message of an older day changes that day's first-response time
without changing its fingerprint (the reply belongs to today); such a day is re-exported only when
it is re-run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from psycopg import Connection

from analytics.schema import check_day, check_tenant
from webapp.db.queries import load

Q = load(__file__)

MANIFESTS = "_exports"


@dataclass(frozen=True)
class Fingerprint:
    """What a tenant-day's source rows add up to (all zero: the day has none)."""

    messages: int = 0
    max_message_id: int = 0
    usage_rows: int = 0
    max_usage_id: int = 0

    @property
    def empty(self) -> bool:
        """The day has no messages and no ledger rows."""
        return self.messages == 0 and self.usage_rows == 0


@dataclass(frozen=True)
class Manifest:
    """A tenant-day's export: when it was written and the fingerprint it was read at."""

    exported_at: dt.datetime
    fingerprint: Fingerprint


def day_fingerprints(conn: Connection[Any], tenant_id: int, first: dt.date, last: dt.date,
                     tz: str = "UTC") -> dict[dt.date, Fingerprint]:
    """Each local day of first..last that has rows, with its fingerprint (tenant's RLS)."""
    params = {"tenant_id": check_tenant(tenant_id), "first": check_day(first),
              "last": check_day(last), "tz": tz}
    rows = conn.execute(Q.select_day_fingerprints, params).fetchall()
    return {_row_day(r): Fingerprint(int(r["messages"]), int(r["max_message_id"]),
                                     int(r["usage_rows"]), int(r["max_usage_id"]))
            for r in rows}


def _row_day(row: Any) -> dt.date:
    day = row["day"]
    assert isinstance(day, dt.date)
    return day


def manifest_path(root: Path, tenant_id: int, day: dt.date) -> Path:
    """Where the manifest of a tenant-day lives."""
    return (Path(root) / MANIFESTS / f"tenant_id={check_tenant(tenant_id)}"
            / f"date={check_day(day).isoformat()}.json")


def write_manifest(root: Path, tenant_id: int, day: dt.date, fingerprint: Fingerprint,
                   exported_at: dt.datetime | None = None) -> Path:
    """Record that a tenant-day was exported at `exported_at` from `fingerprint` (atomic)."""
    path = manifest_path(root, tenant_id, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    at = exported_at or dt.datetime.now(dt.UTC)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"exported_at": at.isoformat(), **asdict(fingerprint)}))
    os.replace(tmp, path)
    return path


def read_manifest(root: Path, tenant_id: int, day: dt.date) -> Manifest | None:
    """A tenant-day's manifest, or None when it was never exported (or before manifests)."""
    try:
        raw = json.loads(manifest_path(root, tenant_id, day).read_text())
        fields = {k: int(raw[k]) for k in ("messages", "max_message_id", "usage_rows",
                                           "max_usage_id")}
        return Manifest(dt.datetime.fromisoformat(raw["exported_at"]), Fingerprint(**fields))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def exported_days(root: Path, tenant_id: int) -> dict[dt.date, dt.datetime]:
    """Every day with a manifest and when it was exported."""
    folder = Path(root) / MANIFESTS / f"tenant_id={check_tenant(tenant_id)}"
    out: dict[dt.date, dt.datetime] = {}
    for path in folder.glob("date=*.json") if folder.is_dir() else ():
        day = dt.date.fromisoformat(path.stem.removeprefix("date="))
        manifest = read_manifest(root, tenant_id, day)
        if manifest is not None:
            out[day] = manifest.exported_at
    return out


def changed_days(root: Path, tenant_id: int, now: dict[dt.date, Fingerprint],
                 first: dt.date, last: dt.date, has_files: Any) -> list[dt.date]:
    """Days of first..last whose rows differ from their last export, newest first: rows but no
    manifest (never exported: idle then, back-dated since, or exported before manifests), or a
    manifest whose fingerprint differs (rows added or deleted; `has_files(day)` tells whether
    a day without rows still has partitions to empty)."""
    out = []
    day = last
    while day >= first:
        current = now.get(day, Fingerprint())
        manifest = read_manifest(root, tenant_id, day)
        if manifest is None:
            if not current.empty or has_files(day):
                out.append(day)
        elif manifest.fingerprint != current:
            out.append(day)
        day -= dt.timedelta(days=1)
    return out
