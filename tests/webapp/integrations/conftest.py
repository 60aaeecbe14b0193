"""Integrations fixtures: an app whose product mail goes to a loopback SMTP server, receivers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import MASTER_KEY, Member, make_settings, register_owner
from tests.webapp.integrations.receivers import (
    HttpReceiver,
    SmtpReceiver,
    http_receiver,
    smtp_receiver,
)
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.integrations import worker
from webapp.security.crypto import SecretBox

PUBLIC_URL = "http://mf.test"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpReceiver]:
    """A real SMTP server on loopback (aiosmtpd)."""
    with smtp_receiver() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """A fresh HTTP receiver on loopback."""
    with http_receiver() as server:
        yield server


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory,
        smtp: SmtpReceiver) -> Iterator[Flask]:
    """The app, with SMTP_URL at the loopback server and links under PUBLIC_URL."""
    home: Path = tmp_path_factory.mktemp("home")
    application = create_app(make_settings(
        database_url, home, smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=noreply@mf.test",
        public_url=PUBLIC_URL))
    yield application
    close_app(application)


@pytest.fixture
def admin(client: FlaskClient) -> Member:
    """The owner of a fresh tenant."""
    return register_owner(client, "Integrations Co")


@pytest.fixture(scope="module")
def wcfg(smtp: SmtpReceiver) -> worker.WorkerConfig:
    """The worker configuration the tests drain the queue with (short backoff)."""
    return worker.WorkerConfig(box=SecretBox(MASTER_KEY),
                               smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=noreply@mf.test",
                               base_delay_s=0.05)


def drain_until(db: Database, cfg: worker.WorkerConfig, done: Callable[[], Any],
                timeout: float = 15.0) -> Any:
    """Run the queue until `done()` is truthy (its value), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        worker.deliver_due(db, cfg)
        value = done()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the queue did not get there in time")
        time.sleep(0.05)
