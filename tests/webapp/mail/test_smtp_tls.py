"""STARTTLS and implicit TLS against aiosmtpd with a certificate for 127.0.0.1 signed by a test
CA the client trusts (SSL_CERT_FILE): the mail goes through encrypted and authenticated, and a
certificate the client does not trust is refused."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.webapp.integrations.receivers import _Sink, body_of, free_port
from webapp.mail import smtp
from webapp.security import outbound


def _cert(tmp: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for IP 127.0.0.1 (cert, key, CA cert paths)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MF test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp / "server.pem", tmp / "server.key", tmp / "ca.pem"
    paths[0].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths


def _auth(server: object, session: object, envelope: object, mechanism: str,
          data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"bot" and data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return _cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(certs: tuple[Path, Path, Path],
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs[2]))
    outbound.configure(["127.0.0.1"])
    yield
    outbound.configure(None)


def _server_context(certs: tuple[Path, Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(certs[0]), str(certs[1]))
    return ctx


@pytest.fixture
def starttls_server(certs: tuple[Path, Path, Path]) -> Iterator[tuple[int, _Sink]]:
    sink, port = _Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port,
                            tls_context=_server_context(certs), require_starttls=True,
                            authenticator=_auth, auth_require_tls=True)
    controller.start()
    yield port, sink
    controller.stop()


@pytest.fixture
def tls_server(certs: tuple[Path, Path, Path]) -> Iterator[tuple[int, _Sink]]:
    sink, port = _Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port,
                            ssl_context=_server_context(certs), authenticator=_auth,
                            auth_require_tls=False)
    controller.start()
    yield port, sink
    controller.stop()


MAIL = smtp.Mail(to="ops@mf.test", subject="Encrypted", text="Over TLS")


def test_starttls_with_login(starttls_server: tuple[int, _Sink], trust_test_ca: None) -> None:
    port, sink = starttls_server
    smtp.send(smtp.SmtpConfig("127.0.0.1", port, "starttls", "desk@mf.test", "bot", "s3cret"),
              MAIL)
    (mail,) = sink.messages
    assert body_of(mail).strip() == "Over TLS"


def test_implicit_tls_with_login(tls_server: tuple[int, _Sink], trust_test_ca: None) -> None:
    port, sink = tls_server
    smtp.send(smtp.SmtpConfig("127.0.0.1", port, "tls", "desk@mf.test", "bot", "s3cret"), MAIL)
    assert len(sink.messages) == 1


def test_wrong_password_and_untrusted_certificate(starttls_server: tuple[int, _Sink],
                                                  trust_test_ca: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    port, sink = starttls_server
    with pytest.raises(smtp.SmtpFailed):  # refused (535), then the server hangs up
        smtp.send(smtp.SmtpConfig("127.0.0.1", port, "starttls", "d@mf.test", "bot", "nope"),
                  MAIL, timeout=3)
    monkeypatch.delenv("SSL_CERT_FILE")  # the system's CAs do not know the test CA
    with pytest.raises(smtp.SmtpFailed, match="cannot reach|SSL"):
        smtp.send(smtp.SmtpConfig("127.0.0.1", port, "starttls", "d@mf.test", "bot", "s3cret"),
                  MAIL, timeout=3)
    assert sink.messages == []
