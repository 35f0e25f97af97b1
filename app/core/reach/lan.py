"""Direct paths on a shared LAN: which of our addresses to tell peers, which of theirs to dial.

Two devices behind the same home router usually cannot reach each other through its public
address (most routers do not hairpin), so hole punching fails and the pair would stay on the
relay while sitting on the same network. Each node therefore tells its authorized peers (in the
reachability message, never in identify or the DHT) its private LAN addresses; a peer that has
an interface on the same subnet dials them.

Only private addresses are told and dialled: IPv4 RFC 1918 and IPv6 unique local (fc00::/7).
Not loopback, link-local, CGNAT (100.64/10: a carrier's network, or an overlay such as
Tailscale) or global ones (those go through identify already).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from app.core.errors import RemoteProtocolError
from app.core.reach.interfaces import InterfaceSummary

MAX_LAN_ADDRESSES = 16

_PRIVATE_V4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_lan_ip(ip: IPAddress) -> bool:
    """True for an address that only makes sense on a private network (see the module doc)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return any(ip in net for net in _PRIVATE_V4)
    return ip in _UNIQUE_LOCAL


def lan_address(ip: str, port: int) -> str:
    """The multiaddr a peer dials to reach a TCP listener on ``ip``."""
    family = "ip6" if ":" in ip else "ip4"
    return f"/{family}/{ip}/tcp/{port}"


def parse_lan_address(text: str) -> tuple[IPAddress, int]:
    """Parse a peer's LAN address, ``/ip4/<private>/tcp/<port>`` or ``/ip6/<ula>/tcp/<port>``.

    Raises:
        RemoteProtocolError: Anything else (other protocols, public or special addresses).
    """
    parts = text.split("/")
    if len(parts) != 5 or parts[0] or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
        raise RemoteProtocolError(f"not a LAN address: {text[:80]!r}")
    try:
        ip = ipaddress.ip_address(parts[2])
    except ValueError:
        raise RemoteProtocolError(f"not a LAN address: {text[:80]!r}") from None
    if (parts[1] == "ip4") != isinstance(ip, ipaddress.IPv4Address) or not is_lan_ip(ip):
        raise RemoteProtocolError(f"not a private LAN address: {text[:80]!r}")
    port_text = parts[4]
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
        raise RemoteProtocolError(f"bad port in LAN address: {text[:80]!r}")
    port = int(port_text)
    if not 0 < port < 65536:
        raise RemoteProtocolError(f"bad port in LAN address: {text[:80]!r}")
    return ip, port


def lan_addresses(
    interfaces: InterfaceSummary, tcp_listeners: Iterable[tuple[str, int]]
) -> tuple[str, ...]:
    """Our LAN addresses: each TCP listener on each private interface address it covers.

    Args:
        interfaces: Our interface addresses.
        tcp_listeners: ``(bind address, port)`` of each TCP listener; ``0.0.0.0`` and ``::``
            cover every IPv4 / IPv6 address.

    Returns:
        Multiaddrs, at most :data:`MAX_LAN_ADDRESSES`, in interface order.
    """
    found: dict[str, None] = {}
    listeners = list(tcp_listeners)
    for iface in interfaces.usable:
        ip = ipaddress.ip_address(iface.ip)
        if not is_lan_ip(ip):
            continue
        wildcard = "::" if ip.version == 6 else "0.0.0.0"
        for bound, port in listeners:
            if bound in (iface.ip, wildcard) and 0 < port < 65536:
                found[lan_address(iface.ip, port)] = None
    return tuple(found)[:MAX_LAN_ADDRESSES]


def lan_dial_candidates(peer_addresses: Sequence[str], ours: InterfaceSummary) -> list[str]:
    """The peer's LAN addresses worth a dial: on a subnet one of our interfaces is on.

    Addresses that fail to parse, that are one of our own, or that lie on no subnet of ours are
    left out (a dial there would go to another network, or to ourselves).
    """
    networks = [
        ipaddress.ip_interface(f"{a.ip}/{a.prefix_len}").network
        for a in ours.usable
        if a.prefix_len is not None and is_lan_ip(ipaddress.ip_address(a.ip))
    ]
    own = ours.ips
    result: list[str] = []
    for text in peer_addresses[:MAX_LAN_ADDRESSES]:
        try:
            ip, _port = parse_lan_address(text)
        except RemoteProtocolError:
            continue
        if str(ip) in own or text in result:
            continue
        if any(ip.version == net.version and ip in net for net in networks):
            result.append(text)
    return result


def _parse_ip(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def announced_subnets(ips: Iterable[str], interfaces: InterfaceSummary) -> tuple[IPNetwork, ...]:
    """The subnets of our interfaces that hold ``ips`` (the LAN something was announced on).

    Loopback counts (tests, one machine). An address on no interface we know, or one whose
    prefix length is unknown, stands for itself alone (/32, /128).
    """
    found: dict[IPNetwork, None] = {}
    for text in ips:
        ip = _parse_ip(text)
        if ip is None:
            continue
        network: IPNetwork = ipaddress.ip_network(ip)
        for iface in interfaces.addresses:
            if _parse_ip(iface.ip) == ip and iface.prefix_len is not None:
                network = ipaddress.ip_interface(f"{ip}/{iface.prefix_len}").network
                break
        found[network] = None
    return tuple(found)


def on_subnets(ip: str | None, subnets: Sequence[IPNetwork]) -> bool:
    """Whether the address ``ip`` lies in one of ``subnets`` (None, or no address: False)."""
    parsed = _parse_ip(ip) if ip else None
    return parsed is not None and any(
        parsed.version == net.version and parsed in net for net in subnets
    )
