"""SMTP sending: SMTP_URL parsing, the outbound policy on the host, a real loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest

from tests.webapp.integrations.receivers import SmtpReceiver, body_of, smtp_receiver
from webapp.mail import smtp
from webapp.security import outbound


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as s:
        yield s


def test_parse_smtp_url() -> None:
    c = smtp.parse_smtp_url("smtp+starttls://bot%40x.io:p%40ss@mail.x.io?from=desk@x.io")
    assert (c.host, c.port, c.tls, c.username, c.password, c.sender) == (
        "mail.x.io", 587, "starttls", "bot@x.io", "p@ss", "desk@x.io")
    assert smtp.parse_smtp_url("smtps://mail.x.io").port == 465
    assert smtp.parse_smtp_url("smtp://127.0.0.1:2525").tls == "none"
    for bad in ("http://mail.x.io", "smtp://", "mail.x.io"):
        with pytest.raises(ValueError):
            smtp.parse_smtp_url(bad)


def test_send_to_a_real_server(server: SmtpReceiver) -> None:
    outbound.configure(["127.0.0.1"])
    try:
        config = smtp.SmtpConfig("127.0.0.1", server.port, "none", "from@mf.test")
        smtp.send(config, smtp.Mail(to="a@mf.test", to_name="Ana", subject="Olá",
                                    text="Ação necessária"))
    finally:
        outbound.configure(None)
    (mail,) = server.to("a@mf.test")
    assert str(make_header(decode_header(mail["Subject"]))) == "Olá"
    assert "Ação necessária" in body_of(mail)
    assert server.sink.envelopes[-1] == ("from@mf.test", ["a@mf.test"])


def test_the_outbound_policy_guards_the_host(server: SmtpReceiver) -> None:
    outbound.configure([])  # nothing allowed: loopback is refused at connect time
    try:
        config = smtp.SmtpConfig("127.0.0.1", server.port, "none", "from@mf.test")
        with pytest.raises(outbound.OutboundRefused):
            smtp.send(config, smtp.Mail(to="b@mf.test", subject="x", text="y"))
    finally:
        outbound.configure(None)
    assert server.to("b@mf.test") == []
