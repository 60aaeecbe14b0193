"""Request and response models of the WhatsApp devices endpoints (and `whatsapp.device`
events)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from webapp.inputs import NON_BLANK, RequestModel

DeviceStatus = Literal["pending", "pairing", "connected", "disconnected", "logged_out", "outdated"]


class DeviceRequest(RequestModel):
    """A WhatsApp number to pair: by QR code, or by a code sent to `pair_phone`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "if": {"required": ["kind"], "properties": {"kind": {"const": "simulator"}}},
        "then": {"not": {"required": ["pair_phone"],
                         "properties": {"pair_phone": {"not": {"type": "null"}}}}}})
    display_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
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
    removed_at: str | None = Field(
        description="when an admin removed the number (it is then logged out and no longer "
                    "listed; its conversations stay); null while it is the team's")


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


class SyncResult(BaseModel):
    """What a contact sync found: the address book's contacts, how many got a saved name
    (only those without one: a name the team edited is kept), how many were new."""

    contacts: int
    named: int
    added: int


class DeviceTask(BaseModel):
    """A request to the gateway about one device (a contact sync): pending until the gateway
    process holding the device runs it, then done (with its result) or failed (with why)."""

    id: int
    device_id: int
    kind: Literal["sync_contacts"]
    state: Literal["pending", "running", "done", "failed"]
    result: SyncResult | None
    error: str | None
    created_at: str
    finished_at: str | None
