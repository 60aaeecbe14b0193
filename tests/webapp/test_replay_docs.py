"""What the docs say `messageflow replay tests/fixtures/traffic/sample.jsonl` prints is what it
prints (README.md's command table and the fixture's README), first time and again."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from webapp.db import Database
from webapp.tenants.service import create_tenant

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "traffic" / "sample.jsonl"
COUNTS = re.compile(r"`(ingested=\d+ duplicates=\d+ rejected=\d+(?: presence=\d+)?)`")


def stated(doc: Path) -> list[str]:
    """The replay result lines a document quotes, in order (first replay, then again)."""
    return [m for m in COUNTS.findall(doc.read_text()) if "=N" not in m]


def test_docs_quote_what_replay_prints(database_url: str, platform_db: Database) -> None:
    tenant = create_tenant(platform_db, "Replay docs")
    cmd = [sys.executable, "-m", "webapp.cli", "replay", str(SAMPLE), "--tenant", str(tenant)]
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "MESSAGEFLOW_HOME": "/tmp"}
    printed = []
    for _ in range(2):
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
        assert out.returncode == 0, out.stderr
        printed.append(out.stdout.strip())
    assert stated(REPO / "tests" / "fixtures" / "traffic" / "README.md") == printed
    assert stated(REPO / "README.md") == printed
