"""`messageflow replay` and `messageflow simulate`: traffic through the one ingest path."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from webapp.commands.common import database
from webapp.db import Database
from webapp.errors import DomainError
from webapp.messaging.records import ParsedLine, Record, parse_lines
from webapp.messaging.service import IngestResult, ingest, resolve_device
from webapp.messaging.simulator import run_live


def _paced(lines: list[ParsedLine], speed: float | None) -> Iterator[list[Record]]:
    """Batches of records; with a speed, released at `speed` times their recorded pace."""
    records = [p.record for p in lines if p.record is not None]
    if not speed:
        yield records
        return
    started, first = time.monotonic(), records[0].timestamp if records else None
    batch: list[Record] = []
    for record in records:
        assert first is not None
        due = (record.timestamp - first).total_seconds() / speed
        wait = due - (time.monotonic() - started)
        if wait > 0.05 and batch:
            yield batch
            batch = []
        if wait > 0:
            time.sleep(wait)
        batch.append(record)
    if batch:
        yield batch


@contextmanager
def _one_line_errors(tenant_id: int, device_id: int | None) -> Iterator[None]:
    """A domain error (no such tenant or device, database down) as one line, exit status 1."""
    try:
        yield
    except DomainError as exc:
        where = f"--tenant {tenant_id}" + ("" if device_id is None else f", --device {device_id}")
        raise click.ClickException(f"{exc.message.rstrip('.')} ({where})") from exc


def replay_file(db: Database, tenant_id: int, path: Path, device_id: int | None,
                speed: float | None = None) -> tuple[IngestResult, list[ParsedLine]]:
    """Feed a traffic file through ingest; returns the result and the rejected lines.

    Raises NotFound when the tenant does not exist or the device is not the tenant's."""
    device = resolve_device(db, tenant_id, device_id)
    with path.open(encoding="utf-8") as fh:
        parsed = list(parse_lines(fh))
    rejected = [p for p in parsed if not p.ok]
    total = IngestResult()
    for batch in _paced(parsed, speed):
        total.add(ingest(db, tenant_id, batch, device_id=device))
    return total, rejected


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "tenant_id", type=int, required=True)
@click.option("--device", "device_id", type=int, default=None,
              help="Device id (default: the tenant's first device, or a new simulator device).")
@click.option("--speed", type=float, default=None,
              help="Replay at X times the recorded pace (default: as fast as possible).")
def replay(file: Path, tenant_id: int, device_id: int | None, speed: float | None) -> None:
    """Ingest a .jsonl traffic file; bad lines are reported on stderr and skipped."""
    with database() as db, _one_line_errors(tenant_id, device_id):
        result, rejected = replay_file(db, tenant_id, file, device_id, speed)
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
