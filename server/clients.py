"""Who is asking: the client address of a request, for throttling.

The immediate peer is the client, unless it is one of ``XUNCHA_TRUSTED_PROXIES`` (the reverse proxies in front
of the API): then ``X-Forwarded-For`` is read from the right, past the trusted proxies, and the first address
not trusted is the client. Everything left of it was written by the client and proves nothing. An IPv6
client is its /64 (one household or phone gets a whole /64 and can pick any address in it).
"""

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV6_CLIENT_PREFIX = 64


def parse_networks(entries: Sequence[str]) -> tuple[IPNetwork, ...]:
    """CIDRs or single addresses; ValueError for anything else."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def key_of(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def client_address(request: Request, proxies: Sequence[IPNetwork]) -> str:
    """The client's address (an IPv6 client as its /64), as a short string; ``unknown`` without a peer."""
    peer_text = request.client.host if request.client else ""
    peer = _address(peer_text)
    if peer is None:
        return peer_text[:64] or "unknown"
    current = peer
    if _trusted(peer, proxies):
        hops = [hop for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:  # garbage: the last address a trusted proxy vouched for
                break
            current = address
            if not _trusted(address, proxies):
                break
    return key_of(current)
