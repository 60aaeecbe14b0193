"""WhatsApp devices endpoints: pair (QR or phone code), list, show, log out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from webapp.config import Settings
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.whatsapp import device_requests
from webapp.whatsapp import devices as service
from webapp.whatsapp.models import (
    Device,
    DeviceList,
    DeviceRequest,
    DeviceTask,
    PairCode,
    PairingOptions,
)

bp = Blueprint("whatsapp", __name__, url_prefix="/api/v1/whatsapp")

def _default_kind() -> str:
    settings: Settings = current_app.extensions["mf_settings"]
    return settings.whatsapp_default_kind


@endpoint(bp, "/pairing-options", permission="conversations.read", response=PairingOptions)
def pairing_options(call: Call[None, None]) -> dict[str, Any]:
    """The kind of device "Add number" creates when none is named (WHATSAPP_DEFAULT_KIND;
    `messageflow up` makes it simulator, so pairing works where WhatsApp cannot be reached)."""
    return {"default_kind": _default_kind(), "kinds": ["neonize", "simulator"]}


@endpoint(bp, "/devices", method="POST", permission="devices.manage", body=DeviceRequest,
          response=Device, status=201)
def create_device(call: Call[DeviceRequest, None]) -> dict[str, Any]:
    """Add a device in status pending; the gateway starts pairing it (a simulator device
    pairs with simulated QR codes, then connects, all pushed as `whatsapp.device` events)."""
    b = call.body
    kind = b.kind or ("neonize" if b.pair_phone else _default_kind())
    return service.create_device(db(), call.who, call.meta, display_name=b.display_name,
                                 kind=kind, pair_phone=b.pair_phone)


@endpoint(bp, "/devices", permission="conversations.read", response=DeviceList)
def list_devices(call: Call[None, None]) -> dict[str, Any]:
    """The tenant's devices with their status."""
    return {"data": service.list_devices(db(), call.who), "next_cursor": None}


@endpoint(bp, "/devices/<int:device_id>", permission="conversations.read", response=Device)
def get_device(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """One device."""
    return service.get_device(db(), call.who, device_id)


@endpoint(bp, "/devices/<int:device_id>/qr", permission="devices.manage",
          media_type="image/svg+xml", errors={404: "No such device, or no QR code pending."})
def device_qr(call: Call[None, None], device_id: int) -> Response:
    """The current pairing QR code as image/svg+xml (404 when none is pending)."""
    svg = service.qr_svg(service.qr_payload(db(), call.who, device_id))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@endpoint(bp, "/devices/<int:device_id>/pair-code", permission="devices.manage",
          response=PairCode, errors={404: "No such device, or no code pending."})
def device_pair_code(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """The pending phone-number pairing code (404 when none is pending)."""
    return service.pair_code(db(), call.who, device_id)


@endpoint(bp, "/devices/<int:device_id>/logout", method="POST", permission="devices.manage",
          response=Device)
def logout_device(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """Log the device out (the gateway unlinks it from the phone); it stays listed and its
    conversations stay. Idempotent."""
    return service.request_logout(db(), call.who, call.meta, device_id)


@endpoint(bp, "/devices/<int:device_id>", method="DELETE", permission="devices.manage",
          response=Device)
def delete_device(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """Remove the number: logged out (the gateway unlinks it from the phone) and no longer
    listed; its conversations and messages stay. A second DELETE is a 404."""
    return service.remove(db(), call.who, call.meta, device_id)


@endpoint(bp, "/devices/<int:device_id>/sync-contacts", method="POST",
          permission="devices.manage", response=DeviceTask, status=202,
          errors={409: "The device is not connected to WhatsApp."})
def sync_contacts(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """Read the paired phone's address book into contacts: saved names fill contacts that
    have none (a name the team edited is never overwritten) and numbers nobody wrote from yet
    become contacts. The gateway holding the device runs it; the outcome comes as a
    `contacts.synced` event (and from GET /whatsapp/device-requests/{id}). Asking again while
    one is open answers that one."""
    return device_requests.request_sync(db(), call.who, call.meta, device_id)


@endpoint(bp, "/device-requests/<int:request_id>", permission="conversations.read",
          response=DeviceTask)
def get_device_request(call: Call[None, None], request_id: int) -> dict[str, Any]:
    """A request made of the gateway (a contact sync) and its outcome."""
    return device_requests.get_request(db(), call.who, request_id)
