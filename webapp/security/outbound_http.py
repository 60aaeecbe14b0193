"""httpx clients that obey the outbound policy (webapp.security.outbound) at connect time.

The check sits in the connection pool's network backend, the one place every connection is
opened: whatever URL a library builds, whatever redirect it follows, the host is resolved once,
every address is checked, and the socket is connected to a checked address (never a second
lookup that could rebind). TLS still verifies the certificate against the URL's host name, which
httpcore passes to start_tls separately from the address. The clients ignore the environment
(`trust_env=False`: a proxy would make the policy check the proxy instead of the destination),
follow no redirects, and keep no cookies (one client serves every tenant).
"""

from __future__ import annotations

import ssl
import threading
import typing
from collections.abc import Callable, Iterable
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpcore
import httpx

from webapp.security import outbound

PolicySource = Callable[[], outbound.OutboundPolicy]
SocketOption = typing.Any  # httpcore's SOCKET_OPTION union, passed through untouched
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)


class PolicyBackend(httpcore.SyncBackend):
    """A network backend that connects only to addresses the outbound policy allows."""

    def __init__(self, policy: PolicySource = outbound.current) -> None:
        self._policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[SocketOption] | None = None,
                    ) -> httpcore.NetworkStream:
        """Resolve and check `host` (OutboundRefused if refused), then connect to a checked
        address, trying each in the resolver's order."""
        addresses = self._policy().check_host(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # check_host never returns an empty list
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[SocketOption] | None = None,
                            ) -> httpcore.NetworkStream:
        """Refused: the policy is about network destinations; nothing here needs a socket
        file."""
        raise outbound.OutboundRefused("unix sockets are not an outbound destination.",
                                       reason="unix_socket")


class PolicyTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, error translation) over a policy-checked pool.

    The pool belongs to one policy: when the process's policy changes (`outbound.configure`),
    the next request gets a new pool, so no kept-alive connection outlives the policy it was
    checked under."""

    def __init__(self, policy: PolicySource = outbound.current, *,
                 verify: ssl.SSLContext | bool = True,
                 limits: httpx.Limits | None = None) -> None:
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=verify, trust_env=False, limits=self._limits)
        # SSL_CERT_FILE/SSL_CERT_DIR still count: a deployment's own CA is not a proxy.
        self._ssl_context = httpx.create_ssl_context(verify=verify, trust_env=True)
        self._source = policy
        self._lock = threading.Lock()
        self._policy: outbound.OutboundPolicy | None = None
        self._current_pool()

    def _current_pool(self) -> None:
        """Use a pool of the current policy; httpx has no parameter for the network backend,
        so the pool it built is replaced by the same pool over ours."""
        policy = self._source()
        with self._lock:
            if policy is self._policy:
                return
            old, self._policy = self._pool, policy
            self._pool = httpcore.ConnectionPool(
                ssl_context=self._ssl_context,
                max_connections=self._limits.max_connections,
                max_keepalive_connections=self._limits.max_keepalive_connections,
                keepalive_expiry=self._limits.keepalive_expiry,
                network_backend=PolicyBackend(lambda: policy),
            )
        old.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request over a connection checked by the current policy."""
        self._current_pool()
        return super().handle_request(request)


def no_cookies() -> CookieJar:
    """A cookie jar that accepts nothing: no state may travel between tenants' requests."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def policy_client(policy: PolicySource = outbound.current, *,
                  timeout: float | httpx.Timeout | None = None,
                  verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """An httpx.Client whose every connection is checked by the outbound policy."""
    return httpx.Client(
        transport=PolicyTransport(policy, verify=verify),
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        cookies=no_cookies(),
    )
