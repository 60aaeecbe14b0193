"""Starting one device's client in the gateway process (neonize or simulator), and the
stand-in gateway of a device this process is not running."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import psycopg

from webapp.errors import DependencyDown
from webapp.media import samples
from webapp.messaging.records import MessageRecord, Record
from webapp.messaging.simulator import address_book
from webapp.whatsapp import devices
from webapp.whatsapp.address_book import AddressEntry
from webapp.whatsapp.gateway import (
    DeviceNotHere,
    DeviceUnavailable,
    OutgoingMedia,
    SentMessage,
    SimulatorGateway,
)
from webapp.whatsapp.intake import IntakeClosed
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.simulated import Schedule, SimulatedInbound
from webapp.whatsapp.simulated_pairing import SimulatedPairing, needs_pairing

if TYPE_CHECKING:
    from webapp.whatsapp.runner import GatewayRunner

log = logging.getLogger(__name__)


class Unavailable:
    """The gateway of a device this process is not running: every call says so. `held`: the
    device is this process's but not running (given up, or not started yet); otherwise
    another gateway process serves it and a send must be left to that one."""

    def __init__(self, device: str, *, held: bool = True) -> None:
        self.held = held
        self.reason = (f"device {device} is not running in the gateway" if held else
                       f"device {device} is served by another gateway process")

    def _refuse(self) -> DeviceUnavailable:
        return DeviceUnavailable(self.reason) if self.held else DeviceNotHere(self.reason)

    def start(self, device: str) -> None:
        """Refuse."""
        raise self._refuse()

    def stop(self, device: str) -> None:
        """Nothing to stop."""

    def send_text(self, device: str, chat: str, text: str, reply_to: str | None = None) -> str:
        """Refuse."""
        raise self._refuse()

    def forward(self, device: str, chat: str, message: MessageRecord) -> str:
        """Refuse."""
        raise self._refuse()

    def send_media(self, device: str, chat: str, media: OutgoingMedia,
                   reply_to: str | None = None) -> str:
        """Refuse."""
        raise self._refuse()

    def logout(self, device: str) -> None:
        """Refuse."""
        raise self._refuse()

    def address_book(self, device: str) -> list[AddressEntry]:
        """Refuse."""
        raise self._refuse()

    def profile_picture(self, device: str, jid: str) -> bytes | None:
        """Refuse."""
        raise self._refuse()


class SimulatorDevice(SimulatorGateway):
    """A simulator device in the gateway: records (and logs) sends, echoes receipts, and with
    `inbound` delivers its simulated customers' messages while it runs. With `pairing` (a
    device added through the API, not paired yet) it first pairs: QR codes, then connected."""

    inbound: SimulatedInbound | None = None
    pairing: SimulatedPairing | None = None

    def start(self, device: str) -> None:
        """Connect (after the simulated pairing, if any), then start the inbound stream."""
        if self.pairing is not None:
            self.states[device] = "pairing"  # sends are refused until it connects
            self.pairing.start()
            return
        super().start(device)
        if self.inbound is not None:
            self.inbound.start()

    def paired(self, device: str, jid: str) -> None:
        """The simulated phone scanned the code: connected under its own number."""
        self.device_jids[device] = jid
        self._set(device, DeviceStatusChange("connected", jid, None, "pair_success"))
        if self.inbound is not None:
            self.inbound.start()

    def stop(self, device: str) -> None:
        """End the pairing or the inbound stream (its message in flight is stored first),
        then disconnect."""
        if self.pairing is not None:
            self.pairing.stop()
        if self.inbound is not None:
            self.inbound.stop()
        super().stop(device)

    def _after_send(self, sent: SentMessage) -> None:
        # The simulator's "WhatsApp" is this log line: a test counts every send in it.
        log.info("simulator sent %s", sent.id, extra={"device_id": int(sent.device),
                                                       "wa_id": sent.id})
        super()._after_send(sent)


def _echo_later(runner: GatewayRunner, device_id: int, record: Record) -> None:
    """A simulator's delivery receipt, a moment after the send (as WhatsApp's would be)."""
    # Arriving later than the outbox's own commit of the new WhatsApp id, the receipt
    # finds its message instead of waiting in message_ops behind a concurrent transaction.
    def submit() -> None:
        try:
            runner.submit(device_id, record)
        except IntakeClosed:  # the gateway stopped meanwhile: a simulated receipt is lost
            log.info("device %s: a simulated receipt came after the stop", device_id)

    timer = threading.Timer(runner.config.echo_delay, submit)
    timer.daemon = True
    timer.start()


def _simulator(runner: GatewayRunner, row: devices.GatewayDevice) -> SimulatorDevice:
    device_id, tenant_id = row.id, row.tenant_id

    def echo(record: Record) -> None:
        _echo_later(runner, device_id, record)

    jids = {str(device_id): row.jid} if row.jid else {}
    gateway = SimulatorDevice(echo, lambda _d, c: runner.report(device_id, c), device_jids=jids)
    # The phone's address book is the simulated traffic's cast, each with a small avatar.
    gateway.book = [AddressEntry(jid, name, push) for jid, name, push in address_book()]
    gateway.pictures = {jid: samples.avatar(push) for jid, _name, push in address_book()}
    times = runner.config.simulated_pairing
    if times is not None and needs_pairing(row.kind, row.jid, row.status):
        gateway.pairing = SimulatedPairing(
            device_id, lambda change: runner.report(device_id, change),
            lambda jid: gateway.paired(str(device_id), jid), times)
    rate = runner.config.simulator_rate
    if rate > 0:
        spec = devices.device_spec(runner.db, tenant_id, device_id)
        if spec is not None:
            gateway.inbound = SimulatedInbound(
                Schedule(device_id, spec.created_at, rate),
                lambda record: runner.submit(device_id, record),
                lambda: devices.last_simulated(runner.db, tenant_id, device_id),
                may_deliver=runner.leases.valid)
    return gateway


def start_client(runner: GatewayRunner, row: devices.GatewayDevice) -> Any:
    """Start the device's client; None when it cannot start (retried next pass, or given up)."""
    device_id, key = row.id, str(row.id)
    try:
        if row.kind == "simulator":
            gateway: Any = _simulator(runner, row)
            gateway.start(key)
        else:
            spec = devices.device_spec(runner.db, row.tenant_id, device_id)
            gateway = runner.neonize_gateway()
            gateway.start(key, jid=spec.jid if spec else row.jid,
                          pair_phone=spec.pair_phone if spec else None)
    except (DependencyDown, psycopg.OperationalError) as exc:
        log.warning("device %s could not start yet: %s", key, exc)
        return None
    except Exception:
        log.exception("device %s could not start", key, extra={"device_id": device_id})
        runner.given_up.add(device_id)
        return None
    return gateway


def default_neonize(runner: GatewayRunner) -> Any:
    """The shared NeonizeGateway (neonize is imported only now, for the first real device)."""
    from webapp.whatsapp.neonize_gateway import NeonizeGateway
    from webapp.whatsapp.sessions import SessionStore

    store = SessionStore.for_settings(runner.config.store_dsn, runner.config.home)
    return NeonizeGateway(store, lambda device, item: runner.submit(int(device), item),
                          backoff=runner.config.backoff, quoted=runner.quoted)
