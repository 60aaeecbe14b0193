"""analytics.day_export on its own: a tenant-day exported with its manifest (an idle day skipped
unless earlier files must be emptied), the changed earlier days found newest first and bounded,
and their catch-up; analytics.live's activity check (the Dagster asset over these:
tests/pipelines/test_exports*.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import day_export
from analytics.day_export import catch_up, export_tenant_day, has_partitions, stale_days
from analytics.freshness import read_manifest
from analytics.live import read_day_active_from_pg
from analytics.schema import DATASETS, partition_dir
from tests.webapp.llm.test_support import add_usage, seed_messages
from webapp.db import Database
from webapp.tenants.days import Tenant, window
from webapp.tenants.service import create_tenant

UTC = dt.UTC
DAY = dt.date(2026, 11, 20)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), UTC)


def test_the_activity_check_sees_messages_or_ledger_rows_of_the_window(
        platform_db: Database, database_url: str) -> None:
    chatty, calls, quiet = (create_tenant(platform_db, name)
                            for name in ("Active chat", "Active ledger", "Quiet"))
    seed_messages(platform_db, chatty, ["hello"], start=_at(DAY, 9))
    add_usage(database_url, calls, None, _at(DAY, 23))
    add_usage(database_url, quiet, None, _at(DAY + dt.timedelta(days=1), 0))  # the next day
    for tenant, active in ((chatty, True), (calls, True), (quiet, False)):
        day = window(platform_db, tenant, DAY, "UTC")
        with platform_db.tenant(tenant) as conn:
            assert read_day_active_from_pg(conn, tenant, day.start, day.end) is active, tenant
    with platform_db.tenant(quiet) as conn, pytest.raises(PermissionError):
        read_day_active_from_pg(conn, chatty, day.start, day.end)


def test_export_tenant_day_writes_the_day_and_its_manifest_and_skips_idle_days(
        platform_db: Database, tmp_path: Path) -> None:
    tenant = create_tenant(platform_db, "Day export", "Asia/Tokyo")
    # 11-19 20:00 UTC is 05:00 on the 20th in Tokyo.
    seed_messages(platform_db, tenant, ["one?", "two?"], start=_at(DAY - dt.timedelta(days=1), 20))
    day = window(platform_db, tenant, DAY, "Asia/Tokyo")

    parts = export_tenant_day(platform_db, tmp_path, day)
    assert parts is not None and sorted(p.dataset for p in parts) == sorted(DATASETS)
    assert has_partitions(tmp_path, day)
    manifest = read_manifest(tmp_path, tenant, DAY)
    assert manifest is not None and manifest.fingerprint.messages == 2

    idle = window(platform_db, tenant, DAY + dt.timedelta(days=1), "Asia/Tokyo")
    assert export_tenant_day(platform_db, tmp_path, idle) is None  # never exported: skipped
    assert not has_partitions(tmp_path, idle)
    assert read_manifest(tmp_path, tenant, idle.day) is None
    # An idle day that an earlier export left files in is exported again (emptied).
    partition_dir(tmp_path, DATASETS[0], tenant, idle.day).mkdir(parents=True)
    emptied = export_tenant_day(platform_db, tmp_path, idle)
    assert emptied is not None and {p.rows for p in emptied} == {0}
    again = read_manifest(tmp_path, tenant, idle.day)
    assert again is not None and again.fingerprint.empty


def test_stale_days_newest_first_bounded_then_caught_up(
        platform_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = Tenant(create_tenant(platform_db, "Stale days"), "Stale days", "UTC")
    first = DAY - dt.timedelta(days=10)
    days = [DAY - dt.timedelta(days=n) for n in (2, 4, 6)]
    for n, day in enumerate(days):
        seed_messages(platform_db, tenant.id, [f"back then {n}"], start=_at(day, 8),
                      chat=f"55119000002{n:02d}@s.whatsapp.net")
    seed_messages(platform_db, tenant.id, ["before the first day"],
                  start=_at(first - dt.timedelta(days=1), 8), chat="5511900000299@s.whatsapp.net")

    assert stale_days(platform_db, tmp_path, tenant, DAY, first) == days  # newest first
    assert stale_days(platform_db, tmp_path, tenant, first, first) == []  # nothing before
    monkeypatch.setattr(day_export, "CATCH_UP_DAYS", 2)
    assert stale_days(platform_db, tmp_path, tenant, DAY, first) == days[:2]

    done, written = catch_up(platform_db, tmp_path, tenant, DAY, first)
    assert done == days[:2] and len(written) == 2 * len(DATASETS)
    assert stale_days(platform_db, tmp_path, tenant, DAY, first) == days[2:]
    seed_messages(platform_db, tenant.id, ["one more"], start=_at(days[0], 15),
                  chat="5511900000298@s.whatsapp.net")
    assert stale_days(platform_db, tmp_path, tenant, DAY, first) == [days[0], days[2]]
