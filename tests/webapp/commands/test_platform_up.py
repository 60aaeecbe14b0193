"""`messageflow up` for real: every process answers, and Ctrl-C leaves nothing behind.

Runs the console script against the module's fresh database (demo tenant created there), on free
ports, with MESSAGEFLOW_HOME in a temporary directory. Dagster's webserver takes 20-55 s to answer
on the busy 2-core machine, so the test runs only with MESSAGEFLOW_TEST_UP=1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from webapp.commands.dagster_home import REPO_ROOT
from webapp.supervisor import group_alive

CHILDREN = {"web", "gateway", "simulator", "dagster-ui", "dagster-d", "streamlit"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _ours(marker: str) -> list[str]:
    """Live processes whose environment carries our MESSAGEFLOW_HOME (escaped groups too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if marker.encode() in environ and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(f"{entry}: {Path(f'/proc/{entry}/cmdline').read_bytes()[:120]!r}")
    return found


def test_up_serves_everything_and_ctrl_c_stops_everything(database_url: str,
                                                          tmp_path: Path) -> None:
    home = tmp_path / f"mfhome-{os.getpid()}"
    ports = {"PORT": _free_port(), "DAGSTER_PORT": _free_port(), "STREAMLIT_PORT": _free_port()}
    env = {**os.environ, "DATABASE_URL": database_url, "MESSAGEFLOW_HOME": str(home),
           **{k: str(v) for k, v in ports.items()}, "WEB_THREADS": "16",
           "MESSAGEFLOW_DEMO_RATE": "2"}
    for name in ("DAGSTER_HOME", "DAGSTER_PG_URL", "MESSAGEFLOW_DAGSTER", "MESSAGEFLOW_STREAMLIT",
                 "MESSAGEFLOW_GATEWAY", "MESSAGEFLOW_DEMO_TRAFFIC", "HOST"):
        env.pop(name, None)
    script = Path(sys.executable).parent / "messageflow"
    started = time.monotonic()
    proc = subprocess.Popen([str(script), "up"], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    lines: list[str] = []
    stream = proc.stdout
    assert stream is not None
    reader = threading.Thread(target=lambda: lines.extend(
        raw.decode("utf-8", "replace") for raw in iter(stream.readline, b"")), daemon=True)
    reader.start()
    urls = {"web": f"http://127.0.0.1:{ports['PORT']}/readyz",
            "dagster": f"http://127.0.0.1:{ports['DAGSTER_PORT']}/server_info",
            "streamlit": f"http://127.0.0.1:{ports['STREAMLIT_PORT']}/_stcore/health"}
    try:
        waiting = dict(urls)
        deadline = time.monotonic() + 120
        while waiting and time.monotonic() < deadline and proc.poll() is None:
            waiting = {k: u for k, u in waiting.items() if _status(u) != 200}
            time.sleep(0.5)
        ready_s = time.monotonic() - started
        assert not waiting, f"not answering: {waiting}\n{''.join(lines)[-5000:]}"
        # The daemon is launched once the webserver is ready (the supervisor's next tick), so
        # its "started" line can follow the readiness answers by a moment.
        settle = time.monotonic() + 15
        while True:
            text = "".join(lines)
            pids = {m[0]: int(m[1])
                    for m in re.findall(r"started (\S+) \(pid (\d+)\)", text)}
            if set(pids) == CHILDREN or time.monotonic() > settle:
                break
            time.sleep(0.2)
        assert set(pids) == CHILDREN, text[-3000:]
        assert "password  " in text and f"http://127.0.0.1:{ports['DAGSTER_PORT']}/" in text
        # the demo traffic reaches the database through the simulator child
        assert _wait_for_messages(database_url), text[-3000:]
        # the daemon (started once the webserver answered) runs the sensors and schedules
        healthy = _wait_for_daemons(ports["DAGSTER_PORT"])
        assert {"SENSOR", "SCHEDULER"} <= healthy, f"{healthy}\n{''.join(lines)[-3000:]}"
    finally:
        interrupted = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        reader.join(5)
    stopped_s = time.monotonic() - interrupted
    text = "".join(lines)
    assert proc.returncode == 0, text[-3000:]
    assert "did not stop in time" not in text, text[-3000:]
    left = [name for name, pid in pids.items() if group_alive(pid)]
    assert not left, f"still running: {left}"
    assert not _ours(str(home)), _ours(str(home))
    stops = re.findall(r"  (\S+ stopped \(\S+\))", text)
    print(f"\nup: ready in {ready_s:.1f}s, stopped in {stopped_s:.1f}s: {', '.join(stops)}")


def _wait_for_daemons(port: int, timeout: float = 60.0) -> set[str]:
    """The Dagster daemons the webserver reports healthy, once the sensor daemon is."""
    query = json.dumps({"query": "{ instance { daemonHealth { allDaemonStatuses "
                                 "{ daemonType healthy } } } }"}).encode()
    healthy: set[str] = set()
    deadline = time.monotonic() + timeout
    while "SENSOR" not in healthy and time.monotonic() < deadline:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                statuses = json.load(resp)["data"]["instance"]["daemonHealth"]
        except (urllib.error.URLError, OSError, KeyError, TypeError):
            statuses = {"allDaemonStatuses": []}
        healthy = {d["daemonType"] for d in statuses["allDaemonStatuses"] if d["healthy"]}
        time.sleep(1)
    return healthy


def _wait_for_messages(dsn: str, timeout: float = 20.0) -> bool:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("select count(*) from messages").fetchone()
            if row and row[0] > 0:
                return True
            time.sleep(0.5)
    return False


pytestmark = [
    pytest.mark.timeout(200),
    # 40-110 s of wall time on the shared 2-core machine (Dagster's webserver alone needs
    # 20-55 s to answer there, the daemon as long again), so not in the default run:
    #   MESSAGEFLOW_TEST_UP=1 pytest tests/webapp/commands/test_platform_up.py
    pytest.mark.skipif(os.environ.get("MESSAGEFLOW_TEST_UP") != "1",
                       reason="starts the whole platform (40 s or more); MESSAGEFLOW_TEST_UP=1"),
]
