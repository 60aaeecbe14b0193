"""`messageflow backfill ASSET --from --to` (issue 10, 4.2): one command, no variables to export,
the same database and Dagster instance as `up`; a real backfill of the daily cost rollup for two
days lands in the database and in the instance's run history (what the Dagster UI lists)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import dagster as dg

from tests.webapp.llm.test_support import as_owner
from webapp.db import Database
from webapp.tenants.service import create_tenant

REPO = Path(__file__).resolve().parents[2]


def messageflow(*args: str, home: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a newcomer runs it: only DATABASE_URL (their own server) and the home."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url,
           "MESSAGEFLOW_HOME": str(home), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "LITELLM_OFFLINE_MODE": "true"}
    return subprocess.run([sys.executable, "-m", "webapp.cli", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=240)


def _usage(database_url: str, tenant_id: int, at: dt.datetime, cost: str) -> None:
    as_owner(database_url,
             "insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, feature, "
             "input_tokens, output_tokens, cost_usd, unpriced, latency_ms, status, valid_output, "
             "created_at) values (%s, null, 'local', 'heuristic', 'summarization', 100, 20, %s, "
             "false, 50, 'ok', true, %s)", (tenant_id, Decimal(cost), at))


def test_backfill_two_days_of_a_daily_asset(platform_db: Database, database_url: str,
                                            tmp_path: Path) -> None:
    tenant = create_tenant(platform_db, "Backfill Co")
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=3), today - dt.timedelta(days=2)]
    for n, day in enumerate(days, start=1):
        _usage(database_url, tenant, dt.datetime.combine(day, dt.time(12), dt.UTC), f"{n}.5")

    out = messageflow("backfill", "llm_cost_daily", "--from", days[0].isoformat(),
                      "--to", days[1].isoformat(), "--tenant", str(tenant),
                      home=tmp_path, database_url=database_url)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("llm_cost_daily ")]
    assert [line.split(":")[0] for line in lines] == [f"llm_cost_daily {d}" for d in days]
    assert all(": ok in " in line for line in lines), lines

    rows = as_owner(database_url, "select day, calls, cost_usd from llm_cost_daily "
                                  "where tenant_id = %s order by day", (tenant,))
    assert rows == [(days[0], 1, Decimal("1.5")), (days[1], 1, Decimal("2.5"))]

    # The runs are in the instance `up` uses (SQLite under the home here: DATABASE_URL is ours).
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
        assert sorted(r.tags["dagster/partition"] for r in runs) == [d.isoformat() for d in days]


def test_backfill_refuses_what_is_not_a_daily_asset(database_url: str, tmp_path: Path) -> None:
    out = messageflow("backfill", "no_such_asset", "--from", "2026-11-02",
                      home=tmp_path, database_url=database_url)
    assert out.returncode == 2
    assert "no asset 'no_such_asset'; daily assets: analytics_parquet_export, " \
           "daily_summaries, llm_cost_daily" in out.stderr
    early = messageflow("backfill", "llm_cost_daily", "--from", "2020-01-01",
                        home=tmp_path, database_url=database_url)
    assert early.returncode == 2 and "not a partition of llm_cost_daily" in early.stderr
    backwards = messageflow("backfill", "llm_cost_daily", "--from", "2026-11-05", "--to",
                            "2026-11-04", home=tmp_path, database_url=database_url)
    assert backwards.returncode == 2 and "--to is before --from" in backwards.stderr


def test_dagster_passthrough_sees_the_same_instance(database_url: str, tmp_path: Path) -> None:
    out = messageflow("dagster", "instance", "info", home=tmp_path, database_url=database_url)
    assert out.returncode == 0, out.stderr
    assert str(tmp_path / "dagster") in out.stdout


def test_backfill_on_the_embedded_default_with_nothing_exported(tmp_path: Path) -> None:
    """The issue's setup: no DATABASE_URL, no DAGSTER_PG_URL, no DAGSTER_HOME, the embedded
    PostgreSQL that `up` started (and left running) under MESSAGEFLOW_HOME. The README's command
    backfills, and its runs go to the `dagster` database on that server (what the UI shows)."""
    from webapp.db.embedded import ensure_server
    from webapp.db.migrate import migrate

    home = Path("/tmp") / f"mf-backfill-embedded-{os.getpid()}"  # short: postgres reaches it
    shutil.rmtree(home, ignore_errors=True)
    server = ensure_server(home / "pg")  # as `up` leaves it: running, migrated
    try:
        migrate(server.dsn())
        db = Database(server.dsn(), min_size=1, max_size=2)
        db.open()
        try:
            tenant = create_tenant(db, "Embedded Co")
        finally:
            db.close()
        day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
        _usage(server.dsn(), tenant, dt.datetime.combine(day, dt.time(12), dt.UTC), "4.25")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MESSAGEFLOW_HOME": str(home),
               "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
        out = subprocess.run([sys.executable, "-m", "webapp.cli", "backfill", "llm_cost_daily",
                              "--from", day.isoformat(), "--tenant", str(tenant)],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=240)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "using the running embedded PostgreSQL" in out.stderr
        assert f"llm_cost_daily {day}: ok in " in out.stdout
        assert as_owner(server.dsn(), "select day, calls, cost_usd from llm_cost_daily where "
                        "tenant_id = %s", (tenant,)) == [(day, 1, Decimal("4.25"))]
        runs = as_owner(server.dsn("dagster"), "select status, partition from runs")
        assert runs == [("SUCCESS", day.isoformat())]
        assert not (home / "dagster" / "history").exists()  # no SQLite storage beside it
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_backfill_on_a_database_never_migrated_says_so_in_one_line(pg_admin_dsn: str,
                                                                    tmp_path: Path) -> None:
    """A home where neither `up` nor `migrate` ran: one line naming the command to run, before
    any Dagster run starts (they would each fail with a traceback)."""
    import uuid

    from tests.conftest import create_db, drop_db, dsn_for

    name = f"mf_unmigrated_{uuid.uuid4().hex[:8]}"
    create_db(pg_admin_dsn, name)
    try:
        out = messageflow("backfill", "llm_cost_daily", "--from", "2026-11-01",
                          home=tmp_path, database_url=dsn_for(pg_admin_dsn, name))
        assert out.returncode == 1
        assert out.stderr.strip().splitlines() == [
            "Error: the database has "
            f"{len(list((REPO / 'migrations').glob('[0-9]*.sql')))} migration(s) to apply:"
            " run `messageflow migrate` (or `make up`) first"]
        assert "Traceback" not in out.stderr and out.stdout == ""
    finally:
        drop_db(pg_admin_dsn, name)
