"""Who is asking: the client's address, read from the proxy's X-Forwarded-For only when the
immediate peer is one of our own proxies (CREDBOT_TRUSTED_PROXIES), and the key its limits count
against (an IPv4 address, or an IPv6 /64: one household or host gets one allowance however many
addresses of its prefix it uses).

Why in the app and not in the server: gunicorn's ``forwarded_allow_ips`` governs only the scheme
headers (REMOTE_ADDR stays the peer), and waitress's ``trusted_proxy`` takes one exact address
string (no networks, and "::1" and "0::1" differ) and with its default clear_untrusted_proxy_headers
drops X-Forwarded-For from every other peer. So credbot serve configures both servers to leave the
header alone (waitress) or to trust the same proxies for the scheme (gunicorn), and this one piece
of WSGI middleware decides, the same way under waitress, gunicorn and `flask run`.

The header is read from the right: each proxy appends the address it received the request from,
so the right-most address that is not one of our proxies is the client. Whatever a client wrote
into the header itself stands to the left of that and is never read."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Any

from ..settings import ip_networks

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 20  # addresses read from the right of X-Forwarded-For at most


def parse_networks(specs: Iterable[str]) -> tuple[Network, ...]:
    """CREDBOT_TRUSTED_PROXIES' entries (addresses or CIDR networks); ValueError names a bad one."""
    return tuple(ip_networks(spec.strip() for spec in specs))


@functools.lru_cache(maxsize=65536)
def parse_address(raw: str) -> Address | None:
    """An address as servers and proxies write it ("203.0.113.7", "[2001:db8::1]:443", "::ffff:1.2.3.4",
    "fe80::1%eth0"), normalised: IPv4-mapped IPv6 becomes IPv4, zone ids are dropped. None if unreadable."""
    text = raw.strip().strip('"')
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=65536)
def client_key(address: str) -> str:
    """What a client's limits and budgets count against: the IPv4 address, or the IPv6 /64."""
    parsed = parse_address(address)
    if parsed is None:
        return address or "-"
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64)))
    return str(parsed)


class TrustedProxies:
    """Decides the client's address from the peer and, for a trusted peer, X-Forwarded-For."""

    def __init__(self, networks: Iterable[str] = ()):
        self.networks = parse_networks(networks)
        self.trusted = functools.lru_cache(maxsize=4096)(self._trusted)

    def _trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> tuple[Address | None, bool]:
        """The client's address, and whether it came from the header: the peer, unless the peer is
        trusted and the header names someone further out; then the right-most address in the header
        that is not a trusted proxy (or the left-most, if every one is)."""
        client = parse_address(peer)
        if not forwarded_for or not self.trusted(client):
            return client, False
        forwarded = False
        for raw in reversed(forwarded_for.split(",")[-MAX_HOPS:]):
            hop = parse_address(raw)
            if hop is None:  # unreadable: no proxy of ours wrote it; keep the last one we trust
                break
            client, forwarded = hop, True
            if not self.trusted(hop):
                break
        return client, forwarded


class ClientAddressMiddleware:
    """WSGI middleware: REMOTE_ADDR becomes the client's normalised address, ``credbot.client`` the
    key its limits count against, ``credbot.peer`` the immediate peer; a trusted proxy's
    X-Forwarded-Proto sets the scheme."""

    def __init__(self, app: Any, trusted: Iterable[str] = ()):
        self.app = app
        self.proxies = TrustedProxies(trusted)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        address, forwarded = self.proxies.client(peer, environ.get("HTTP_X_FORWARDED_FOR"))
        environ["credbot.peer"] = peer
        if address is not None:
            environ["REMOTE_ADDR"] = str(address)
            if forwarded:  # the scheme too, if the proxy says
                proto = environ.get("HTTP_X_FORWARDED_PROTO", "").rsplit(",", 1)[-1].strip().lower()
                if proto in ("http", "https"):
                    environ["wsgi.url_scheme"] = proto
        environ["credbot.client"] = client_key(environ.get("REMOTE_ADDR", ""))
        return self.app(environ, start_response)
