"""Shared by the quick schemathesis pass (tests/webapp/http/test_fuzz.py) and the long one
(bench/test_fuzz.py): the app served on a loopback port, a signed-in owner of a tenant with a
device, conversations, messages, a label and the local provider (so that small ids exist),
and an outbound policy that lets no fuzzed provider reach anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from tests import factories as make
from webapp.db import Database
from webapp.security import outbound

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Operations the pass does not call: signing out (here, everywhere, or by switching tenant)
# would end the session every other request
# uses (tests/webapp/auth covers it), and the socket needs a WebSocket client (tests/webapp/
# realtime; its plain-HTTP answers, 426/401/400/403, are in tests/webapp/realtime/test_feed.py).
EXCLUDED_OPERATIONS = ("auth_logout", "auth_logout_all", "auth_switch_tenant",
                       "realtime_realtime_socket")
# What every pass checks: no 5xx, every status declared, every body matching its schema and
# content type, and the request constraints (valid input accepted, invalid input refused).
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance",
          "content_type_conformance", "negative_data_rejection", "positive_data_acceptance")


class _NowhereResolver:
    """Every name resolves to 127.0.0.2, an address outside the tests' OUTBOUND_ALLOW."""

    def __call__(self, host: str, port: int) -> list[str]:
        return ["127.0.0.2"]


class _RefuseAll(outbound.OutboundPolicy):
    """The fuzzing's outbound policy: a fuzzed `api_base` (even a public literal address) and
    the default hosts of the paid providers are all refused, so no request leaves the test."""

    def check_host(self, host: str, port: int) -> list[str]:
        raise outbound.OutboundRefused("outbound requests are off while fuzzing", host=host,
                                       reason="fuzzing")


REPO = Path(__file__).resolve().parents[1]


@dataclass
class FuzzRun:
    """What a schemathesis run did: its exit code, output, JSON report and duration."""

    command: str
    exit_code: int
    output: str
    report: dict[str, object]
    seconds: float


def run_schemathesis(app: Flask, token: str, workdir: Path, *, max_examples: int,
                     phases: str, seed_value: int = 1) -> FuzzRun:
    """`st run` against the served app as the signed-in owner, with CHECKS and CONFIG."""
    report = workdir / "schemathesis-report.json"
    with refuse_outbound(), serve(app) as base:
        cmd = [str(Path(sys.executable).parent / "st"), "--config-file", str(CONFIG), "run",
               f"{base}/api/v1/openapi.json", "-H", f"Authorization: Bearer {token}",
               "--checks", ",".join(CHECKS), "--phases", phases,
               "--max-examples", str(max_examples), "--seed", str(seed_value),
               "--workers", "1", "--report", "json", "--report-json-path", str(report),
               "--no-color", "--suppress-health-check", "all",
               "--generation-database", "none", "--request-timeout", "60"]
        for op in EXCLUDED_OPERATIONS:
            cmd += ["--exclude-operation-id", op]
        started = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=4 * 3600, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        elapsed = time.monotonic() - started
    shown = " ".join("Authorization: Bearer <token>" if c.startswith("Authorization") else
                     (c if " " not in c else repr(c)) for c in cmd)
    shown = shown.replace(base, "http://127.0.0.1:<port>").replace(str(Path(sys.executable)
                                                                        .parent) + "/", "")
    shown = shown.replace(str(REPO) + "/", "").replace(str(report), "<report.json>")
    output = done.stdout + done.stderr
    (workdir / "schemathesis-output.txt").write_text(output)
    data = json.loads(report.read_text()) if report.exists() else {}
    return FuzzRun(shown, done.returncode, output, data, round(elapsed, 1))


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1:<free port> in a thread (threaded, as gunicorn's gthread)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fuzz-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def refuse_outbound() -> Iterator[None]:
    """Every outbound request refused while the block runs."""
    policy = _RefuseAll.parse((), resolver=_NowhereResolver())
    old = outbound.configure(policy)
    try:
        yield
    finally:
        outbound.configure(old)


def seed(app: Flask, db: Database) -> tuple[str, int]:
    """A tenant with data behind small ids; the owner's access token and the tenant id."""
    client = app.test_client()
    owner = make.register_owner(client, "Fuzz")
    device = make.device(db, owner.tenant_id, name="Sim", jid="15550100001@s.whatsapp.net")
    ids = make.messages(db, owner.tenant_id,
                        make.chat(["Can you send the invoice today?", "Thanks", "ok"]),
                        device_id=device)
    make.messages(db, owner.tenant_id, make.chat(["Hello", "Are you there?"], chat=make.BRUNO),
                  device_id=device)
    r = client.post("/api/v1/llm/providers", headers=owner.headers,
                    json={"name": "Local", "kind": "local", "is_default": True})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/labels", headers=owner.headers, json={"name": "vip"})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/messages/analyze", headers=owner.headers,
                    json={"message_id": ids[0]})
    assert r.status_code == 200, r.get_json()
    make.add_member(client, owner, "member")
    return owner.access, owner.tenant_id
