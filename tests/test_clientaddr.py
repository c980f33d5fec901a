"""Whose request is it: X-Forwarded-For believed only from our own proxies, addresses normalised,
IPv6 counted per /64 (the rate limit is what a user notices)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from credbot.channels.clientaddr import TrustedProxies, client_key, parse_address
from credbot.server import create_app
from credbot.settings import Settings, SettingsError


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("0000::0001", "::1"),
        ("[::1]:8080", "::1"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::ffff:7f00:1", "127.0.0.1"),
        ("203.0.113.7:5123", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("unknown", None),
        ("", None),
    ],
)
def test_addresses_are_normalised(raw, expected):
    parsed = parse_address(raw)
    assert (str(parsed) if parsed else None) == expected


def test_ipv6_clients_are_counted_per_64_and_spellings_of_one_address_are_one_client():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert len({client_key(s) for s in ("::1", "0::1", "0:0:0:0:0:0:0:1", "[::1]", "0000:0000::0001")}) == 1
    assert client_key("::ffff:10.0.0.1") == "10.0.0.1"


def test_the_header_counts_only_from_a_trusted_proxy_and_is_read_from_the_right():
    proxies = TrustedProxies(["10.0.0.0/8", "::1"])
    # a client talking to us directly cannot choose its address
    assert str(proxies.client("198.51.100.9", "203.0.113.1")[0]) == "198.51.100.9"
    # through our proxy: the address the proxy appended, not what the client wrote before it
    assert str(proxies.client("10.0.0.5", "203.0.113.1, 198.51.100.9")[0]) == "198.51.100.9"
    # two of our proxies in a row: skipped
    assert str(proxies.client("10.0.0.5", "198.51.100.9, 10.1.1.1")[0]) == "198.51.100.9"
    assert str(proxies.client("0:0::1", "2001:db8::7")[0]) == "2001:db8::7"  # the peer in another spelling
    # garbage the client wrote is never reached; garbage next to us leaves the last address we trust
    assert str(proxies.client("10.0.0.5", "bogus, 198.51.100.9")[0]) == "198.51.100.9"
    assert str(proxies.client("10.0.0.5", "198.51.100.9, bogus")[0]) == "10.0.0.5"
    assert TrustedProxies([]).client("10.0.0.5", "198.51.100.9")[0] == parse_address("10.0.0.5")


def test_bad_trusted_proxy_settings_are_refused_with_the_variable_named():
    with pytest.raises(SettingsError, match="CREDBOT_TRUSTED_PROXIES"):
        Settings.from_env({"CREDBOT_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example.org"})
    assert Settings.from_env({"CREDBOT_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}).proxies == ("10.0.0.0/8", "::1")
    # the old setting still works, for a proxy on the same host
    assert Settings.from_env({"CREDBOT_PROXY_HOPS": "1"}).proxies == ("127.0.0.0/8", "::1")


def limited_client(services, **settings):
    services.settings = replace(services.settings, rate_limit="2 per minute", **settings)
    return create_app({"TESTING": True}, services=services).test_client()


def chat_from(client, peer, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/chat", json={"message": "hi"}, headers=headers, environ_base={"REMOTE_ADDR": peer})


def test_without_trusted_proxies_a_forged_header_gets_no_new_allowance(services):
    client = limited_client(services)
    codes = [chat_from(client, "198.51.100.9", f"203.0.113.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(services):
    client = limited_client(services, trusted_proxies=("10.0.0.0/8",))
    for user in ("198.51.100.1", "198.51.100.2"):
        assert [chat_from(client, "10.0.0.5", user).status_code for _ in range(3)] == [200, 200, 429]
    # a user writing another address in front of the proxy's is still counted as itself
    assert chat_from(client, "10.0.0.5", "192.0.2.77, 198.51.100.1").status_code == 429


def test_ipv6_users_of_one_prefix_share_an_allowance(services):
    client = limited_client(services)
    codes = [chat_from(client, f"2001:db8:5:6::{i}").status_code for i in range(1, 4)]
    assert codes == [200, 200, 429]
    assert chat_from(client, "2001:db8:5:7::1").status_code == 200  # another /64
