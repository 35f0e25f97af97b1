"""CIRCUIT-ADDRS-MANGLED: a host advertises its circuit addresses as the relay's address.

Upstream (``libp2p.host.basic_host.BasicHost.get_addrs``): every address is cut at its first
``/p2p/`` and given our ID, so a circuit address ``/ip4/R/tcp/P/p2p/RELAY/p2p-circuit`` from an
``addrs_factory`` becomes ``/ip4/R/tcp/P/p2p/US``: the relay's address claimed as ours.

Workaround (per host): :func:`advertise_addresses` replaces the host's ``get_addrs``, which
identify, identify-push and signed peer records use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from multiaddr import Multiaddr
from multiaddr.protocols import P_P2P as _P_P2P

from app.core.reach.interfaces import is_global
from app.engine.compat.addresses import expand_wildcards

CircuitAddresses = Callable[[], Iterable[str]]


def advertise_addresses(
    host: Any,
    circuit_addresses: CircuitAddresses,
    mapped_addresses: Callable[[], Iterable[str]] = tuple,
) -> None:
    """Make the host advertise its relay circuit, port-mapped and real interface addresses.

    Defect CIRCUIT-ADDRS-MANGLED: ``BasicHost.get_addrs`` strips every address at its first
    ``/p2p/`` and appends our ID, so a circuit address ``/ip4/R/tcp/P/p2p/RELAY/p2p-circuit``
    from an ``addrs_factory`` becomes ``/ip4/R/tcp/P/p2p/US``: the relay's address claimed as
    ours. Identify, identify-push and signed peer records (which the DHT hands out) all use
    ``get_addrs``, so it is replaced on this host: the upstream direct addresses, then the
    public interface addresses behind a 0.0.0.0 or :: among them (a wildcard is useless to a
    peer, see MDNS-WILDCARD), then ``<circuit>/p2p/US`` for each address ``circuit_addresses``
    returns. Private interface addresses are not added: a peer elsewhere cannot reach them, and
    DCUtR dials every address it knows of the peer (in the NAT lab, unreachable private ones
    delayed the hole punch from 1 s to 11 s); on one LAN, mDNS finds them. The public
    addresses our router forwards to us (UPnP/NAT-PMP, ``/ip4/<external>/tcp/<port>``) come
    after the interface addresses, global ones only, for the same reason.

    Args:
        host: The libp2p host; its ``get_addrs`` is replaced on the instance.
        circuit_addresses: Our circuit addresses, ``…/p2p/<relay>/p2p-circuit``, read on each call.
        mapped_addresses: Our port-mapped public addresses, read on each call.
    """
    original = host.get_addrs
    me = host.get_id()

    def get_addrs() -> list[Multiaddr]:
        suffix = Multiaddr(f"/p2p/{me}")
        upstream = [a for a in original() if "/p2p-circuit" not in str(a)]
        # The upstream list stays first, wildcards included: DCUtR binds its hole-punch dials to
        # the first address, and 0.0.0.0 routes from any interface (127.0.0.1 would not).
        result = list(upstream)
        seen = {str(a) for a in result}
        for addr in expand_wildcards(a.decapsulate_code(_P_P2P) for a in upstream):
            if not _is_global(addr):
                continue
            full = addr.encapsulate(suffix)
            if str(full) not in seen:
                seen.add(str(full))
                result.append(full)
        for text in mapped_addresses():
            with contextlib.suppress(Exception):  # a malformed entry must not break identify
                full = Multiaddr(text).encapsulate(suffix)
                if _is_global(full) and str(full) not in seen:
                    seen.add(str(full))
                    result.append(full)
        for text in circuit_addresses():
            with contextlib.suppress(Exception):  # a malformed entry must not break identify
                result.append(Multiaddr(text).encapsulate(suffix))
        return result

    host.get_addrs = get_addrs


def _is_global(addr: Multiaddr) -> bool:
    """Whether an /ip4 or /ip6 address is globally routable (see app.core.reach.reachability)."""
    for code in ("ip4", "ip6"):
        with contextlib.suppress(Exception):  # the address has no such component
            return is_global(str(addr.value_for_protocol(code)))
    return False
