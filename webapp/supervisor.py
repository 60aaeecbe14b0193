"""Run the platform's processes side by side until Ctrl-C (used by `messageflow up`)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class Child:
    """One long-running process: a name for the logs, its argv and extra environment."""

    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None


def run_all(children: list[Child], base_env: Mapping[str, str]) -> int:
    """Start every child in its own process group; stop them all on Ctrl-C or when one dies."""
    stopping = False

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for child in children:
        env = {**base_env, **child.env}
        child.proc = subprocess.Popen(child.argv, env=env, start_new_session=True)
        print(f"  started {child.name} (pid {child.proc.pid})", file=sys.stderr)
    code = 0
    while not stopping:
        for child in children:
            assert child.proc is not None
            rc = child.proc.poll()
            if rc is not None:
                print(f"  {child.name} exited with code {rc}; stopping", file=sys.stderr)
                code = rc or 1
                stopping = True
                break
        time.sleep(0.5)
    terminate(children)
    return code


def terminate(children: list[Child], grace_s: float = 10.0) -> None:
    """SIGINT each process group (dagster ignores SIGTERM), then SIGKILL what lingers."""
    for child in children:
        if child.proc and child.proc.poll() is None:
            try:
                os.killpg(child.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace_s
    for child in children:
        if child.proc is None:
            continue
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(child.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
