"""Pairing a simulator device, so "Add number" can be watched end to end where WhatsApp cannot
be reached (`make up`, demos, tests).

A simulator device created through the API starts unpaired (status pending, no JID). When a
gateway process starts it, this stands in for WhatsApp's pairing: it reports status `pairing`
with a QR payload at once, a new payload every `qr_interval` seconds (WhatsApp rotates its QR
the same way), and after `pair_after` seconds reports `connected` with the device's own
simulated number, as if a phone had scanned the code. Each report goes through the same intake
as neonize's (webapp.whatsapp.status: events "qr" and "pair_success"), so the device row, its
QR (served as SVG by the API) and the `whatsapp.device` events on the socket behave as for a
real number. The payload is marked SIMULATED: no phone can scan it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from webapp.whatsapp.results import DeviceStatusChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairingTimes:
    """How a simulated pairing paces itself (seconds)."""

    qr_interval: float = 4.0
    pair_after: float = 10.0


def simulated_jid(device_id: int) -> str:
    """The WhatsApp id a simulator device gets when it pairs (fictional 1-555 numbers, one per
    device, so the unique JID of devices never collides)."""
    return f"1555{device_id:08d}@s.whatsapp.net"


def qr_payload(device_id: int, n: int) -> str:
    """The n-th QR payload of a device's simulated pairing (WhatsApp's shape: ref, then keys)."""
    keys = ",".join(secrets.token_urlsafe(24) for _ in range(3))
    return f"2@SIMULATED-{device_id}-{n}-{secrets.token_hex(8)},{keys}"


def needs_pairing(kind: str, jid: str | None, status: str) -> bool:
    """Whether a device pairs (simulated) before connecting: a simulator device added through
    the API that has not paired yet. Demo and replay devices (created connected) do not."""
    return kind == "simulator" and jid is None and status in ("pending", "pairing")


class SimulatedPairing:
    """One device's simulated pairing, on a thread of its own: `start()`, `stop()`."""

    def __init__(self, device_id: int, report: Callable[[DeviceStatusChange], None],
                 on_paired: Callable[[str], None], times: PairingTimes | None = None,
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        self.device_id = device_id
        self.times = times or PairingTimes()
        self.qr_count = 0
        self._report = report
        self._on_paired = on_paired
        self._clock = clock
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"mf-sim-pair-{device_id}")

    def start(self) -> None:
        """Begin: the first QR goes out at once."""
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Abandon the pairing (the device stopped or was logged out)."""
        self._halt.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        deadline = self._clock() + self.times.pair_after
        while not self._halt.is_set():
            self._report(DeviceStatusChange("pairing", None, None, "qr",
                                            qr_payload(self.device_id, self.qr_count)))
            self.qr_count += 1
            left = deadline - self._clock()
            if left <= 0 or self._halt.wait(min(self.times.qr_interval, left)):
                break
            if self._clock() >= deadline:
                break
        if self._halt.is_set():
            return
        jid = simulated_jid(self.device_id)
        log.info("device %s: simulated pairing done as %s", self.device_id, jid,
                 extra={"device_id": self.device_id})
        self._on_paired(jid)
