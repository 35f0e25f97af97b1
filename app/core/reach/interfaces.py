"""Our network interfaces as the reachability grader and the LAN paths see them.

What makes an address global, CGNAT or link-local, and :class:`InterfaceSummary`, the set of
addresses on interfaces that are up (the engine gathers them with psutil). Its own module so that
:mod:`app.core.reach.reachability` (which fills in our LAN addresses) and
:mod:`app.core.reach.lan` (which picks them) both import it without importing each other.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InterfaceAddress", "InterfaceSummary", "is_cgnat", "is_global"]

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")

# Addresses that are never reachable from the internet at large. What is NOT here matters as
# much: the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
# 2001:db8::/32) count as global, because our NAT lab (tests/lab/) uses them as the "public"
# internet between its network namespaces; they never appear on real hosts, so this costs
# nothing in the field. (Python's ``ipaddress.is_global`` calls them non-global, hence this list.)
_NOT_GLOBAL_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # RFC 6598 shared address space (CGNAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.168.0.0/16",  # RFC 1918
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
_NOT_GLOBAL_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "64:ff9b::/96",  # NAT64: an IPv4 host behind a translator, not our own address
        "100::/64",  # discard-only
        "fc00::/7",  # unique local addresses (ULA)
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)

# Interfaces of overlay networks that hand out 100.64.0.0/10 addresses themselves (Tailscale,
# ZeroTier): such an address says nothing about the ISP. The Go reference counts them as CGNAT.
_OVERLAY_PREFIXES = ("tailscale", "zt")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def is_cgnat(ip: str) -> bool:
    """Return True for an IPv4 address in 100.64.0.0/10 (RFC 6598, carrier-grade NAT).

    Args:
        ip: Any text; what is not an IP address is not CGNAT.
    """
    addr = _ip(ip)
    return isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT


def is_global(ip: str) -> bool:
    """Return True if ``ip`` can be reached from the internet at large (if nothing filters it).

    Private (RFC 1918), CGNAT, loopback, link-local, ULA, multicast and reserved addresses are
    not global. The documentation ranges are global on purpose: see ``_NOT_GLOBAL_V4``.

    Args:
        ip: Any text, IPv6 possibly with a ``%zone``; what is not an IP address is not global.
    """
    addr = _ip(ip)
    if addr is None:
        return False
    if isinstance(addr, ipaddress.IPv4Address):
        return not any(addr in net for net in _NOT_GLOBAL_V4)
    return not any(addr in net for net in _NOT_GLOBAL_V6)


def _is_link_local(ip: str) -> bool:
    addr = _ip(ip)
    return addr is not None and addr.is_link_local


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    """One IP address on one network interface that is up.

    Attributes:
        name: Interface name, e.g. ``"eth0"``.
        ip: The address, IPv6 without zone.
        is_loopback: The interface or the address is loopback.
        prefix_len: The length of its subnet's prefix (24 for a /24), when known.
    """

    name: str
    ip: str
    is_loopback: bool
    prefix_len: int | None = None


@dataclass(frozen=True, slots=True)
class InterfaceSummary:
    """Every address on interfaces that are up, with the derived facts the grader needs.

    Attributes:
        addresses: Sorted by interface name, then address.
    """

    addresses: tuple[InterfaceAddress, ...] = ()

    @classmethod
    def of(cls, addresses: Iterable[InterfaceAddress]) -> InterfaceSummary:
        """Build a summary with ``addresses`` deduplicated and sorted."""
        return cls(tuple(sorted(set(addresses), key=lambda a: (a.name, a.ip, a.is_loopback))))

    @property
    def usable(self) -> tuple[InterfaceAddress, ...]:
        """Addresses that can carry traffic beyond this host and its link.

        Loopback and link-local addresses do not count: with only those, nothing outside this
        machine's own cable can be reached, so for the grade we are offline.
        """
        return tuple(
            a
            for a in self.addresses
            if not a.is_loopback and _ip(a.ip) is not None and not _is_link_local(a.ip)
        )

    @property
    def online(self) -> bool:
        """True if at least one usable address exists."""
        return bool(self.usable)

    @property
    def global_ipv4(self) -> tuple[str, ...]:
        """Global IPv4 addresses on interfaces (see :func:`is_global`)."""
        return tuple(a.ip for a in self.usable if ":" not in a.ip and is_global(a.ip))

    @property
    def global_ipv6(self) -> tuple[str, ...]:
        """Global IPv6 addresses on interfaces (see :func:`is_global`)."""
        return tuple(a.ip for a in self.usable if ":" in a.ip and is_global(a.ip))

    @property
    def cgnat(self) -> tuple[InterfaceAddress, ...]:
        """CGNAT addresses on interfaces, except those of overlay networks (Tailscale, ZeroTier)."""
        return tuple(
            a
            for a in self.usable
            if is_cgnat(a.ip) and not a.name.lower().startswith(_OVERLAY_PREFIXES)
        )

    @property
    def ips(self) -> frozenset[str]:
        """Every address, for comparing summaries and spotting a mapping to ourselves."""
        return frozenset(a.ip for a in self.addresses)
