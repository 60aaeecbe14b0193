"""The outbound policy: where the server may send a request on a tenant's behalf.

Every server-side request the product makes (LLM providers now; webhooks, Slack and SMTP later)
goes through this one policy, because a tenant chooses the destination (an `api_base`) and the
server would otherwise reach places only it can reach: loopback services, the private network,
cloud metadata (169.254.169.254). The rules:

- http and https only, with a host and no credentials in the URL (`check_url`, at save time);
- at connect time the host is resolved and EVERY address it resolves to is checked, and the
  connection is made to an address that was checked (`check_host`): a name that resolved to a
  public address when it was saved may resolve to 127.0.0.1 later (DNS rebinding);
- refused: unspecified, loopback, private (RFC 1918, ULA), link-local, site-local, multicast,
  carrier-grade NAT (100.64.0.0/10), reserved and every other not globally routable range, the
  same addresses embedded in IPv6 (IPv4-mapped, IPv4-compatible, 6to4, NAT64, Teredo), and a
  few globally routable cloud-fabric addresses (Azure's wire server);
- unless OUTBOUND_ALLOW names the host, or a network (CIDR) that contains the address.

Flask-free and httpx-free: `webapp.security.outbound_http` enforces it for httpx clients; an SMTP
sender calls `check_host` and connects to one of the addresses it returns.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses it resolves to; injectable so tests never need DNS.
Resolver = Callable[[str, int], list[str]]

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Globally routable, yet only meaningful (and dangerous) from inside a cloud VM.
CLOUD_FABRIC = (ipaddress.ip_network("168.63.129.16/32"),)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class OutboundRefused(Exception):
    """A destination the outbound policy refuses; the message says why and how to allow it."""

    def __init__(self, message: str, *, host: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.reason = reason


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (getaddrinfo, TCP), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


def _ip(address: str | IPAddress) -> IPAddress:
    """An address value; a scope ("fe80::1%eth0") does not change what it is."""
    return ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) \
        else address


def _translated(ip: ipaddress.IPv6Address) -> bool:
    """True for IPv6 forms that reach exactly the IPv4 address they carry (mapped, NAT64)."""
    return ip.ipv4_mapped is not None or any(ip in net for net in NAT64)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if _translated(ip) or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # NAT64 or ::a.b.c.d (compatible)
    return None


def _own_reason(ip: IPAddress) -> str | None:
    checks = (
        (ip.is_unspecified, "unspecified"), (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"), (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (ip in CGNAT, "carrier-grade NAT"), (ip.is_reserved, "reserved"),
        (ip.is_private, "private"), (not ip.is_global, "not globally routable"),
        (any(ip in net for net in CLOUD_FABRIC), "cloud-internal"),
    )
    return next((reason for hit, reason in checks if hit), None)


def refusal_reason(address: str | IPAddress) -> str | None:
    """Why an address is refused ("loopback", "private"...), or None for a public address."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = _own_reason(inner)
            if reason:
                return f"{reason} (embedded in IPv6)"
            if _translated(ip):
                return None  # reaches exactly the public IPv4 address judged above
    return _own_reason(ip)


