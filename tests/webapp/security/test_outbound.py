"""The outbound policy on address values: nothing here opens a connection or asks DNS."""

from __future__ import annotations

import ipaddress

import pytest

from webapp.config import DEV_OUTBOUND_ALLOW, Settings, outbound_allow_from_env
from webapp.errors import ConfigError
from webapp.security import outbound
from webapp.security.outbound import OutboundPolicy, OutboundRefused, refusal_reason

REFUSED = {
    "10.0.0.1": "private", "172.16.0.1": "private", "192.168.1.1": "private",
    "169.254.169.254": "link-local", "127.0.0.1": "loopback", "127.0.0.2": "loopback",
    "0.0.0.0": "unspecified", "::1": "loopback", "fe80::1": "link-local",
    "fc00::1": "private", "fd00:ec2::254": "private", "::": "unspecified",
    "::ffff:127.0.0.1": "loopback (embedded in IPv6)",
    "::ffff:10.0.0.1": "private (embedded in IPv6)",
    "::ffff:169.254.169.254": "link-local (embedded in IPv6)",
    "::127.0.0.1": "loopback (embedded in IPv6)",  # IPv4-compatible
    "2002:7f00:1::": "loopback (embedded in IPv6)",  # 6to4
    "64:ff9b::a00:1": "private (embedded in IPv6)",  # NAT64
    "224.0.0.1": "multicast", "ff02::1": "multicast", "100.64.0.1": "carrier-grade NAT",
    "fec0::1": "site-local", "240.0.0.1": "reserved", "255.255.255.255": "reserved",
    "198.18.0.1": "private", "192.0.2.1": "private", "168.63.129.16": "cloud-internal",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]


def fixed_resolver(table: dict[str, list[str]]) -> outbound.Resolver:
    """A resolver that answers from `table` (and fails like DNS for anything else)."""
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]
    return resolve


@pytest.mark.parametrize(("address", "reason"), sorted(REFUSED.items()))
def test_refused_ranges(address: str, reason: str) -> None:
    assert refusal_reason(address) == reason
    with pytest.raises(OutboundRefused) as caught:
        OutboundPolicy().check_host(address, 443)
    assert caught.value.reason == reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None
    assert OutboundPolicy().check_host(address, 443) == [str(ipaddress.ip_address(address))]


def test_check_url_at_save_time() -> None:
    policy = OutboundPolicy()
    assert str(policy.check_url("https://api.openai.com/v1")) == "https://api.openai.com:443"
    assert str(policy.check_url("http://[2001:4860:4860::8888]:8080/v1")) == (
        "http://[2001:4860:4860::8888]:8080")
    refused = {
        "file:///etc/passwd": "invalid_url", "gopher://example.com/": "invalid_url",
        "http:///v1": "invalid_url", "http://example.com:99999/": "invalid_url",
        "http://user:pw@example.com/": "credentials_in_url",
        "http://169.254.169.254/latest/meta-data/": "link-local",
        "http://[::ffff:127.0.0.1]:8080/": "loopback (embedded in IPv6)",
        "http://2130706433/": "loopback",  # 127.0.0.1 as one number
        "http://0x7f.1/": "loopback", "http://127.1:11434/": "loopback",
        "http://localhost:11434/v1": "loopback", "http://ollama.localhost/": "loopback",
        "http://10.1.2.3/v1": "private",
    }
    for url, reason in refused.items():
        with pytest.raises(OutboundRefused) as caught:
            policy.check_url(url)
        assert caught.value.reason == reason, url
    # A name is not resolved at save time: DNS can change, the connect-time check decides.
    assert policy.check_url("http://internal.example/v1").host == "internal.example"


def test_names_are_checked_on_every_address_they_resolve_to() -> None:
    resolver = fixed_resolver({
        "api.example": ["8.8.8.8", "2001:4860:4860::8888"],
        "rebound.example": ["8.8.8.8", "127.0.0.2"],  # one bad address is enough
        "metadata.example": ["169.254.169.254"],
    })
    policy = OutboundPolicy(resolver=resolver)
    assert policy.check_host("API.example.", 443) == ["8.8.8.8", "2001:4860:4860::8888"]
    for host in ("rebound.example", "metadata.example"):
        with pytest.raises(OutboundRefused) as caught:
            policy.check_host(host, 443)
        assert "resolves to" in caught.value.message and caught.value.host == host
        assert "127.0.0.2" not in caught.value.message  # the answer of internal DNS stays in
    with pytest.raises(OSError):
        policy.check_host("nowhere.example", 443)


def test_allow_list_by_network_and_by_name() -> None:
    resolver = fixed_resolver({"ollama.lan": ["192.168.1.20"], "localhost": ["127.0.0.1",
                                                                                "::1"]})
    policy = OutboundPolicy.parse("127.0.0.1/32, 192.168.1.0/24,::1", resolver)
    assert policy.check_host("127.0.0.1", 80) == ["127.0.0.1"]
    assert policy.check_host("::ffff:127.0.0.1", 80) == ["::ffff:7f00:1"]  # the same address
    assert policy.check_host("ollama.lan", 80) == ["192.168.1.20"]
    assert policy.check_host("localhost", 80) == ["127.0.0.1", "::1"]
    with pytest.raises(OutboundRefused):
        policy.check_host("127.0.0.2", 80)  # a /32 means one address
    by_name = OutboundPolicy.parse(["ollama.lan"], resolver)
    assert by_name.check_host("ollama.lan", 80) == ["192.168.1.20"]
    assert by_name.check_url("http://ollama.lan:11434/v1").port == 11434
    with pytest.raises(OutboundRefused):
        by_name.check_host("192.168.1.20", 80)  # the name is allowed, not its address
    for bad in ("http://ollama.lan", "ollama.lan:11434", "10.0.0.0/33", "a..b"):
        with pytest.raises(ValueError):
            OutboundPolicy.parse(bad)


def test_setting_defaults_and_parsing() -> None:
    assert outbound_allow_from_env({}) == DEV_OUTBOUND_ALLOW  # development: this machine
    assert outbound_allow_from_env({"MESSAGEFLOW_ENV": "production"}) == ()
    assert outbound_allow_from_env({"MESSAGEFLOW_ENV": "test"}) == ()
    assert outbound_allow_from_env({"OUTBOUND_ALLOW": ""}) == ()  # explicitly nothing
    assert outbound_allow_from_env({"OUTBOUND_ALLOW": " 10.0.0.0/8 , vllm.lan ,"}) == (
        "10.0.0.0/8", "vllm.lan")
    with pytest.raises(ConfigError, match="OUTBOUND_ALLOW"):
        outbound_allow_from_env({"OUTBOUND_ALLOW": "http://x.lan:8000"})
    dev = OutboundPolicy.parse(DEV_OUTBOUND_ALLOW)
    assert dev.check_url("http://localhost:11434/v1").port == 11434
    assert dev.check_host("127.0.0.1", 1234) == ["127.0.0.1"]
    with pytest.raises(OutboundRefused):
        dev.check_host("10.0.0.1", 80)
    assert Settings().outbound_allow == ()  # built directly (tests): nothing unless given


def test_process_policy_configure_and_restore() -> None:
    old = outbound.configure(["192.0.2.0/24"])
    try:
        assert outbound.current().check_host("192.0.2.7", 80) == ["192.0.2.7"]
    finally:
        outbound.configure(old)
    with pytest.raises(OutboundRefused):
        outbound.current().check_host("192.0.2.7", 80)
