"""`messageflow backfill` and `messageflow dagster`: Dagster from the command line, with the
same database, secrets and DAGSTER_HOME as `messageflow up`, and nothing to export first.

Both resolve the database as every command does (DATABASE_URL, else the embedded server under
MESSAGEFLOW_HOME, shared with a running `up`), prepare $MESSAGEFLOW_HOME/dagster exactly as
`up` does (webapp/commands/dagster_home.py: the same storage, so runs show in the Dagster UI),
and run a child with the environment `up` gives its Dagster processes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click
import psycopg

from webapp.commands import dagster_home
from webapp.commands.children import child_env
from webapp.commands.common import load_settings, resolve_database
from webapp.commands.dagster_home import REPO_ROOT
from webapp.db.migrate import pending


@contextmanager
def dagster_env() -> Iterator[dict[str, str]]:
    """The environment of `up`'s Dagster processes; an embedded server started for it is
    stopped afterwards (one that `up` runs is left running)."""
    settings = load_settings()
    dsn, server = resolve_database(settings)
    try:
        _require_migrated(dsn)
        try:
            home = dagster_home.prepare(settings.home, os.environ, server)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc
        env = child_env(settings, dsn, os.environ)
        env.update(home.env())
        yield env
    finally:
        if server is not None:
            server.stop()


def _require_migrated(dsn: str) -> None:
    """Refuse in one line when the database has not been migrated (a home where neither `up`
    nor `migrate` ran): the Dagster runs would fail one by one with a traceback."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        waiting = pending(conn)
    if waiting:
        raise click.ClickException(
            f"the database has {len(waiting)} migration(s) to apply: run `messageflow migrate`"
            " (or `make up`) first")


def _run(argv: Sequence[str], env: dict[str, str]) -> int:
    """Run a child in the repository root (the code location's working directory)."""
    try:
        return subprocess.run(list(argv), env=env, cwd=str(REPO_ROOT), check=False).returncode
    except KeyboardInterrupt:
        return 130


@click.command()
@click.argument("asset")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day (YYYY-MM-DD), each tenant's local day.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day, inclusive (default: the first day).")
@click.option("--tenant", "tenant_ids", type=int, multiple=True,
              help="Only this tenant (repeatable; default: every tenant whose day is over).")
def backfill(asset: str, first: dt.datetime, last: dt.datetime | None,
             tenant_ids: tuple[int, ...]) -> None:
    """Materialize a daily asset (daily_summaries, llm_cost_daily, analytics_parquet_export)
    for each day from --from to --to, one Dagster run per day, shown in the Dagster UI."""
    start, end = first.date(), (last or first).date()
    if end < start:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    argv = [sys.executable, "-m", "pipelines.backfill", asset, start.isoformat(),
            end.isoformat(), *(arg for t in tenant_ids for arg in ("--tenant", str(t)))]
    with dagster_env() as env:
        code = _run(argv, env)
    sys.exit(code)


def _dagster_bin() -> str:
    local = os.path.join(os.path.dirname(sys.executable), "dagster")
    return local if os.access(local, os.X_OK) else "dagster"


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                 "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dagster(args: tuple[str, ...]) -> None:
    """Run the `dagster` CLI with up's environment, e.g. `messageflow dagster asset
    materialize -m pipelines.definitions --select daily_summaries --partition 2026-11-25`."""
    with dagster_env() as env:
        code = _run([_dagster_bin(), *args], env)
    sys.exit(code)