def literal_ip(host: str) -> IPAddress | None:
    """The address a URL host denotes without DNS: an IP literal, including the numeric IPv4
    forms resolvers accept ("2130706433", "0x7f.1", "127.1"); None for a name."""
    name = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if not name or not all(c in "0123456789abcdefxABCDEFX." for c in name):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def normalize_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot: how allow-list names are compared."""
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class Destination:
    """Where a URL sends a request: scheme, host and port (the key exfiltration check compares
    these, never paths)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def destination(url: str) -> Destination:
    """Scheme, host and port of `url` (default port filled in); ValueError when it has none."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError("only http and https URLs are allowed")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    port = parts.port  # ValueError for a bad port
    return Destination(scheme, normalize_host(parts.hostname), port or DEFAULT_PORTS[scheme])


def _parse_entry(entry: str) -> str | IPNetwork:
    text = normalize_host(entry)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    labels = text.split(".")
    if not text or not all(label and all(c.isalnum() or c in "-_" for c in label)
                           for label in labels):
        raise ValueError(f"OUTBOUND_ALLOW entry {entry!r} is neither a host name, an address "
                         "nor a network (ports and URLs are not accepted)")
    return text


@dataclass(frozen=True)
class OutboundPolicy:
    """The refused ranges (fixed) and the deployment's exceptions (OUTBOUND_ALLOW)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def parse(cls, allow: str | Iterable[str], resolver: Resolver = system_resolver
              ) -> OutboundPolicy:
        """A policy from OUTBOUND_ALLOW (comma-separated hosts and CIDRs); ValueError if bad."""
        entries = allow.split(",") if isinstance(allow, str) else list(allow)
        parsed = [_parse_entry(e) for e in entries if e.strip()]
        return cls(frozenset(p for p in parsed if isinstance(p, str)),
                   tuple(p for p in parsed if not isinstance(p, str)), resolver)

    def allows_address(self, address: str | IPAddress) -> bool:
        """True when OUTBOUND_ALLOW has a network containing the address (or its IPv4 form)."""
        ip = _ip(address)
        forms: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)):
            forms.append(inner)
        return any(f in net for f in forms for net in self.networks if f.version == net.version)

    @staticmethod
    def _refuse(host: str, address: IPAddress | str, reason: str) -> OutboundRefused:
        subject = f"{host} is" if str(address) == host else f"{host} resolves to"
        return OutboundRefused(
            f"{subject} a {reason} address: outbound requests there are refused (an operator "
            "can allow it with OUTBOUND_ALLOW).", host=host, reason=reason)

    def check_url(self, url: str) -> Destination:
        """The save-time check: http/https, a host, no credentials, no refused literal address.

        Names are not resolved here (DNS can change before the request): `check_host` is the
        guard at connect time."""
        try:
            dest = destination(url)
        except ValueError as exc:
            raise OutboundRefused(f"{exc}.", reason="invalid_url") from exc
        parts = urlsplit(url.strip())
        if parts.username is not None or parts.password is not None:
            raise OutboundRefused("credentials in the URL are not allowed.", host=dest.host,
                                  reason="credentials_in_url")
        if dest.host in self.hosts:
            return dest
        address = literal_ip(dest.host)
        if address is None and (dest.host == "localhost" or dest.host.endswith(".localhost")):
            address = ipaddress.IPv4Address("127.0.0.1")  # RFC 6761: always loopback
        if address is not None and not self.allows_address(address):
            reason = refusal_reason(address)
            if reason:
                raise self._refuse(dest.host, address, reason)
        return dest

    def check_host(self, host: str, port: int) -> list[str]:
        """The connect-time check: resolve `host` and return its addresses, every one allowed;
        OutboundRefused if any is refused. Connect only to the returned addresses."""
        name = normalize_host(host)
        literal = literal_ip(name)
        addresses = [str(literal)] if literal is not None else self.resolver(name, port)
        if not addresses:
            raise OSError(f"{name} resolves to no address")
        if name in self.hosts:
            return addresses
        for address in addresses:
            reason = refusal_reason(address)
            if reason and not self.allows_address(address):
                raise self._refuse(name, address, reason)
        return addresses


# Where outbound requests may go although the address is not public. Development defaults to
# this machine only, so a provider can point at a local Ollama or LM Studio; every other
# environment defaults to nothing.
DEV_OUTBOUND_ALLOW = ("127.0.0.1/8", "::1", "localhost")


def allow_from_env(env: Mapping[str, str]) -> tuple[str, ...]:
    """OUTBOUND_ALLOW as a list of entries (ValueError when one is not a host or network);
    unset means loopback in development (MESSAGEFLOW_ENV unset or `development`), else nothing."""
    raw = env.get("OUTBOUND_ALLOW")
    if raw is None:
        dev = env.get("MESSAGEFLOW_ENV", "development") == "development"
        return DEV_OUTBOUND_ALLOW if dev else ()
    entries = tuple(e.strip() for e in raw.split(",") if e.strip())
    OutboundPolicy.parse(entries)  # the one parser of the entries: refuse a bad one now
    return entries


_lock = threading.Lock()
_current: OutboundPolicy | None = None


def configure(policy: OutboundPolicy | str | Iterable[str] | None) -> OutboundPolicy | None:
    """Set the process's policy (None: read OUTBOUND_ALLOW again on next use); returns the old."""
    global _current
    new = policy if isinstance(policy, OutboundPolicy) or policy is None \
        else OutboundPolicy.parse(policy)
    with _lock:
        old, _current = _current, new
    return old


def current() -> OutboundPolicy:
    """The process's policy: what `configure` set (the web app does, from Settings), else
    OUTBOUND_ALLOW read from the environment (Dagster and CLI processes)."""
    global _current
    with _lock:
        if _current is None:
            _current = OutboundPolicy.parse(allow_from_env(os.environ))
        return _current
