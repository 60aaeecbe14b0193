"""A token that does not decode is refused with a plain message: never the decoder's reason
(padding, segments, signature, algorithm), which helps nobody but an attacker probing it."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from flask.testing import FlaskClient

from tests.factories import Member

# Fragments of PyJWT's / flask-jwt-extended's reasons that must never reach a response.
INTERNALS = ("padding", "segment", "signature", "algorithm", "decode", "utf-8", "header",
             "invalid crypto", "codec", "base64")


def _bad_tokens(owner: Member) -> dict[str, str]:
    head, payload, sig = owner.access.split(".")
    claims = pyjwt.decode(owner.access, options={"verify_signature": False})
    return {
        "garbage": "not-a-jwt",
        "bad padding": f"{head}.{payload}x.{sig}",
        "two segments": f"{head}.{payload}",
        "bad signature": f"{head}.{payload}.{sig[:-4]}AAAA",
        "alg none": pyjwt.encode(claims, key=None, algorithm="none"),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("kind", ["garbage", "bad padding", "two segments", "bad signature",
                                  "alg none"])
def test_invalid_token_message_is_plain(client: FlaskClient, owner: Member, kind: str) -> None:
    token = _bad_tokens(owner)[kind]
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    body = r.get_json()
    assert (r.status_code, body["error"]["code"]) == (401, "invalid_token")
    message = body["error"]["message"]
    assert message == "The token is not valid; sign in again for a new one."
    assert not any(word in message.lower() for word in INTERNALS), message
    assert not any(word in str(body["error"]["details"]).lower() for word in INTERNALS)
