"""Shared by the quick schemathesis pass (tests/webapp/http/test_fuzz.py) and the long one
(bench/test_fuzz.py): the app served on a loopback port, a signed-in owner of a tenant with a
device, conversations, messages, a label and the local provider (so that small ids exist),
and an outbound policy that lets no fuzzed provider reach anything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server

from tests import factories as make
from webapp.db import Database
from webapp.security import outbound

# Operations the pass does not call: signing out would end the session every other request
# uses (it is covered by tests/webapp/auth). The socket is fuzzed as plain HTTP (426/401/400).
EXCLUDED_OPERATIONS = ("auth_logout",)
# What every pass checks: no 5xx, every status declared, every body matching its schema and
# content type, and the request constraints (valid input accepted, invalid input refused).
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance",
          "content_type_conformance", "negative_data_rejection", "positive_data_acceptance")


class _NowhereResolver:
    """Every name resolves to 127.0.0.2, an address outside the tests' OUTBOUND_ALLOW."""

    def __call__(self, host: str, port: int) -> list[str]:
        return ["127.0.0.2"]


class _RefuseAll(outbound.OutboundPolicy):
    """The fuzzing's outbound policy: a fuzzed `api_base` (even a public literal address) and
    the default hosts of the paid providers are all refused, so no request leaves the test."""

    def check_host(self, host: str, port: int) -> list[str]:
        raise outbound.OutboundRefused("outbound requests are off while fuzzing", host=host,
                                       reason="fuzzing")


@dataclass
class Target:
    """A served app and the credentials and ids of its seeded tenant."""

    base_url: str
    token: str
    tenant_id: int

    @property
    def headers(self) -> dict[str, str]:
        """Bearer auth of the seeded owner."""
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1:<free port> in a thread (threaded, as gunicorn's gthread)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fuzz-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def refuse_outbound() -> Iterator[None]:
    """Every outbound request refused while the block runs."""
    policy = _RefuseAll.parse((), resolver=_NowhereResolver())
    old = outbound.configure(policy)
    try:
        yield
    finally:
        outbound.configure(old)


def seed(app: Flask, db: Database) -> tuple[str, int]:
    """A tenant with data behind small ids; the owner's access token and the tenant id."""
    client = app.test_client()
    owner = make.register_owner(client, "Fuzz")
    device = make.device(db, owner.tenant_id, name="Sim", jid="15550100001@s.whatsapp.net")
    ids = make.messages(db, owner.tenant_id,
                        make.chat(["Can you send the invoice today?", "Thanks", "ok"]),
                        device_id=device)
    make.messages(db, owner.tenant_id, make.chat(["Hello", "Are you there?"], chat=make.BRUNO),
                  device_id=device)
    r = client.post("/api/v1/llm/providers", headers=owner.headers,
                    json={"name": "Local", "kind": "local", "is_default": True})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/labels", headers=owner.headers, json={"name": "vip"})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/messages/analyze", headers=owner.headers,
                    json={"message_id": ids[0]})
    assert r.status_code == 200, r.get_json()
    make.add_member(client, owner, "member")
    return owner.access, owner.tenant_id
