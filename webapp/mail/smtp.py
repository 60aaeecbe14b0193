"""Sending one e-mail over SMTP (stdlib smtplib), to a host the outbound policy allows.

The host is resolved and checked by webapp.security.outbound (`check_host`) and the connection is
made to a checked address; TLS still verifies the certificate against the host NAME. Modes:
`starttls` (submission, usually port 587), `tls` (implicit TLS, usually 465) and `none`
(plain; only sensible to a relay on a trusted network, e.g. a loopback test server).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from webapp.security import outbound

TLS_MODES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TIMEOUT_S = 20.0


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit mail."""

    host: str
    port: int
    tls: str
    sender: str
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Mail:
    """One plain-text message."""

    to: str
    subject: str
    text: str
    to_name: str = ""


class SmtpFailed(Exception):
    """The server refused the message or could not be reached (the reason is safe to show)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def parse_smtp_url(url: str) -> SmtpConfig:
    """`smtp://user:pass@host:port?from=a@b` (plain or STARTTLS via `smtp+starttls://`) or
    `smtps://...` (implicit TLS) as a config; ValueError when it is not one."""
    parts = urlsplit(url)
    modes = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}
    if parts.scheme not in modes or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp[s]://[user:password@]host[:port]?from=...")
    tls = modes[parts.scheme]
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    sender = unquote(query.get("from", "")) or f"messageflow@{parts.hostname}"
    return SmtpConfig(host=parts.hostname, port=parts.port or DEFAULT_PORTS[tls], tls=tls,
                      sender=sender, username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


def build(config: SmtpConfig, mail: Mail) -> EmailMessage:
    """The RFC 5322 message."""
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = formataddr((mail.to_name, mail.to)) if mail.to_name else mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    msg.set_content(mail.text)
    return msg


class _CheckedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket goes to an address the outbound policy checked."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _connect(host, port, timeout)


class _CheckedSMTPS(smtplib.SMTP_SSL):
    """Implicit TLS over a checked connection; the certificate is checked against the name."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = _connect(host, port, timeout)
        return self.context.wrap_socket(raw, server_hostname=host)


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    addresses = outbound.current().check_host(host, port)
    failure: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            failure = exc
    assert failure is not None
    raise failure


def send(config: SmtpConfig, mail: Mail, *, timeout: float = TIMEOUT_S) -> None:
    """Submit the message; SmtpFailed (or OutboundRefused) when it was not accepted."""
    if config.tls not in TLS_MODES:
        raise SmtpFailed(f"unknown TLS mode {config.tls!r}")
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if config.tls == "tls":
            client = _CheckedSMTPS(config.host, config.port, timeout=timeout, context=context)
        else:
            client = _CheckedSMTP(config.host, config.port, timeout=timeout)
        with client:
            if config.tls == "starttls":
                client.starttls(context=context)
            if config.username and config.password:
                client.login(config.username, config.password)
            client.send_message(build(config, mail))
    except outbound.OutboundRefused:
        raise
    except smtplib.SMTPResponseException as exc:
        raise SmtpFailed(f"the SMTP server answered {exc.smtp_code}", exc.smtp_code) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SmtpFailed("the SMTP server refused the recipient") from exc
    except smtplib.SMTPException as exc:
        raise SmtpFailed(f"SMTP error: {type(exc).__name__}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise SmtpFailed(f"cannot reach the SMTP server ({type(exc).__name__})") from exc
