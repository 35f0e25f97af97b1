"""Another NAT beyond our router? Carrier-grade NAT and double NAT from what a node can measure.

A STUN server sees one public address whether one NAT or two stand between us and it, so the
mapping alone cannot tell a home router from a home router behind an ISP's carrier-grade NAT
(CGNAT) or behind a second private router. What the grade then advises must differ: UPnP on the
home router opens nothing in a NAT beyond it. Two cheap measurements show the NAT beyond:

* **the hops**: a few UDP datagrams towards a STUN server with IP TTL 1, 2, 3; each router where
  one expires answers with ICMP Time Exceeded from its own address (:data:`HOP_TTLS`; the socket
  part is :mod:`app.engine.hops`, Linux only). A hop in 100.64.0.0/10 (RFC 6598, the address
  space ISPs use inside a carrier NAT) before the first global hop means a carrier NAT; a second
  private (RFC 1918) hop after our own router means a router behind another one;
* **the port-mapping gateway's external address** (UPnP ``GetExternalIPAddress``, NAT-PMP's
  public address answer): a private or 100.64/10 address means the router itself is behind
  another NAT.

Limits: an ISP that numbers its own routers from private space (no NAT) looks like a double NAT
on the hops; a router that sends no ICMP (or a firewall that drops it) hides its hop. Neither
changes what paths work (the mapping decides that); it changes which advice the hint gives.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.reach.interfaces import InterfaceSummary, is_cgnat, is_global

__all__ = [
    "HOP_TTLS",
    "ICMP_TIME_EXCEEDED",
    "Hop",
    "UpstreamNat",
    "detect_upstream_nat",
    "gateway_external_ip",
    "parse_recverr",
]

HOP_TTLS = (1, 2, 3)
"""The TTLs of the hop probe: our router, the NAT (or ISP router) beyond it, one more. Three
datagrams of a few bytes, one per TTL, once per reachability probe."""

ICMP_TIME_EXCEEDED = 11
_SO_EE_ORIGIN_ICMP = 2
_AF_INET_LINUX = 2  # IP_RECVERR is Linux's; its sockaddr_in family is Linux's AF_INET
_EXTENDED_ERR = struct.Struct("=IBBBBII")  # struct sock_extended_err (linux/errqueue.h)


class UpstreamNat(enum.StrEnum):
    """What lies beyond our own router, as far as can be measured."""

    UNKNOWN = "unknown"  # no sign of another NAT (there may still be one)
    CARRIER = "carrier"  # a carrier-grade NAT (100.64.0.0/10 inside)
    DOUBLE = "double"  # our router sits behind another NAT with a private inside network


@dataclass(frozen=True, slots=True)
class Hop:
    """A router that answered a TTL-limited datagram: at ``ttl``, from ``address``."""

    ttl: int
    address: str


def parse_recverr(data: bytes) -> tuple[int, str] | None:
    """Read one Linux ``IP_RECVERR`` control message: ``(ICMP type, offender IPv4 address)``.

    Args:
        data: The control message's data: ``struct sock_extended_err`` followed by the
            offender's ``struct sockaddr_in``.

    Returns:
        The ICMP type and the address of the router that sent it; None for anything that is
        not an ICMP error with an IPv4 offender (a local error, a short or odd message).
    """
    if len(data) < _EXTENDED_ERR.size + 8:
        return None
    _errno, origin, icmp_type, _code, _pad, _info, _data = _EXTENDED_ERR.unpack_from(data)
    family = struct.unpack_from("=H", data, _EXTENDED_ERR.size)[0]
    if origin != _SO_EE_ORIGIN_ICMP or family != _AF_INET_LINUX:
        return None
    offset = _EXTENDED_ERR.size + 4  # sin_family, sin_port
    return icmp_type, str(ipaddress.IPv4Address(data[offset : offset + 4]))


def gateway_external_ip(external_address: str | None) -> str | None:
    """The IP of a port mapping's ``external_address`` (``"ip:port"``), if it has one."""
    if not external_address:
        return None
    host = external_address.rsplit(":", 1)[0].strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


_RFC1918 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def _private_v4(ip: str) -> bool:
    """RFC 1918 space only (Python's ``is_private`` also counts documentation ranges)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return isinstance(addr, ipaddress.IPv4Address) and any(addr in net for net in _RFC1918)


def detect_upstream_nat(
    interfaces: InterfaceSummary,
    *,
    hops: Sequence[Hop] = (),
    gateway_external: str | None = None,
) -> UpstreamNat:
    """Whether a NAT beyond our router shows: a carrier NAT, a double NAT, or no sign of one.

    Rules, first match wins:

    1. **CARRIER**: the gateway's external address, or a hop before the first global one, is
       in 100.64.0.0/10. (A host whose own address is in 100.64/10 is behind a carrier NAT
       with no router of its own: :func:`~app.core.reach.reachability.detect_cgnat` sees it.)
    2. **DOUBLE**: the gateway's external address is private (RFC 1918), or a private hop
       follows our own (private) first hop before any global one.
    3. **UNKNOWN** otherwise.

    Args:
        interfaces: Our interface addresses (a host with a global IPv4 address has no NAT).
        hops: The routers that answered the hop probe, any order.
        gateway_external: The external IP our UPnP/NAT-PMP gateway reported, if any.

    Returns:
        What lies beyond our router.
    """
    if interfaces.global_ipv4:
        return UpstreamNat.UNKNOWN
    before_public: list[str] = []
    for hop in sorted(hops, key=lambda h: h.ttl):
        if is_global(hop.address):
            break
        before_public.append(hop.address)
    if (gateway_external is not None and is_cgnat(gateway_external)) or any(
        is_cgnat(ip) for ip in before_public
    ):
        return UpstreamNat.CARRIER
    if gateway_external is not None and _private_v4(gateway_external):
        return UpstreamNat.DOUBLE
    if len(before_public) >= 2 and all(_private_v4(ip) for ip in before_public[:2]):
        return UpstreamNat.DOUBLE
    return UpstreamNat.UNKNOWN
