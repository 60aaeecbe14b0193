"""`messageflow replay` and `messageflow simulate`: traffic through the one ingest path."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click

from webapp.commands.common import database, describe_dsn, load_settings, waiting_for_database
from webapp.db import Database
from webapp.errors import DomainError
from webapp.media.samples import ensure_samples
from webapp.media.store import store_for
from webapp.messaging.ingest import BATCH_SIZE
from webapp.messaging.records import ParsedLine, Record, parse_lines
from webapp.messaging.service import IngestResult, ingest, resolve_device
from webapp.messaging.simulator import run_live

GROUP_MAX = 500  # most records a paced replay commits at once when it falls behind
Progress = Callable[[int, int], None]  # (records replayed so far, records in the file)
DEFAULT_WAIT_S = 60.0  # how long replay waits for a database it cannot reach


def chunks(records: list[Record], size: int = BATCH_SIZE) -> Iterator[list[Record]]:
    """Records in ingest-sized batches, as fast as possible (the replay without --speed)."""
    for start in range(0, len(records), size):
        yield records[start:start + size]


def paced(records: list[Record], speed: float, *, group_max: int = GROUP_MAX,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[list[Record]]:
    """Records at `speed` times their recorded pace: each group is handed out as soon as its
    records are due, before waiting for the next one, so what is due is stored while the
    replay waits (a dense file is not held back to its end). Records that fall due while the
    caller is storing a group go together in the next one, up to group_max."""
    if not records:
        return
    started, first = clock(), records[0].timestamp
    group: list[Record] = []
    for record in records:
        due = (record.timestamp - first).total_seconds() / speed
        if group and (due > clock() - started or len(group) >= group_max):
            yield group
            group = []
        wait = due - (clock() - started)
        if wait > 0:
            sleep(wait)
        group.append(record)
    if group:
        yield group


@contextmanager
def _one_line_errors(tenant_id: int, device_id: int | None) -> Iterator[None]:
    """A domain error (no such tenant or device, database down) as one line, exit status 1."""
    try:
        yield
    except DomainError as exc:
        where = f"--tenant {tenant_id}" + ("" if device_id is None else f", --device {device_id}")
        raise click.ClickException(f"{exc.message.rstrip('.')} ({where})") from exc


def replay_file(db: Database, tenant_id: int, path: Path, device_id: int | None,
                speed: float | None = None,
                progress: Progress | None = None,
                wait_s: float = 0.0) -> tuple[IngestResult, list[ParsedLine]]:
    """Feed a traffic file through ingest, committing as it goes; returns the result and the
    rejected lines. `progress` hears after each commit how many records are stored.

    While the database cannot be reached, each call waits for it up to `wait_s` seconds: ingest
    is idempotent, so a group whose try failed (even one whose commit was lost in flight) is
    sent again whole, and nothing is lost or doubled.

    Raises NotFound when the tenant does not exist or the device is not the tenant's."""
    where = describe_dsn(db.dsn)
    device = waiting_for_database(partial(resolve_device, db, tenant_id, device_id), where,
                                  wait_s)
    with path.open(encoding="utf-8") as fh:
        parsed = list(parse_lines(fh))
    rejected = [p for p in parsed if not p.ok]
    records = [p.record for p in parsed if p.record is not None]
    total, done = IngestResult(), 0
    for group in paced(records, speed) if speed else chunks(records):
        total.add(waiting_for_database(partial(ingest, db, tenant_id, group, device_id=device),
                                       where, wait_s))
        done += len(group)
        if progress is not None:
            progress(done, len(records))
    return total, rejected


class ProgressLine:
    """Progress on stderr: at most one line a second, and the last one."""

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        """Print `replayed N/M records` when a second has passed or the replay is done."""
        now = time.monotonic()
        if done == total or now - self.shown >= self.every_s:
            self.shown = now
            click.echo(f"replayed {done}/{total} records", err=True)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "tenant_id", type=int, required=True)
@click.option("--device", "device_id", type=int, default=None,
              help="Device id (default: the tenant's first device, or a new simulator device).")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Replay at X times the recorded pace, storing each record when its time "
                   "comes (default: as fast as possible, in batches).")
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), default=DEFAULT_WAIT_S,
              show_default=True,
              help="Seconds to wait for a database that cannot be reached (at start or "
                   "mid-file) before giving up; 0: give up at once.")
def replay(file: Path, tenant_id: int, device_id: int | None, speed: float | None,
           wait_s: float) -> None:
    """Ingest a .jsonl traffic file; bad lines are reported on stderr and skipped."""
    with database(wait_s=wait_s) as db, _one_line_errors(tenant_id, device_id):
        result, rejected = replay_file(db, tenant_id, file, device_id, speed,
                                       progress=ProgressLine(), wait_s=wait_s)
    for line in rejected:
        click.echo(f"line {line.line_no}: {line.reason}", err=True)
    extra = f" presence={result.presence}" if result.presence else ""
    click.echo(f"ingested={result.ingested} duplicates={result.duplicates} "
               f"rejected={len(rejected) + len(result.rejected)}{extra}")


@click.command()
@click.option("--tenant", "tenant_id", type=int, required=True)
@click.option("--rate", type=float, default=1.0, show_default=True, help="Records per second.")
@click.option("--seed", type=int, default=None, help="Same seed, same traffic (default: random).")
@click.option("--duration", type=float, default=None, help="Seconds (default: until Ctrl-C).")
@click.option("--device", "device_id", type=int, default=None)
def simulate(tenant_id: int, rate: float, seed: int | None, duration: float | None,
             device_id: int | None) -> None:
    """Generate realistic operations-desk traffic into a tenant, live."""
    seed = random.SystemRandom().randrange(1, 2**31) if seed is None else seed
    ensure_samples(store_for(load_settings()))  # the photos, voice notes and PDFs it names
    with database() as db, _one_line_errors(tenant_id, device_id):
        device = resolve_device(db, tenant_id, device_id)
        click.echo(f"simulating for tenant {tenant_id} on device {device}: seed={seed} "
                   f"rate={rate}/s", err=True)
        total = IngestResult()

        def sink(batch: list[Record]) -> None:
            total.add(ingest(db, tenant_id, batch, device_id=device))

        try:
            run_live(sink, seed=seed, rate_per_s=rate, duration_s=duration)
        except KeyboardInterrupt:
            pass
    click.echo(f"ingested={total.ingested} duplicates={total.duplicates} "
               f"rejected={len(total.rejected)}")
    sys.stdout.flush()
