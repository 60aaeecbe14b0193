"""Verified-token cache (webapp.http.jwt): a token's signature is checked once per process, its
expiry on every use, and one app's cache never vouches for another app's tokens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask_jwt_extended import create_access_token, decode_token
from jwt import ExpiredSignatureError, InvalidSignatureError

from tests.factories import make_settings
from webapp.app import close_app, create_app
from webapp.http import jwt as jwt_module
from webapp.http.jwt import VerifiedTokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def time(self) -> float:
        return self.now


def test_cache_rechecks_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(jwt_module, "time", clock)
    cache = VerifiedTokenCache(size=2)
    cache.put("t1", None, {"sub": "1", "exp": clock.now + 10})
    got = cache.get("t1", None, 0)
    assert got == {"sub": "1", "exp": clock.now + 10}
    got["sub"] = "mutated"  # callers get copies
    assert cache.get("t1", None, 0) == {"sub": "1", "exp": clock.now + 10}
    assert cache.get("t1", "some-csrf", 0) is None  # keyed by the CSRF value too
    clock.now += 10
    assert cache.get("t1", None, 0) is None  # expired: forgotten, re-verified by the caller
    cache.put("a", None, {"exp": clock.now + 60})
    cache.put("b", None, {"exp": clock.now + 60})
    cache.put("c", None, {"exp": clock.now + 60})  # full: emptied first
    assert cache.get("a", None, 0) is None and cache.get("c", None, 0) is not None


def _app(database_url: str, home: Path, secret: str) -> Flask:
    return create_app(make_settings(database_url, home, jwt_secret=secret))


def test_signature_verified_once_and_per_app(database_url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    one = _app(database_url, tmp_path / "one", "first-secret-" + "a" * 32)
    two = _app(database_url, tmp_path / "two", "second-secret-" + "b" * 32)
    try:
        with one.app_context():
            token = create_access_token("7", additional_claims={"tid": 1, "sid": "x"})
            calls: list[str] = []
            real = jwt_module.JWTManager._decode_jwt_from_config

            def counting(self: object, *args: object, **kwargs: object) -> object:
                calls.append("decode")
                return real(self, *args, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(jwt_module.JWTManager, "_decode_jwt_from_config", counting)
            assert decode_token(token)["sub"] == "7"
            assert decode_token(token)["sub"] == "7"
            assert calls == ["decode"]  # the second use came from the cache
        with two.app_context(), pytest.raises(InvalidSignatureError):
            decode_token(token)  # another app (other secret) verifies for itself
        with one.app_context():
            expired = create_access_token("7", expires_delta=dt.timedelta(seconds=-1))
            with pytest.raises(ExpiredSignatureError):
                decode_token(expired)
    finally:
        close_app(one)
        close_app(two)
