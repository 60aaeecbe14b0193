"""AES-256-GCM secrets under MASTER_KEY: round trip, wrong key, rotation, masking."""

from __future__ import annotations

import pytest

from webapp.security.crypto import SecretBox, WrongMasterKey, mask

KEY = "master-key-one-" + "a" * 20
OTHER = "master-key-two-" + "b" * 20


def test_round_trip_and_binding() -> None:
    box = SecretBox(KEY)
    token = box.encrypt("sk-live-1234567890abcdef", aad="tenant:7")
    assert "sk-live" not in token and token.startswith(f"v1:{box.key_id}:")
    assert box.decrypt(token, aad="tenant:7") == "sk-live-1234567890abcdef"
    with pytest.raises(WrongMasterKey):
        box.decrypt(token, aad="tenant:8")  # copied to another tenant's row


def test_wrong_master_key_is_an_error_never_ciphertext() -> None:
    token = SecretBox(KEY).encrypt("sk-secret")
    with pytest.raises(WrongMasterKey, match="does not match"):
        SecretBox(OTHER).decrypt(token)


def test_rotation_reads_old_and_writes_new() -> None:
    old_token = SecretBox(KEY).encrypt("sk-old")
    rotated = SecretBox(OTHER, previous=(KEY,))
    assert rotated.decrypt(old_token) == "sk-old"
    assert rotated.encrypt("sk-new").split(":")[1] == rotated.key_id != SecretBox(KEY).key_id


def test_mask() -> None:
    assert mask("sk-abcdefghijkl3f9a") == "sk-…3f9a"
    assert "abc" not in mask("abcdefg")
