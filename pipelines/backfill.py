"""Materialize a daily asset for a range of days: what `messageflow backfill` runs.

`python -m pipelines.backfill ASSET FIRST LAST [--tenant ID ...]` materializes one partition
after another in this process, against the Dagster instance of DAGSTER_HOME (so every run is
recorded where the Dagster UI shows it) and with the code location's own definitions and `pg`
resource (DATABASE_URL, MASTER_KEY from the environment). `messageflow backfill` prepares that
environment exactly as `messageflow up` does (webapp/commands/dagster_cli.py); run directly, the
caller must.

One run per day rather than one Dagster backfill: the daemon need not be running, each day's
outcome is printed as it ends, and a failed day does not stop the others (the exit status says
how many failed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence

import dagster as dg

TENANT_CONFIG = "tenant_ids"
BACKFILL_TAG = "messageflow/backfill"


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from first to last, inclusive."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def daily_asset(defs: dg.Definitions, name: str) -> dg.AssetsDefinition:
    """The named asset of the code location, which must be daily-partitioned."""
    keys = {key.to_user_string(): key for key in defs.resolve_all_asset_keys()}
    if name not in keys:
        raise ValueError(f"no asset {name!r}; daily assets: {', '.join(daily_names(defs))}")
    asset = defs.resolve_assets_def(keys[name])
    if asset.partitions_def is None:
        raise ValueError(f"{name} has no daily partitions; daily assets: "
                         f"{', '.join(daily_names(defs))}")
    return asset


def daily_names(defs: dg.Definitions) -> list[str]:
    """The code location's partitioned assets, by name."""
    return sorted(key.to_user_string() for key in defs.resolve_all_asset_keys()
                  if defs.resolve_assets_def(key).partitions_def is not None)


def check_days(asset: dg.AssetsDefinition, days: Sequence[dt.date]) -> None:
    """Refuse days that are not partitions of the asset (before its start, or not begun)."""
    assert asset.partitions_def is not None
    keys = set(asset.partitions_def.get_partition_keys())
    missing = [d.isoformat() for d in days if d.isoformat() not in keys]
    if missing:
        raise ValueError(f"not a partition of {asset.key.to_user_string()} (yet): "
                         f"{', '.join(missing)}")


def run_config(asset_name: str, tenant_ids: Sequence[int]) -> dict[str, object] | None:
    """The asset's config restricting the run to some tenants (None: every ready tenant)."""
    if not tenant_ids:
        return None
    return {"ops": {asset_name: {"config": {TENANT_CONFIG: list(tenant_ids)}}}}


def backfill(defs: dg.Definitions, instance: dg.DagsterInstance, name: str,
             days: Sequence[dt.date], tenant_ids: Sequence[int] = (),
             echo: Callable[[str], object] = print) -> int:
    """Materialize `name` for each day, one run each; returns how many runs failed."""
    asset = daily_asset(defs, name)
    check_days(asset, days)
    job = defs.resolve_implicit_job_def_def_for_assets([asset.key])
    assert job is not None
    failed = 0
    for day in days:
        started = time.monotonic()
        result = job.execute_in_process(
            instance=instance, partition_key=day.isoformat(), asset_selection=[asset.key],
            run_config=run_config(name, tenant_ids), raise_on_error=False,
            tags={BACKFILL_TAG: f"{days[0].isoformat()}...{days[-1].isoformat()}"})
        state = "ok" if result.success else "FAILED"
        failed += 0 if result.success else 1
        echo(f"{name} {day.isoformat()}: {state} in {time.monotonic() - started:.1f} s "
             f"(run {result.run_id})")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ASSET FIRST LAST [--tenant ID]...; exit status 1 when a day failed."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.backfill")
    parser.add_argument("asset")
    parser.add_argument("first", type=dt.date.fromisoformat)
    parser.add_argument("last", type=dt.date.fromisoformat)
    parser.add_argument("--tenant", type=int, action="append", default=[])
    args = parser.parse_args(argv)
    from pipelines.definitions import defs

    try:
        with dg.DagsterInstance.get() as instance:
            failed = backfill(defs, instance, args.asset, days_between(args.first, args.last),
                              args.tenant)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
