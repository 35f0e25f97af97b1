"""SWARM-ONE-ADDR-PER-CLASS: a dial tries one TCP address of a peer.

Upstream (``libp2p.network.swarm.Swarm.dial_peer``, behind ``host.connect``): at most one address
per transport class is dialled, so of a peer's TCP addresses only the first is ever tried. An
invite code's or a DHT record's second address (the public one after a LAN one, IPv6 after IPv4)
and a relay's second configured address were never dialled.

Workaround (where the node dials): :func:`connect_each` dials every address, 0.25 s apart, the
first connection wins.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import trio
from libp2p.exceptions import MultiError
from libp2p.network.exceptions import SwarmDialAllFailedError, SwarmException
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import PeerStoreError
from multiaddr import Multiaddr

from app.engine.compat.addresses import is_unspecified

CONNECT_STAGGER = 0.25
"""Seconds between starting the dials of two addresses (py-libp2p's own Happy Eyeballs delay); a
dial that fails starts the next one at once."""


MAX_CONNECT_ADDRS = 16
"""At most this many addresses of one peer are dialled by one :func:`connect_each`."""


def dialable_addrs(addrs: Iterable[Multiaddr]) -> list[Multiaddr]:
    """The direct addresses worth a dial, in order, once each, at most :data:`MAX_CONNECT_ADDRS`.

    No relay circuits (the relay client dials those) and no wildcards (DCUTR-WILDCARD-DIAL: they
    reach ourselves, and py-libp2p then forgets every address of the peer, its answer to a peer ID
    mismatch). Loopback ones only when there is nothing else, as upstream: a peer that announces
    127.0.0.1 elsewhere would lead us to ourselves as well.
    """
    result = [
        a for a in dict.fromkeys(addrs) if "/p2p-circuit" not in str(a) and not is_unspecified(a)
    ]
    outside = [a for a in result if not str(a).startswith(("/ip4/127.", "/ip6/::1/"))]
    return (outside or result)[:MAX_CONNECT_ADDRS]


async def connect_each(host: Any, peer_info: PeerInfo) -> None:
    """``host.connect`` that dials every address of ``peer_info``, not one per transport class.

    Defect SWARM-ONE-ADDR-PER-CLASS: upstream picks one TCP address of the peer and gives up when
    it fails. Here the addresses are dialled in their order, each :data:`CONNECT_STAGGER` seconds
    after the previous one started (or as soon as it failed); the first connection wins, the
    other dials are cancelled (one that connects in the same moment is closed). As upstream, the
    addresses go into the peerstore first, and an existing connection is used as it is; without
    addresses, the peerstore's are dialled.

    Which addresses are dialled is :func:`dialable_addrs`.

    Raises:
        SwarmDialAllFailedError: No address connected; every dial's error is in its cause.
    """
    peer = peer_info.peer_id
    network = host.get_network()
    peerstore = host.get_peerstore()
    peerstore.add_addrs(peer, list(peer_info.addrs), 120)
    if network.get_connections(peer):
        await host.connect(peer_info)  # upstream's path: waits for the connection to be ready
        return
    known = peer_info.addrs
    if not known:  # as upstream: then the addresses the peerstore has
        with contextlib.suppress(PeerStoreError):
            known = peerstore.addrs(peer)
    addrs = dialable_addrs(known)
    if not addrs:
        raise SwarmException(f"no dialable address known for peer {peer}")
    errors: list[Exception] = []
    winner: list[Any] = []

    async def attempt(addr: Multiaddr, failed: trio.Event) -> None:
        try:
            conn = await network.dial_addr(addr, peer)
        except Exception as exc:  # py-libp2p raises many unrelated types for a failed dial
            errors.append(exc)
            failed.set()
            return
        if winner:  # another address connected in the same moment: one connection is enough
            with (
                trio.CancelScope(shield=True),
                trio.move_on_after(2),
                contextlib.suppress(Exception),
            ):
                await conn.close()
            return
        winner.append(conn)
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        for addr in addrs:
            failed = trio.Event()
            nursery.start_soon(attempt, addr, failed)
            with trio.move_on_after(CONNECT_STAGGER):
                await failed.wait()
    if not winner:
        raise SwarmDialAllFailedError(
            f"unable to connect to {peer}, no addresses established a successful connection",
            peer_id=peer,
            num_addrs_tried=len(errors),
        ) from MultiError(errors)
    started = getattr(winner[0], "event_started", None)
    if started is not None:  # as upstream: ready for streams when we return
        await started.wait()
