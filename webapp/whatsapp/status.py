"""Connection and pairing events of a neonize client as `DeviceStatusChange`s.

whatsmeow's ClientOutdated arrives in neonize 0.5.2 as `neonize.events.ClientOutdatedEv`
(`Neonize_pb2.ClientOutdated`, event code 10); a ConnectFailure with reason CLIENT_OUTDATED
means the same. Both map to `outdated`, which the gateway must not answer with a reconnect loop.
"""

from __future__ import annotations

from google.protobuf.message import Message as Proto
from neonize.events import (
    ClientOutdatedEv,
    ConnectedEv,
    ConnectFailureEv,
    DisconnectedEv,
    LoggedOutEv,
    PairStatusEv,
    StreamReplacedEv,
    TemporaryBanEv,
)
from neonize.proto.Neonize_pb2 import ConnectFailureReason, PairStatus, TemporaryBan

from webapp.whatsapp.content import jid_str
from webapp.whatsapp.results import DeviceStatus, DeviceStatusChange

STATUS_EVENTS: tuple[type[Proto], ...] = (
    ConnectedEv, DisconnectedEv, LoggedOutEv, PairStatusEv, StreamReplacedEv, ClientOutdatedEv,
    ConnectFailureEv, TemporaryBanEv,
)
OUTDATED_ERROR = "WhatsApp rejected this client version as outdated; upgrade neonize"
_LOGOUT_REASONS = (
    ConnectFailureReason.LOGGED_OUT, ConnectFailureReason.MAIN_DEVICE_GONE,
    ConnectFailureReason.UNKNOWN_LOGOUT,
)


def _reason(value: int) -> str:
    return ConnectFailureReason.Name(value) if value in ConnectFailureReason.values() else "UNKNOWN"


def _connect_failure(ev: ConnectFailureEv, jid: str | None) -> DeviceStatusChange:
    status: DeviceStatus = "disconnected"
    if ev.Reason == ConnectFailureReason.CLIENT_OUTDATED:
        return DeviceStatusChange("outdated", jid, OUTDATED_ERROR, "connect_failure")
    if ev.Reason in _LOGOUT_REASONS:
        status = "logged_out"
    error = f"connect failure: {_reason(ev.Reason)} {ev.Message}".strip()
    return DeviceStatusChange(status, jid, error, "connect_failure")


def _pair_status(ev: PairStatusEv, jid: str | None) -> DeviceStatusChange:
    paired = jid_str(ev.ID) if ev.ID.User else jid
    if ev.Status == PairStatus.SUCCESS:
        return DeviceStatusChange("connected", paired, None, "pair_success")
    return DeviceStatusChange("pairing", paired, ev.Error or "pairing failed", "pair_error")


def _temporary_ban(ev: TemporaryBanEv, jid: str | None) -> DeviceStatusChange:
    code = TemporaryBan.TempBanReason.Name(ev.Code) if ev.Code else "UNKNOWN"
    error = f"temporarily banned by WhatsApp ({code}), expires in {ev.Expire} s"
    return DeviceStatusChange("disconnected", jid, error, "temporary_ban")


def status_change(ev: Proto, jid: str | None = None) -> DeviceStatusChange | None:
    """Map a connection/pairing event to a device status change; None for other events."""
    if isinstance(ev, ConnectedEv):
        return DeviceStatusChange("connected", jid, None, "connected")
    if isinstance(ev, DisconnectedEv):
        return DeviceStatusChange("disconnected", jid, None, "disconnected")
    if isinstance(ev, LoggedOutEv):
        error = f"logged out by WhatsApp ({_reason(ev.Reason)})"
        return DeviceStatusChange("logged_out", jid, error, "logged_out")
    if isinstance(ev, StreamReplacedEv):
        error = "another client connected with this session"
        return DeviceStatusChange("disconnected", jid, error, "stream_replaced")
    if isinstance(ev, ClientOutdatedEv):
        return DeviceStatusChange("outdated", jid, OUTDATED_ERROR, "client_outdated")
    if isinstance(ev, PairStatusEv):
        return _pair_status(ev, jid)
    if isinstance(ev, ConnectFailureEv):
        return _connect_failure(ev, jid)
    if isinstance(ev, TemporaryBanEv):
        return _temporary_ban(ev, jid)
    return None


def pairing_qr(data: bytes, jid: str | None = None) -> DeviceStatusChange:
    """The QR payload neonize hands to `client.event.qr` callbacks, as a pairing status."""
    return DeviceStatusChange("pairing", jid, None, "qr", data.decode("utf-8", "replace"))
