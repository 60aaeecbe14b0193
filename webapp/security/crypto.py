"""Secrets at rest: AES-256-GCM under keys derived from MASTER_KEY (HKDF), with key ids."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"messageflow/secrets/v1"


class WrongMasterKey(Exception):
    """A secret cannot be decrypted with any configured MASTER_KEY."""


def _derive(master_key: str) -> tuple[str, bytes]:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        master_key.encode()
    )
    kid = hashlib.sha256(b"kid:" + key).hexdigest()[:12]
    return kid, key


class SecretBox:
    """Encrypts with the current MASTER_KEY; decrypts with it or any previous one (rotation)."""

    def __init__(self, master_key: str, previous: tuple[str, ...] = ()):
        if len(master_key) < 16:
            raise ValueError("MASTER_KEY must be at least 16 characters")
        self._kid, self._key = _derive(master_key)
        self._keys = dict(_derive(k) for k in (master_key, *previous))

    @property
    def key_id(self) -> str:
        """The id of the current key, stored with each ciphertext."""
        return self._kid

    def encrypt(self, plaintext: str, aad: str = "") -> str:
        """`v1:<kid>:<base64(nonce|ciphertext)>`; aad binds it to its row (e.g. tenant id)."""
        nonce = os.urandom(12)
        ct = AESGCM(self._key).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"v1:{self._kid}:{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str, aad: str = "") -> str:
        """The plaintext, or WrongMasterKey: never the ciphertext, never a silent fallback."""
        try:
            version, kid, body = token.split(":", 2)
        except ValueError as exc:
            raise WrongMasterKey("not an encrypted secret") from exc
        key = self._keys.get(kid)
        if version != "v1" or key is None:
            raise WrongMasterKey(
                f"secret was encrypted under key {kid}, which MASTER_KEY does not match"
            )
        raw = base64.urlsafe_b64decode(body)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except InvalidTag as exc:
            raise WrongMasterKey("secret failed authentication under MASTER_KEY") from exc


def mask(secret: str) -> str:
    """A hint safe to show: `sk-…3f9a`."""
    if len(secret) <= 8:
        return "…" + secret[-2:] if len(secret) > 2 else "…"
    return f"{secret[:3]}…{secret[-4:]}"
