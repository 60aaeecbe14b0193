"""`messageflow replay --speed X` stores records as their time comes, not at the end of the
file; without --speed it stays batched."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.factories import T0, msg
from tests.webapp.messaging.conftest import query_all
from webapp.commands.traffic import chunks, paced
from webapp.db import Database
from webapp.messaging.records import Record, validate_record
from webapp.tenants.service import create_tenant

REPO = Path(__file__).resolve().parents[3]
STORE_S = 0.025  # how long the fake ingest takes to store a group


class FakeTime:
    """A clock that moves only when someone sleeps or works."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Let time pass."""
        self.now += seconds


def spaced(count: int, every_s: float) -> list[Record]:
    """`count` message records `every_s` seconds apart."""
    return [validate_record(msg(f"P{i:04d}", f"paced {i}", i * every_s)) for i in range(count)]


def test_a_dense_file_is_handed_out_as_it_falls_due() -> None:
    """Records 10 ms apart at speed 1, storing a group taking 25 ms: every record goes out
    after its time and at most one storing later, in many small groups (the old pacing held
    everything back to the end, as the gaps never exceeded its 50 ms threshold)."""
    records = spaced(200, 0.010)
    fake = FakeTime()
    handed: dict[str, float] = {}
    groups = 0
    for group in paced(records, 1.0, clock=fake.clock, sleep=fake.sleep):
        groups += 1
        handed.update(dict.fromkeys((r.id for r in group), fake.now))
        fake.sleep(STORE_S)  # ingest's commit
    assert len(handed) == 200 and groups > 50
    for r in records:
        due = (r.timestamp - records[0].timestamp).total_seconds()
        assert due - 1e-9 <= handed[r.id] <= due + STORE_S + 1e-9, r.id


def test_speed_scales_the_pace_and_a_backlog_is_capped() -> None:
    records = spaced(30, 1.0)
    fake = FakeTime()
    times = [fake.now for _ in paced(records, 10.0, clock=fake.clock, sleep=fake.sleep)]
    assert len(times) == 30 and abs(times[-1] - 2.9) < 1e-6  # 29 s of traffic at 10x
    fake = FakeTime()
    sizes = []
    for group in paced(spaced(1200, 0.0), 1.0, group_max=500, clock=fake.clock,
                       sleep=fake.sleep):
        sizes.append(len(group))
    assert sizes == [500, 500, 200]


def test_without_speed_the_file_goes_in_ingest_batches() -> None:
    records = spaced(12_000, 0.0)
    assert [len(c) for c in chunks(records)] == [5000, 5000, 2000]


def test_replay_with_speed_commits_as_it_goes(database_url: str, db: Database,
                                             tmp_path: Path) -> None:
    """A dense file (records 1 s apart replayed at 50x: one every 20 ms) through the real
    command: rows show up in the database while the command is still running, and it says
    how far it got."""
    tenant = create_tenant(db, "Paced replay")
    path = tmp_path / "dense.jsonl"
    count = 200
    path.write_text("".join(json.dumps(msg(f"D{i:04d}", f"dense {i}", i)) + "\n"
                            for i in range(count)))
    cmd = [sys.executable, "-m", "webapp.cli", "replay", str(path), "--tenant", str(tenant),
           "--speed", "50"]
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "MESSAGEFLOW_HOME": "/tmp"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        rows = query_all(db, tenant, "select count(*) as n from messages")
        if proc.poll() is None:  # counted while the command was still running
            seen.append(int(rows[0]["n"]))
        time.sleep(0.05)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == f"ingested={count} duplicates=0 rejected=0"
    partial = sorted({n for n in seen if 0 < n < count})
    assert len(partial) >= 3, seen  # several commits seen in flight, not one at the end
    assert f"replayed {count}/{count} records" in err
    first = query_all(db, tenant, "select min(sent_at) as at from messages")[0]["at"]
    assert first == T0 and isinstance(first, dt.datetime)
