"""Run the platform's processes side by side until Ctrl-C (used by `messageflow up`).

Each child runs in its own session (so its own process group): a Ctrl-C in the terminal (or
SIGTERM, or the terminal closing) reaches only the supervisor, which then SIGINTs every group
(Dagster ignores SIGTERM), waits until each whole group has exited (grandchildren such as
Dagster's code servers and gunicorn's workers included) and SIGKILLs what is left after the grace
period or on a second Ctrl-C. When one child dies, the others are stopped too: a half-running
platform is worse than a clear exit. Children's output is merged and prefixed with their name; a
child with a `ready_url` is announced once it answers 200, and a child with `after` starts only
once that child is ready (Dagster's daemon waits for the webserver, which creates the instance's
storage: started together on a fresh DAGSTER_HOME both create the SQLite tables and one fails
with "table alembic_version already exists").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, Any

PREFIX_WIDTH = 10


@dataclass
class Child:
    """One long-running process: a name for the logs, its argv, extra environment, working
    directory, optionally a URL that answers 200 once it serves, and the name of a child that
    must be ready before this one starts."""

    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    ready_url: str | None = None
    after: str | None = None
    proc: subprocess.Popen[bytes] | None = None


class _Signals:
    """SIGINT/SIGTERM/SIGHUP handlers for the run: the first asks to stop, the second to hurry.
    SIGHUP too: the children are in their own sessions, so a closed terminal reaches only us."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.hurry = threading.Event()
        self._old: dict[int, Any] = {}

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()

    def __enter__(self) -> _Signals:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _pump(name: str, stream: IO[bytes], out: IO[str]) -> None:
    """Copy a child's output line by line, prefixed with its name; once `out` is gone (a closed
    terminal), keep draining so the child never blocks on a full pipe."""
    prefix = f"{name:<{PREFIX_WIDTH}}| "
    for raw in iter(stream.readline, b""):
        try:
            out.write(prefix + raw.decode("utf-8", "replace").rstrip("\n") + "\n")
            out.flush()
        except (OSError, ValueError):
            pass
    stream.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _watch_ready(children: list[Child], ready: set[str], stop: threading.Event, out: IO[str],
                 started: float) -> None:
    """Add each child whose ready_url answers 200 to `ready` and announce it, then the whole
    platform."""
    waiting = [c for c in children if c.ready_url]
    if not waiting:
        return
    while waiting and not stop.wait(0.5):
        for child in list(waiting):
            assert child.ready_url is not None
            if child.proc is not None and _answers(child.ready_url):
                waiting.remove(child)
                ready.add(child.name)
                out.write(f"  {child.name} is ready ({time.monotonic() - started:.1f}s)\n")
                out.flush()
    if not waiting:
        out.write("  all processes are ready; Ctrl-C stops them\n")
        out.flush()


def start(child: Child, base_env: Mapping[str, str], out: IO[str]) -> threading.Thread:
    """Start one child in a new session, its output pumped to `out`."""
    child.proc = subprocess.Popen(child.argv, env={**base_env, **child.env}, cwd=child.cwd,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    assert child.proc.stdout is not None
    pump = threading.Thread(target=_pump, args=(child.name, child.proc.stdout, out),
                            name=f"out-{child.name}", daemon=True)
    pump.start()
    return pump


def run_all(children: list[Child], base_env: Mapping[str, str], *,
            out: IO[str] | None = None, poll_s: float = 0.5) -> int:
    """Start every child; on Ctrl-C/SIGTERM, or when one exits, stop them all. Returns 0 after a
    requested stop, else the dead child's exit code (1 if it was 0)."""
    out = out or sys.stderr
    code = 0
    ready: set[str] = set()
    pending = [c for c in children if c.after]
    pumps: list[threading.Thread] = []

    def launch(child: Child) -> None:
        pumps.append(start(child, base_env, out))
        assert child.proc is not None
        out.write(f"  started {child.name} (pid {child.proc.pid})\n")

    with _Signals() as sig:
        began = time.monotonic()
        for child in children:
            if not child.after:
                launch(child)
        threading.Thread(target=_watch_ready, args=(children, ready, sig.stop, out, began),
                         name="ready-watch", daemon=True).start()
        while not sig.stop.wait(poll_s):
            for child in [c for c in pending if c.after in ready]:
                pending.remove(child)
                launch(child)
            dead = next((c for c in children if c.proc and c.proc.poll() is not None), None)
            if dead is not None:
                assert dead.proc is not None
                out.write(f"  {dead.name} exited with code {dead.proc.returncode}; "
                          "stopping the others\n")
                code = dead.proc.returncode or 1
                break
        sig.stop.set()
        out.write("  stopping...\n")
        terminate(children, hurry=sig.hurry.is_set, out=out)
        for pump in pumps:
            pump.join(2.0)
    return code


def group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process of the group still exists. Zombies are ignored:
    orphaned grandchildren wait for PID 1 to reap them, which a container's init may never do."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a member we cannot signal still exists
        return True
    return any(state != "Z" for state in _group_states(pgid))


def _group_states(pgid: int) -> list[str]:
    """The states of the group's processes from /proc (['?'] where /proc is unavailable)."""
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - not Linux: trust kill(0)
        return ["?"]
    states = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # after "pid (comm)": state, ppid, pgrp
            states.append(fields[0])
    return states


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def terminate(children: list[Child], grace_s: float = 30.0,
              hurry: Callable[[], bool] = lambda: False, out: IO[str] | None = None,
              hint_after_s: float = 5.0) -> None:
    """SIGINT each child's process group, wait until every group is empty, SIGKILL the groups
    still alive after `grace_s` (or as soon as `hurry()` is true). The grace is generous: a
    Dagster run in progress is interrupted by its run worker and recorded before it exits, which
    takes a while when its step process is still importing the code location."""
    out = out or sys.stderr
    groups = {c.proc.pid: c for c in children if c.proc is not None}  # pgid == pid (new session)
    for pgid in groups:
        _signal_group(pgid, signal.SIGINT)
    began = time.monotonic()
    alive = list(groups)
    while True:
        for child in groups.values():
            assert child.proc is not None
            child.proc.poll()  # reap the leader
        still = [pgid for pgid in alive if group_alive(pgid)]
        for pgid in alive:
            if pgid not in still:
                out.write(f"  {groups[pgid].name} stopped ({time.monotonic() - began:.1f}s)\n")
        alive = still
        if not alive:
            return
        if hint_after_s and time.monotonic() - began >= hint_after_s:
            hint_after_s = 0
            names = ", ".join(groups[pgid].name for pgid in alive)
            out.write(f"  waiting for {names} (up to {grace_s:.0f}s; Ctrl-C again kills now)\n")
        if time.monotonic() - began >= grace_s or hurry():
            break
        time.sleep(0.1)
    for pgid in alive:
        out.write(f"  {groups[pgid].name} did not stop in time: killing it\n")
        _signal_group(pgid, signal.SIGKILL)
    for pgid in alive:
        proc = groups[pgid].proc
        assert proc is not None
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
            pass
    _wait_until_empty(alive, 5.0)


def _wait_until_empty(groups: list[int], timeout_s: float) -> None:
    """Wait (bounded) until the killed groups have no live member: SIGKILL reaches each member
    on its own schedule, and on a loaded machine a grandchild can still run a moment after its
    leader was reaped."""
    deadline = time.monotonic() + timeout_s
    while any(group_alive(pgid) for pgid in groups) and time.monotonic() < deadline:
        time.sleep(0.05)
