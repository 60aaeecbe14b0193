"""Inbound traffic of simulator devices, produced only while this gateway process holds them.

A simulator device (kind `simulator`) stands for a WhatsApp number whose customers write on a
fixed schedule: message n of device d "reaches WhatsApp" at origin + n / rate (origin: when
the device was created), whether or not any gateway is connected, and has the id
`SIM-<d>-<n, 9 digits>`. Like WhatsApp's offline queue, a connected device receives every
message that has arrived and that it has not acknowledged, in order, then each new one as it
arrives. The acknowledgement is the commit: a message is handed to the intake, which returns
once it is stored, and only then comes the next. A process that takes a device over resumes
after the last stored message, so a takeover loses nothing (what arrived while nobody held the
device is delivered on connect) and repeats at most the one message in flight (ingest is
idempotent on the WhatsApp id). The schedule does not depend on who holds the device, so a test
can compute what must be stored by any moment.

Off by default (rate 0): the demo's traffic comes from `messageflow simulate`.
`messageflow gateway --simulator-rate R` turns it on (R messages per second per device).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from webapp.messaging.records import MessageRecord

log = logging.getLogger(__name__)
BACKLOG = 1000  # undelivered messages kept per device; older ones are dropped, as by WhatsApp
CUSTOMERS = 3


@dataclass(frozen=True)
class Schedule:
    """When each simulated message of one device arrives, and what it says."""

    device_id: int
    origin: datetime
    rate: float

    def arrived(self, at: datetime) -> int:
        """How many messages have arrived by `at` (message n arrives at origin + n/rate)."""
        if at < self.origin:
            return 0
        return math.floor((at - self.origin).total_seconds() * self.rate) + 1

    def wa_id(self, n: int) -> str:
        """The WhatsApp id of message n."""
        return f"SIM-{self.device_id}-{n:09d}"

    def record(self, n: int) -> MessageRecord:
        """Message n, from one of the device's few customers."""
        customer = f"5599{self.device_id % 10_000:04d}{n % CUSTOMERS:04d}@s.whatsapp.net"
        return MessageRecord(id=self.wa_id(n), chat=customer, sender=customer,
                             sender_name=f"Customer {n % CUSTOMERS + 1}",
                             timestamp=self.origin + timedelta(seconds=n / self.rate),
                             text=f"simulated message {n}")


def index_of(schedule: Schedule, wa_id: str | None) -> int | None:
    """n for a `SIM-<d>-<n>` id of this device, else None."""
    prefix = f"SIM-{schedule.device_id}-"
    if wa_id is None or not wa_id.startswith(prefix) or not wa_id[len(prefix):].isdigit():
        return None
    return int(wa_id[len(prefix):])


class SimulatedInbound:
    """One device's inbound stream: `start()` resumes after the last stored message, `stop()`
    returns once nothing more will be handed over."""

    def __init__(self, schedule: Schedule, deliver: Callable[[MessageRecord], None],
                 last_stored: Callable[[], str | None], *,
                 may_deliver: Callable[[], bool] = lambda: True,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.schedule = schedule
        self._deliver = deliver  # returns once stored (the intake's durability rule)
        self._last_stored = last_stored
        self._may_deliver = may_deliver  # the lease is still ours
        self._now = now
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"mf-sim-{schedule.device_id}")
        self.next = 0

    def start(self) -> None:
        """Begin delivering (in a thread of its own)."""
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop delivering: nothing new is handed over once this returns (a message already
        handed over may still be waiting for its commit; waits `timeout` for it)."""
        self._halt.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _resume(self) -> int:
        last = index_of(self.schedule, self._last_stored())
        start = 0 if last is None else last + 1
        arrived = self.schedule.arrived(self._now())
        if arrived - start > BACKLOG:
            log.warning("device %s: %d simulated messages were never delivered; dropped",
                        self.schedule.device_id, arrived - BACKLOG - start,
                        extra={"device_id": self.schedule.device_id})
            start = arrived - BACKLOG
        return start

    def _run(self) -> None:
        device = self.schedule.device_id
        while True:
            try:
                self.next = self._resume()
                break
            except Exception as exc:  # the database is down: try again
                log.warning("device %s: simulated traffic cannot resume yet: %s", device, exc)
                if self._halt.wait(1.0):
                    return
        log.info("device %s: simulated traffic resumes at %d", device, self.next,
                 extra={"device_id": device})
        while not self._halt.is_set():
            if self.next >= self.schedule.arrived(self._now()) or not self._may_deliver():
                self._halt.wait(min(0.2, 1 / self.schedule.rate))
                continue
            try:
                self._deliver(self.schedule.record(self.next))
            except Exception as exc:  # not stored: offered again after a pause
                log.warning("device %s: simulated message %d not stored: %s", device,
                            self.next, exc, extra={"device_id": device})
                self._halt.wait(1.0)
                continue
            self.next += 1
        log.info("device %s: simulated traffic stopped at %d", device, self.next,
                 extra={"device_id": device})
