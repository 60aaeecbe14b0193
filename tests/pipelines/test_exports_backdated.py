"""Back-dated traffic reaches the analytics (issue 10, 4.5): a day whose rows changed after its
export (or that was idle when exported) is exported again by the next export run, newest first
and bounded per run; an unchanged day is left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from analytics import day_export
from analytics.freshness import Fingerprint, read_manifest
from analytics.queries import traffic
from analytics.views import connect
from pipelines.exports import analytics_parquet_export
from pipelines.resources import PostgresResource
from tests.webapp.llm.test_support import seed_messages
from webapp.db import Database
from webapp.tenants.service import create_tenant

UTC = dt.UTC


def _run(pg: PostgresResource, root: Path, day: dt.date, tenant: int) -> dict[str, Any]:
    config = {"analytics_dir": str(root), "tenant_ids": [tenant]}
    result = dg.materialize([analytics_parquet_export], partition_key=day.isoformat(),
                            resources={"pg": pg},
                            run_config={"ops": {"analytics_parquet_export": {"config": config}}})
    assert result.success
    mat = result.asset_materializations_for_node("analytics_parquet_export")[0]
    return {k: v.value for k, v in mat.metadata.items()}


def _inbound(root: Path, tenant: int, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    frame = traffic(connect(), root, tenant, first, last, by="day")
    return dict(zip(frame["date"].to_list(), frame["inbound"].to_list(), strict=True))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), UTC)


def test_back_dated_rows_reach_the_analytics_at_the_next_run(
    platform_db: Database, pg: PostgresResource, tmp_path: Path,
) -> None:
    tenant = create_tenant(platform_db, "Back-dated")
    today = dt.datetime.now(UTC).date()
    yesterday, old = today - dt.timedelta(days=1), today - dt.timedelta(days=10)
    seed_messages(platform_db, tenant, ["hello"], start=_at(yesterday - dt.timedelta(days=1), 9))
    first = _run(pg, tmp_path, yesterday - dt.timedelta(days=1), tenant)
    assert first["tenants_idle"] == 0

    # Ten days back: idle when the exports ran; now traffic is replayed into it.
    seed_messages(platform_db, tenant, ["an old question?", "and another", "thanks"],
                  start=_at(old, 10), chat="5511900000077@s.whatsapp.net")
    assert _inbound(tmp_path, tenant, old, old) == {}  # not exported yet

    # The next scheduled run (yesterday's partition) exports yesterday and catches up.
    meta = _run(pg, tmp_path, yesterday, tenant)
    assert meta["tenants_idle"] == 1  # yesterday itself had no traffic
    assert meta["days_reexported"] == 1, meta  # before: 0, the old day stayed empty
    assert meta["reexported"] == {str(tenant): [old.isoformat()]}
    assert _inbound(tmp_path, tenant, old, old) == {old: 3}
    manifest = read_manifest(tmp_path, tenant, old)
    assert manifest is not None and manifest.fingerprint.messages == 3

    # Unchanged: nothing to do. More back-dated rows into an exported day: re-exported.
    assert _run(pg, tmp_path, yesterday, tenant)["days_reexported"] == 0
    seed_messages(platform_db, tenant, ["one more from back then"], start=_at(old, 15),
                  chat="5511900000078@s.whatsapp.net")
    again = _run(pg, tmp_path, yesterday, tenant)
    assert again["reexported"] == {str(tenant): [old.isoformat()]}
    assert _inbound(tmp_path, tenant, old, old) == {old: 4}


def test_catch_up_is_bounded_per_run_newest_first(
    platform_db: Database, pg: PostgresResource, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(day_export, "CATCH_UP_DAYS", 2)
    tenant = create_tenant(platform_db, "Back-dated many")
    today = dt.datetime.now(UTC).date()
    days = [today - dt.timedelta(days=n) for n in (3, 4, 5)]
    for n, day in enumerate(days):
        seed_messages(platform_db, tenant, [f"back then {n}"], start=_at(day, 8),
                      chat=f"55119000001{n:02d}@s.whatsapp.net")
    yesterday = today - dt.timedelta(days=1)
    first = _run(pg, tmp_path, yesterday, tenant)
    assert first["reexported"] == {str(tenant): [days[0].isoformat(), days[1].isoformat()]}
    second = _run(pg, tmp_path, yesterday, tenant)
    assert second["reexported"] == {str(tenant): [days[2].isoformat()]}
    assert read_manifest(tmp_path, tenant, days[2]) is not None
    assert read_manifest(tmp_path, tenant, yesterday) is None  # idle, never exported
    assert Fingerprint().empty
