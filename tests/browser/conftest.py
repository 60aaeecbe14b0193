"""Browser tests: the real app served over the test database, driven by Debian's chromium.

Every test gets a fresh tenant, signs in through the UI and fails on any browser console error
or uncaught page error (`errors` fixture). The tests are skipped only when /usr/bin/chromium is
missing and CI is unset; in CI (CI=1) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from tests.browser.outbox import OutboxDriver
from tests.factories import PASSWORD, Member, add_member, make_settings, register_owner
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.media import service as media_service
from webapp.messaging.records import Record
from webapp.messaging.service import IngestResult, ingest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# Chrome logs failed HTTP responses as console errors; tests that provoke one on purpose
# (a wrong password, an expired token) list the statuses they expect.
HTTP_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, headless (`playwright install` cannot download browsers here)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must `apt-get install -y chromium`")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); CI is unset")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop viewport; the viewer's zone differs from UTC so local times are exercised."""
    return {**browser_context_args, "viewport": {"width": 1360, "height": 820},
            "locale": "en-GB", "timezone_id": "America/Sao_Paulo"}


@dataclass
class LiveServer:
    """The app on a real port, plus direct access to its database for arranging data."""

    url: str
    app: Flask

    @property
    def db(self) -> Database:
        """The app's database (ingest and outbox run through it)."""
        database: Database = self.app.extensions["mf_db"]
        return database


class EndUpgradedSockets:
    """WSGI wrapper for Werkzeug's dev server: end a WebSocket's TCP connection when its
    handler returns.

    On Werkzeug, flask-sock hands back an ordinary `200 OK` response once the socket's handler
    finishes. The server then either writes it right after the WebSocket close frame, or (the
    connection being keep-alive) reads the browser's close reply as a new request and answers
    `400 Bad HTTP/0.9 request`; either way Chrome logs "Invalid frame header" (flask-sock
    issues #20, #77). gunicorn does neither (checked with the same app and browser). Here the
    socket is shut down after the close frame, and ConnectionError tells Werkzeug that the
    connection is gone, so it writes and reads nothing more.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse,
                 ) -> Iterable[bytes]:
        """Run the app; end the connection of an upgraded socket instead of answering."""
        statuses: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        upgrade = environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        if upgrade and statuses[:1] and statuses[0].startswith("200"):
            close = getattr(result, "close", None)
            if close is not None:
                close()
            with contextlib.suppress(OSError):
                environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("the WebSocket has ended")
        return result


def serve(database_url: str, home: Path, **settings: Any) -> Iterator[LiveServer]:
    """Serve create_app over database_url on 127.0.0.1:<free port> in a thread."""
    app = create_app(make_settings(database_url, home, **settings))
    server = make_server("127.0.0.1", 0, EndUpgradedSockets(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        close_app(app)


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[LiveServer]:
    """The app over this module's database."""
    yield from serve(database_url, tmp_path_factory.mktemp("home"))


@dataclass
class Tenant:
    """A fresh tenant and its owner's credentials."""

    id: int
    user_id: int
    email: str
    owner: Member
    password: str = PASSWORD

    def invite(self, server: LiveServer, role: str) -> Tenant:
        """A teammate with `role`, joined through a real invitation (same tenant)."""
        member = add_member(server.app.test_client(), self.owner, role)
        return Tenant(self.id, member.user_id, member.email, self.owner)


@pytest.fixture
def tenant(live_server: LiveServer) -> Tenant:
    """A new tenant registered through the API."""
    owner = register_owner(live_server.app.test_client(), tenant_name="Acme Support")
    return Tenant(owner.tenant_id, owner.user_id, owner.email, owner)


WS_UNAUTHORIZED = "failed: HTTP Authentication failed"


@dataclass
class ConsoleWatch:
    """Console errors and page errors of every watched page."""

    allowed_statuses: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        """Collect this page's console errors and uncaught exceptions."""
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        return page

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        match = HTTP_ERROR.search(msg.text)
        if match and int(match.group(1)) in self.allowed_statuses:
            return
        # Chromium reports a refused WebSocket upgrade without its status: a 401 in words.
        if 401 in self.allowed_statuses and WS_UNAUTHORIZED in msg.text:
            return
        self.problems.append(f"console.error: {msg.text} ({msg.location.get('url')})")


@pytest.fixture
def errors(page: Page) -> Iterator[ConsoleWatch]:
    """Fail the test on any console error or page error (the main page is watched)."""
    watch = ConsoleWatch()
    watch.watch(page)
    yield watch
    assert watch.problems == [], "browser errors:\n" + "\n".join(watch.problems)


def sign_in(page: Page, server: LiveServer, tenant: Tenant, start: str = "/",
            *, then: str | None = "Conversations") -> None:
    """Sign in through the form, starting from `start`, and wait for the app. From "/" the
    app lands on Home; then the test goes on to the screen `then` names in the navigation
    (Conversations, as most tests want; None stays on Home)."""
    page.goto(server.url + start)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(tenant.email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Sign in").click()
    if start == "/":
        expect(page).to_have_url(re.compile(r"/app/home$"))  # Home is the landing page
        expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
        if then is None:
            return
        page.get_by_role("navigation", name="Main").get_by_role("link", name=then).click()
        expect(page).to_have_url(re.compile(rf"/app/{then.lower()}"))
    else:
        expect(page).to_have_url(re.compile(re.escape(start.split("?")[0])))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")


def wait_until(page: Page, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait (letting the page's events run) until a Python-side condition holds."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        page.wait_for_timeout(50)


def message(wa_id: str, text: str, *, chat: str = "5511999990001@s.whatsapp.net",
            name: str = "Ana Souza", at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    """An inbound WhatsApp text message as a traffic record (ARCHITECTURE §5)."""
    return {"kind": "message", "id": wa_id, "chat": chat, "sender": extra.pop("sender", chat),
            "sender_name": name, "from_me": False,
            "timestamp": (at or datetime.now(UTC)).isoformat(), "text": text, **extra}


def ingest_records(server: LiveServer, tenant: Tenant,
                   records: Sequence[Record | dict[str, Any]]) -> IngestResult:
    """Feed traffic records through the real ingest path (as the gateway does)."""
    result = ingest(server.db, tenant.id, records)
    assert not result.rejected, result.rejected
    return result


@pytest.fixture
def outbox(live_server: LiveServer, tenant: Tenant) -> Iterator[OutboxDriver]:
    """The outbox worker for this tenant; a test starts it when it wants sends to go out."""
    driver = OutboxDriver(live_server.db, tenant.id,
                          store=media_service.store(live_server.app.extensions["mf_settings"]))
    yield driver
    driver.stop()
