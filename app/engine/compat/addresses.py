"""Address and connection helpers that several workarounds share (no defect of their own)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
