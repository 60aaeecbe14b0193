"""Standard Webhooks signatures (https://www.standardwebhooks.com), pure functions.

A message is signed with `webhook-id`, `webhook-timestamp` (Unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the bytes
of the secret (`whsec_<base64>`). The receiver checks the signature in constant time, refuses a
timestamp more than TOLERANCE_S away from its clock, and refuses an id it has seen (replay).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

PREFIX = "whsec_"
TOLERANCE_S = 5 * 60
SECRET_BYTES = 32


class SignatureRejected(Exception):
    """An incoming message whose id, timestamp or signature is missing, stale or wrong."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for; ValueError when it is not one."""
    if not secret.startswith(PREFIX):
        raise ValueError("must start with whsec_")
    try:
        key = base64.b64decode(secret[len(PREFIX):], validate=True)
    except binascii.Error as exc:
        raise ValueError("must be whsec_ followed by base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("the key must be 24 to 64 bytes")
    return key


def new_message_id() -> str:
    """A message id (`msg_` + 24 random characters)."""
    return "msg_" + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secret: str, message_id: str, body: bytes,
                 timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers of one message."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": message_id, "webhook-timestamp": str(ts),
            "webhook-signature": signature(secret, message_id, ts, body)}


def verify(secret: str, headers: Mapping[str, str] | Any, body: bytes,
           now: float | None = None) -> tuple[str, int]:
    """The (id, timestamp) of a correctly signed, fresh message; SignatureRejected otherwise.

    Headers are looked up case-insensitively by the caller's mapping (werkzeug's is). Several
    space-separated signatures may be given (key rotation); one valid `v1` suffices."""
    message_id = headers.get("webhook-id") or ""
    raw_ts = headers.get("webhook-timestamp") or ""
    given = headers.get("webhook-signature") or ""
    if not message_id or not raw_ts or not given:
        raise SignatureRejected("webhook-id, webhook-timestamp and webhook-signature are "
                                "required.", "missing_headers")
    if not raw_ts.isdigit() or len(raw_ts) > 12:
        raise SignatureRejected("webhook-timestamp must be Unix seconds.", "bad_timestamp")
    ts = int(raw_ts)
    if abs((time.time() if now is None else now) - ts) > TOLERANCE_S:
        raise SignatureRejected("webhook-timestamp is more than 5 minutes away.",
                                "stale_timestamp")
    expected = signature(secret, message_id, ts, body).split(",", 1)[1]
    for candidate in given.split():
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected.encode()):
            return message_id, ts
    raise SignatureRejected("The signature does not match.", "bad_signature")
