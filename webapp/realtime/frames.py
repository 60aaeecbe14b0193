"""The socket's wire format (Flask-free): client frames validated with pydantic, server frames
serialised once and shared by every subscriber."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from webapp.inputs import INT64_MAX, MAX_JSON_DEPTH, too_deep

# Close codes (4000-4999 are the application's own).
CLOSE_TOKEN_EXPIRED = 4401  # token expired, session revoked or role changed: refresh, reconnect
CLOSE_FORBIDDEN = 4403  # no longer a member of the tenant: do not reconnect
CLOSE_TOO_SLOW = 4429  # the client fell too far behind: reconnect with since=<last id>
CLOSE_GOING_AWAY = 1001  # the server is shutting down: reconnect with since=<last id>


class TypingFrame(BaseModel):
    """`{"type": "typing", "conversation_id": N, "state": "start"|"stop"}`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["typing"]
    conversation_id: int = Field(gt=0, le=INT64_MAX)
    state: Literal["start", "stop"]


class PingFrame(BaseModel):
    """`{"type": "ping"}` -> `{"type": "pong"}`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["ping"]


ClientFrame = Annotated[TypingFrame | PingFrame, Field(discriminator="type")]
_CLIENT: TypeAdapter[TypingFrame | PingFrame] = TypeAdapter(ClientFrame)


class BadFrame(Exception):
    """A client frame that is not valid JSON or not one of the known frames."""

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


def parse_client_frame(raw: str | bytes) -> TypingFrame | PingFrame:
    """Validate one client frame or raise BadFrame naming the bad fields."""
    if too_deep(raw):  # before json.loads, whose recursion would crash on ~1,000 levels
        raise BadFrame("too_deep", f"The frame is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadFrame("malformed_json", "The frame is not valid JSON.") from exc
    try:
        return _CLIENT.validate_python(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "frame"
            fields.setdefault(loc, "unknown field" if err["type"] == "extra_forbidden"
                              else err["msg"])
        raise BadFrame("invalid_frame", "Invalid frame: " + ", ".join(sorted(fields)),
                       fields) from exc


def dumps(obj: Any) -> str:
    """Compact JSON text for one frame."""
    return json.dumps(obj, separators=(",", ":"))


def error_frame(code: str, message: str, details: dict[str, Any] | None = None) -> str:
    """`{"type": "error", "error": {"code", "message", "details"}}` (the envelope's shape)."""
    return dumps({"type": "error",
                  "error": {"code": code, "message": message, "details": details or {}}})


def typing_frame(conversation_id: int, user_id: int, state: str) -> str:
    """What the tenant's other clients receive when someone types."""
    return dumps({"type": "typing", "data": {"conversation_id": conversation_id,
                                             "user_id": user_id, "state": state}})


def presence_frame(user_id: int, online: bool) -> str:
    """A user came online (first socket anywhere) or went offline (last socket closed)."""
    return dumps({"type": "presence", "data": {"user_id": user_id, "online": online}})


def wire(text: str) -> bytes:
    """A complete unmasked server text frame (RFC 6455 5.2), encoded once per event and shared
    by every socket; valid because the socket never negotiates an extension (see ws.py)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


PONG = dumps({"type": "pong"})
