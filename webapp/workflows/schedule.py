"""The `schedule` trigger's time arithmetic: 5-field cron expressions (cronsim) evaluated in
the tenant's time zone, and the `conversation.unanswered` trigger's business minutes.

Pure functions over aware datetimes: the engine passes `now`, so tests drive them with an
explicit clock. Daylight-saving changes follow the zone (cronsim resolves a local time that
does not exist or exists twice; intervals are measured in UTC)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

CATCH_UP = dt.timedelta(minutes=10)  # due minutes a late pass still fires (the claim dedupes)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PROBE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def zone(name: str | None) -> dt.tzinfo:
    """The tenant's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def problem(expr: str) -> str | None:
    """Why a cron expression is refused, or None."""
    if len(expr.split()) != 5:
        return "give 5 fields: minute hour day-of-month month day-of-week"
    try:
        next(iter(CronSim(expr, _PROBE)))
    except (CronSimError, StopIteration, ValueError) as exc:
        return f"not a valid cron expression: {exc}"
    return None


def due_minutes(expr: str, tz_name: str | None, since: dt.datetime,
                now: dt.datetime) -> list[dt.datetime]:
    """The minutes (UTC) in (max(since, now - CATCH_UP), now] at which `expr` is due in the
    zone, oldest first."""
    start = max(since, now - CATCH_UP).astimezone(zone(tz_name))
    out: list[dt.datetime] = []
    for due in CronSim(expr, start):
        utc = due.astimezone(dt.UTC)
        if utc > now:
            break
        out.append(utc)
    return out


def next_due(expr: str, tz_name: str | None, after: dt.datetime,
             count: int) -> list[dt.datetime]:
    """The next `count` due minutes (UTC) after `after`, within a year (a dry run)."""
    out: list[dt.datetime] = []
    limit = after + dt.timedelta(days=366)
    for due in CronSim(expr, after.astimezone(zone(tz_name))):
        utc = due.astimezone(dt.UTC)
        if utc > limit or len(out) >= count:
            break
        out.append(utc)
    return out


def _day_hours(hours: dict[str, Any], day: dt.date) -> tuple[dt.time, dt.time] | None:
    spec = hours.get(WEEKDAYS[day.weekday()]) or {}
    try:
        start = dt.time.fromisoformat(str(spec["start"]))
        end = dt.time.fromisoformat(str(spec["end"]))
    except (KeyError, ValueError):
        return None
    return (start, end) if start < end else None


def business_minutes(start: dt.datetime, end: dt.datetime, tz_name: str | None,
                     hours: dict[str, Any] | None) -> float:
    """Minutes between two instants that fall within the business hours (local to the zone)."""
    if end <= start or not hours:
        return 0.0
    tz = zone(tz_name)
    total = dt.timedelta()
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        span = _day_hours(hours, day)
        if span is not None:
            opens = dt.datetime.combine(day, span[0], tz).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, span[1], tz).astimezone(dt.UTC)
            lo, hi = max(opens, start.astimezone(dt.UTC)), min(closes, end.astimezone(dt.UTC))
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60
