"""Two engine processes race on a traffic file replayed while they run: every matching message
gets exactly one action item, every inbound message exactly one execution per workflow."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask

from tests import factories as make
from tests.factories import add_member, register_owner
from tests.webapp.workflows.test_engine import ORDER, rows, sample_records
from webapp.db import Database
from webapp.messaging.ingest import ingest

ENGINE = """
import sys, time, pathlib
from webapp.db import Database
from webapp.workflows import engine
db = Database(sys.argv[1], min_size=1, max_size=4)
db.open()
stop = pathlib.Path(sys.argv[2])
ran = 0
deadline = time.monotonic() + 60
while not stop.exists() and time.monotonic() < deadline:
    ran += engine.run_pending(db)
    time.sleep(0.02)
ran += engine.run_pending(db)
db.close()
print(ran)
"""


def test_two_engine_processes_while_traffic_is_replayed(
        app: Flask, db: Database, database_url: str, tmp_path: Path) -> None:
    client = app.test_client()
    owner = register_owner(client, "Two processes")
    admin = add_member(client, owner, "admin")
    device = make.device(db, owner.tenant_id)
    r = client.post("/api/v1/workflows", headers=admin.headers, json={
        "name": "Orders", "trigger": {"type": "message.received"},
        "conditions": {"any": [{"type": "text_matches", "pattern": ORDER}]},
        "actions": [{"type": "create_action_item", "title": "{{message.text}}"}]})
    assert r.status_code == 201, r.get_json()
    stop = tmp_path / "stop"
    root = Path(__file__).resolve().parents[3]
    procs = [subprocess.Popen([sys.executable, "-c", ENGINE, database_url, str(stop)],
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    try:
        records = sample_records()
        for start in range(0, len(records), 4):  # replayed in small batches while both run
            ingest(db, owner.tenant_id, records[start:start + 4], device_id=device)
            time.sleep(0.05)
        inbound = rows(db, owner.tenant_id, "select id, text from messages where not from_me")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = rows(db, owner.tenant_id,
                        "select count(*) n from workflow_executions where status = 'done'")
            if done[0]["n"] >= len(inbound):
                break
            time.sleep(0.1)
    finally:
        stop.touch()
        outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    ran = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    matching = sorted(r["id"] for r in inbound if re.search(ORDER, r["text"] or "", re.I))
    assert len(matching) >= 2
    items = rows(db, owner.tenant_id, "select source_message_id from action_items")
    assert sorted(i["source_message_id"] for i in items) == matching
    runs = rows(db, owner.tenant_id, "select message_id, status from workflow_executions")
    assert sorted(r["message_id"] for r in runs) == sorted(r["id"] for r in inbound)
    assert sum(ran) == len(runs), ran
