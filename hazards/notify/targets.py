"""Where webhooks may point: public addresses only, unless the deployment names its own networks.

A webhook URL is fetched by the server, so an address inside the server's networks (loopback, the cloud
metadata service, the office's intranet) would let whoever registers webhooks make the server talk to it.
``check`` resolves the host and refuses the URL if any of its addresses is loopback, link-local, private,
multicast, unspecified, reserved or otherwise not globally routable (an IPv4 address written as IPv6,
``::ffff:127.0.0.1``, counts as the IPv4 address) — unless the policy allows that address's network or the
host by name. Government intranets are private address space, so allowing networks is the normal case
there. The check runs when a webhook is registered and again at each delivery, which then connects to the
very address that was checked (the answer of a later DNS query could differ).
"""

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from inspection.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_HOST_PATTERN = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class TargetPolicy:
    """Networks (CIDRs) and host names webhooks may reach although they are not public; ``*.`` names a domain's
    sub-domains."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "TargetPolicy":
        """From the setting's entries: CIDRs or single addresses, else host names. ValueError when neither."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not _HOST_PATTERN.match(entry):
                raise ValueError(f"not a network, an address or a host name: {raw!r}")
            hosts.add(entry)
        return cls(networks=tuple(networks), hosts=frozenset(hosts))

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(
            pattern.startswith("*.") and host.endswith(pattern[1:]) for pattern in self.hosts)

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address, *([address.ipv4_mapped] if _mapped(address) else [])]
        return any(candidate in network for candidate in candidates for network in self.networks
                   if candidate.version == network.version)


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, and the addresses it may be reached at (connect to one of these)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (A and AAAA, /etc/hosts included)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is no place for a webhook, or None for a public address."""
    if _mapped(address):
        assert isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
        address = address.ipv4_mapped
    for reason, flagged in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                            ("private", address.is_private), ("multicast", address.is_multicast),
                            ("unspecified", address.is_unspecified), ("reserved", address.is_reserved),
                            ("not global", not address.is_global)):
        if flagged:
            return reason
    return None


def refused(message: str, *, code: str, **details: object) -> InvalidInput:
    return InvalidInput(message, code=code, details={"loc": ["body", "url"], **details})


def check(url: str, policy: TargetPolicy, *, resolve: Resolver = system_resolver) -> Target:
    """The target of ``url`` if every address its host resolves to may be reached; InvalidInput otherwise."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError as exc:
        raise refused("Webhook 地址端口无效 / invalid port in the webhook URL", code="webhook_url_invalid") from exc
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        raise refused("Webhook 地址须为 http(s)://主机/… / the webhook URL must be http(s)://host/…",
                      code="webhook_url_invalid")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise refused(f"无法解析 Webhook 主机名 {host} / cannot resolve the webhook host {host}",
                          code="webhook_host_unresolved", host=host) from exc
        if not found:
            raise refused(f"无法解析 Webhook 主机名 {host} / cannot resolve the webhook host {host}",
                          code="webhook_host_unresolved", host=host)
    if not policy.allows_host(host):
        bad = {str(a): reason for a in found if not policy.allows_address(a) and (reason := not_public(a))}
        if bad:
            raise refused(
                f"Webhook 地址 {host} 指向本机、内网或保留地址，已拒绝；如确需使用内网地址，请由管理员加入 "
                f"XUNCHA_WEBHOOK_ALLOWED_NETWORKS / webhook target {host} refused: it resolves to a loopback, "
                "private, link-local, multicast or reserved address not in XUNCHA_WEBHOOK_ALLOWED_NETWORKS",
                code="webhook_target_refused", host=host, addresses=bad)
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(dict.fromkeys(found)))


def _mapped(address: IPAddress) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
