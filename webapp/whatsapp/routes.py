"""WhatsApp devices endpoints: pair (QR or phone code), list, show, log out."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, ConfigDict, Field, model_validator

from webapp.config import Settings
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.inputs import RequestModel
from webapp.whatsapp import devices as service

bp = Blueprint("whatsapp", __name__, url_prefix="/api/v1/whatsapp")

DeviceStatus = Literal["pending", "pairing", "connected", "disconnected", "logged_out", "outdated"]


class DeviceRequest(RequestModel):
    """A WhatsApp number to pair: by QR code, or by a code sent to `pair_phone`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    display_name: str = Field(min_length=1, max_length=100)
    kind: Literal["neonize", "simulator"] | None = Field(
        None, description="neonize: a real number; simulator: a simulated one that pairs with "
        "a simulated QR code. Absent: the server's default (GET /whatsapp/pairing-options).")
    pair_phone: str | None = Field(None, pattern=r"^\+?[1-9][0-9]{6,14}$",
                                   description="E.164 digits of the number to pair by code")

    @model_validator(mode="after")
    def _phone_pairs_real_devices(self) -> DeviceRequest:
        if self.pair_phone is not None:
            if self.kind == "simulator":
                raise ValueError("pair_phone applies to neonize devices only")
            self.pair_phone = self.pair_phone.lstrip("+")
        return self


class Device(BaseModel):
    """A device as the API and the `whatsapp.device` events show it."""

    id: int
    kind: Literal["neonize", "simulator"]
    simulated: bool = Field(description="true for a simulator device (no real WhatsApp)")
    jid: str | None
    display_name: str
    status: DeviceStatus
    has_qr: bool
    qr_updated_at: str | None
    last_seen: str | None
    last_error: str | None
    pair_phone: str | None
    has_pair_code: bool
    created_at: str
    updated_at: str | None


class DeviceList(BaseModel):
    """The tenant's devices (a short list: one page)."""

    data: list[Device]
    next_cursor: str | None


class PairCode(BaseModel):
    """The code to type into WhatsApp > Linked devices > Link with phone number."""

    device_id: int
    pair_code: str
    pair_phone: str


class PairingOptions(BaseModel):
    """What "Add number" pairs by default here, and what it may pair."""

    default_kind: Literal["neonize", "simulator"]
    kinds: list[Literal["neonize", "simulator"]]


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
          media_type="image/svg+xml")
def device_qr(call: Call[None, None], device_id: int) -> Response:
    """The current pairing QR code as image/svg+xml (404 when none is pending)."""
    svg = service.qr_svg(service.qr_payload(db(), call.who, device_id))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@endpoint(bp, "/devices/<int:device_id>/pair-code", permission="devices.manage",
          response=PairCode)
def device_pair_code(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """The pending phone-number pairing code (404 when none is pending)."""
    return service.pair_code(db(), call.who, device_id)


@endpoint(bp, "/devices/<int:device_id>", method="DELETE", permission="devices.manage",
          response=Device)
def delete_device(call: Call[None, None], device_id: int) -> dict[str, Any]:
    """Log the device out (the gateway unlinks it from the phone)."""
    return service.request_logout(db(), call.who, call.meta, device_id)
