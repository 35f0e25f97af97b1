"""Address and connection helpers that several workarounds share (no defect of their own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from libp2p.connection_types import ConnectionType
from libp2p.utils.address_validation import expand_wildcard_address
from multiaddr import Multiaddr


def is_unspecified(addr: Multiaddr) -> bool:
    """Whether ``addr`` starts with the wildcard 0.0.0.0 or :: (it names no host to dial)."""
    return str(addr).startswith(("/ip4/0.0.0.0/", "/ip6/::/"))


def expand_wildcards(addrs: Iterable[Multiaddr]) -> list[Multiaddr]:
    """Addresses with 0.0.0.0 and :: replaced by this machine's interface addresses."""
    result: list[Multiaddr] = []
    for addr in addrs:
        if is_unspecified(addr):
            result += expand_wildcard_address(addr)
        else:
            result.append(addr)
    return result


def is_relayed(conn: Any) -> bool:
    """Whether a swarm connection runs through a relay (its address has /p2p-circuit)."""
    try:
        return any("/p2p-circuit" in str(a) for a in conn.get_transport_addresses())
    except Exception:  # a closing connection may not answer
        return False


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a connection comes from.

    Attributes:
        ip: The remote IP address (for a relayed connection, the relay's); ``""`` if unknown.
        relayed: Whether it runs through a relay (a circuit), not directly between the peers.
    """

    ip: str
    relayed: bool


def origin_of(conn: Any) -> Origin:
    """The origin of a raw, secured or muxed connection (a swarm connection's ``muxed_conn``)."""
    raw = conn
    for attribute in ("secured_conn", "conn"):  # muxed → secured → raw
        inner = getattr(raw, attribute, None)
        if inner is not None:
            raw = inner
    get_type = getattr(raw, "get_connection_type", None)
    relayed = False
    try:
        relayed = callable(get_type) and get_type() == ConnectionType.RELAYED
        remote = conn.get_remote_address()
    except Exception:  # a transport may lack the method, a closing connection may not answer
        remote = None
    ip = str(remote[0]) if remote else ""
    return Origin(ip.split("%", 1)[0], relayed)
