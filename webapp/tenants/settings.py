"""A tenant's settings: name, time zone, business hours, first-response target (audited).

The time zone is the one every tenant-local day is cut in (webapp.tenants.days, the daily
summaries, the cost rollups and the analytics read it from the tenants row), so a change takes
effect at the next read. Business hours are local to that zone: per weekday a start and an end
("HH:MM", start before end) or null for a closed day.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.errors import NotFound, ValidationFailed
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS = ("name", "timezone", "business_hours", "first_response_target_minutes")


def valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone Python knows ("UTC" included); PostgreSQL's own
    list is checked too, when the change is written (its days are cut there)."""
    if name != "UTC" and name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def merge_business_hours(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The week with the given weekdays replaced (null closes a day); every weekday present."""
    return {day: given[day] if day in given else current.get(day) for day in WEEKDAYS}


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "timezone": row["timezone"],
            "business_hours": row["business_hours"],
            "first_response_target_minutes": row["first_response_target_minutes"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def _row(conn: Conn, *, lock: bool = False) -> dict[str, Any]:
    row = conn.execute(Q.lock_tenant_settings if lock else Q.select_tenant_settings).fetchone()
    if row is None:
        raise NotFound("No such tenant.")
    return row


def get_settings(db: Database, p: Principal) -> dict[str, Any]:
    """The signed-in tenant's settings."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return _shape(_row(conn))


def update_settings(db: Database, p: Principal, changes: dict[str, Any],
                    meta: RequestMeta | None = None) -> dict[str, Any]:
    """Apply the given fields (absent ones stay); the change is audited with before/after."""
    if "timezone" in changes and not valid_timezone(changes["timezone"]):
        raise ValidationFailed("Unknown time zone; use an IANA name such as Europe/Lisbon.",
                               details={"fields": {"timezone": "unknown IANA time zone"}})
    with db.tenant(p.tenant_id, p.user_id) as conn:
        if "timezone" in changes and conn.execute(
                Q.select_known_timezone, {"name": changes["timezone"]}).fetchone() is None:
            raise ValidationFailed("PostgreSQL does not know this time zone.",
                                   details={"fields": {"timezone": "unknown to the database"}})
        before = _shape(_row(conn, lock=True))
        if "business_hours" in changes:
            changes["business_hours"] = merge_business_hours(before["business_hours"],
                                                             changes["business_hours"])
        new = {**{k: before[k] for k in FIELDS}, **changes}
        row = conn.execute(Q.update_tenant_settings, {
            **new, "business_hours": Jsonb(new["business_hours"])}).fetchone()
        assert row is not None
        after = _shape(row)
        diff = [k for k in FIELDS if before[k] != after[k]]
        if diff:
            audit.record(conn, p.tenant_id, p.user_id, "tenant.settings.update", meta,
                         target_type="tenant", target_id=p.tenant_id,
                         before={k: before[k] for k in diff}, after={k: after[k] for k in diff})
    return after
