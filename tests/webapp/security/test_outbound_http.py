"""The policy client end to end against loopback servers: 127.0.0.1 is allowed by the tests'
OUTBOUND_ALLOW, 127.0.0.2 is not (both are this machine; only the policy tells them apart)."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.fixtures import allow_outbound
from tests.fakes.llm_server import Canned, FakeLLMServer
from webapp.security.outbound import OutboundRefused
from webapp.security.outbound_http import policy_client

CHAT = "/v1/chat/completions"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_refused_address_is_never_connected(outside: FakeLLMServer,
                                            fake: FakeLLMServer) -> None:
    with allow_outbound("127.0.0.1"), policy_client() as client:
        assert client.post(fake.base_url + CHAT, json=BODY).status_code == 200
        with pytest.raises(OutboundRefused, match="127.0.0.2 is a loopback address"):
            client.post(outside.base_url + CHAT, json=BODY)
    assert outside.requests == [] and len(fake.requests) == 1
    with allow_outbound("127.0.0.1", "127.0.0.2"), policy_client() as client:
        assert client.post(outside.base_url + CHAT, json=BODY).status_code == 200
    assert len(outside.requests) == 1


def test_redirect_to_refused_address_is_not_followed(outside: FakeLLMServer,
                                                     fake: FakeLLMServer) -> None:
    fake.canned = Canned(307, b"", {"Location": outside.base_url + CHAT})
    with allow_outbound("127.0.0.1"), policy_client() as client:
        assert client.post(fake.base_url + CHAT, json=BODY).status_code == 307
        # Even a caller that asks to follow gets no further: the connection is refused.
        with pytest.raises(OutboundRefused):
            client.post(fake.base_url + CHAT, json=BODY, follow_redirects=True)
    assert outside.requests == []


def test_a_name_is_checked_and_connected_by_the_address_checked(
        outside: FakeLLMServer, fake: FakeLLMServer) -> None:
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return {"provider.test": ["127.0.0.1"], "rebound.test": ["127.0.0.2"]}[host]

    with allow_outbound("127.0.0.1", resolver=resolver), policy_client() as client:
        ok = client.post(f"http://provider.test:{fake.port}{CHAT}", json=BODY)
        assert ok.status_code == 200 and fake.requests[-1].headers["host"].startswith(
            "provider.test")
        with pytest.raises(OutboundRefused, match="rebound.test resolves to a loopback"):
            client.post(f"http://rebound.test:{outside.port}{CHAT}", json=BODY)
    assert lookups == ["provider.test", "rebound.test"]  # one lookup per connection, no second
    assert outside.requests == []


def test_proxy_environment_is_ignored(monkeypatch: pytest.MonkeyPatch,
                                      fake: FakeLLMServer) -> None:
    # Through a proxy the policy would check the proxy, not the destination.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with allow_outbound("127.0.0.1"), policy_client() as client:
        assert client.post(fake.base_url + CHAT, json=BODY).status_code == 200


def test_cookies_are_not_kept_between_requests(fake: FakeLLMServer) -> None:
    fake.canned = Canned(200, b"{}", {"Set-Cookie": "session=tenant-a; Path=/"})
    with allow_outbound("127.0.0.1"), policy_client() as client:
        client.post(fake.base_url + CHAT, json=BODY)
        client.post(fake.base_url + CHAT, json=BODY)
    assert [r.headers.get("cookie") for r in fake.requests] == [None, None]


# -- TLS: the certificate is verified against the URL's host name, not the address -----------
def _self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # stdlib naming
        """Answer 200 with the Host header the client sent."""
        body = self.headers.get("Host", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Quiet."""


def test_tls_verifies_the_url_host_name(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path, "provider.test")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        with allow_outbound("127.0.0.1", resolver=lambda h, p: ["127.0.0.1"]), \
                policy_client(verify=trust) as client:
            r = client.get(f"https://provider.test:{port}/")
            assert r.status_code == 200 and r.text == f"provider.test:{port}"
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                client.get(f"https://127.0.0.1:{port}/")  # the address is not the name
    finally:
        server.shutdown()
        server.server_close()
