"""DCUTR-BOTH-DRIVE, DCUTR-SOURCE-FAMILY, DCUTR-UNILATERAL-WAIT, DCUTR-WILDCARD-DIAL: hole punching.

Upstream (``libp2p.relay.circuit_v2.dcutr.DCUtRProtocol``):

* DCUTR-BOTH-DRIVE: the auto-drive loop starts a hole punch on *every* relayed connection, so both
  peers start one at the same moment; the simultaneous-open TCP connection then gets two Noise
  initiators and the handshake fails ("failed to upgrade security", seen in the NAT lab).
* DCUTR-SOURCE-FAMILY: every hole-punch dial is bound to the host's *first* TCP listen address,
  whatever the family of the address it dials; a node listening on IPv4 and IPv6 sends one of the
  two families' dials nowhere ("Source/destination IP family mismatch"). Behind a symmetric IPv4
  NAT with global IPv6 behind a stateful firewall (common at home), IPv6 was the only path that
  could punch, and it was never tried (NAT lab, tests/lab/test_ipv6.py).
* DCUTR-UNILATERAL-WAIT: before hole punching, DCUtR dials the peer's advertised addresses
  directly (spec step 0) and waits up to its whole dial timeout, 10 s. A global address behind a
  stateful firewall (most home IPv6) drops the SYN, so every hole punch with such a peer started
  10 s late (NAT lab: DIRECT after 10.7 s instead of 0.9 s).
* DCUTR-WILDCARD-DIAL: every address the peerstore holds for the peer is dialled, and a peer
  listening on 0.0.0.0 or :: announces that wildcard in identify. Dialled, a wildcard reaches the
  dialler itself: one wasted connection per hole punch that fails its Noise handshake on the peer
  ID ("failed to upgrade security" in the log).

Workaround (per host): the node runs :class:`InboundDrivenDCUtR` instead of upstream's class. Only
the side that accepted the relayed connection starts the exchange (as the spec says), each dial
leaves from the listen address of its own family (:func:`hole_punch_source`), the direct dial gets
:data:`UNILATERAL_DIAL_TIMEOUT`, and unspecified targets are skipped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import trio
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.dcutr import MAX_HOLE_PUNCH_ATTEMPTS, DCUtRProtocol
from multiaddr import Multiaddr

from app.engine.compat.addresses import is_relayed, is_unspecified

log = logging.getLogger("peerup.engine.compat")


UNILATERAL_DIAL_TIMEOUT = 0.5
"""Seconds DCUtR's direct dial before the hole punch may take (DCUTR-UNILATERAL-WAIT).

Nothing is lost when a slow but reachable peer misses it: the hole punch that follows dials the
same addresses again (go-libp2p allows 5 s). NAT lab over IPv6: DIRECT after 2.6 s with 2 s here,
1.0 s with 0.5 s (tests/lab/test_ipv6.py, 3 runs each)."""


class InboundDrivenDCUtR(DCUtRProtocol):
    """DCUtR where only the side that *accepted* the relayed connection starts the exchange.

    Defect DCUTR-BOTH-DRIVE: py-libp2p's auto-drive loop starts a hole punch on *every* relayed
    connection, so both peers start one at the same moment; each then dials with the handshake role
    its own session assigns, the simultaneous-open TCP connection gets two Noise initiators and
    the handshake fails ("failed to upgrade security", seen in the NAT lab). The spec gives the
    exchange to the peer that received the relayed connection; this loop does exactly that.
    """

    async def _auto_drive_loop(self) -> None:
        while True:
            await trio.sleep(2.0)
            try:
                for peer_id, conns in list(self.host.get_network().get_connections_map().items()):
                    if peer_id in self._in_progress or peer_id in self._direct_connections:
                        continue
                    if self._hole_punch_attempts.get(peer_id, 0) >= MAX_HOLE_PUNCH_ATTEMPTS:
                        continue
                    if any(is_inbound_relayed(c) for c in conns) and not any(
                        not is_relayed(c) for c in conns
                    ):
                        await self.initiate_hole_punch(peer_id)
            except trio.Cancelled:
                raise
            except Exception as exc:  # one failed attempt must not stop the loop
                log.debug("hole-punch loop: %s", exc)

    async def _try_unilateral_upgrade(self, peer_id: ID) -> bool:
        """Upstream's direct dial before hole punching, bounded by UNILATERAL_DIAL_TIMEOUT.

        Defect DCUTR-UNILATERAL-WAIT: upstream gives it the whole dial timeout (10 s), and a
        firewall that drops the SYN (home IPv6) makes it last that long. Same logic otherwise:
        every advertised non-relay address at once, then whether a direct connection exists.
        """
        try:
            addrs = [
                a for a in self.host.get_peerstore().addrs(peer_id) if "/p2p-circuit" not in str(a)
            ]
        except Exception:  # a peer the peerstore does not know: nothing to dial
            return False
        if not addrs:
            return False
        with trio.move_on_after(UNILATERAL_DIAL_TIMEOUT):
            async with trio.open_nursery() as nursery:
                for addr in addrs:
                    nursery.start_soon(self._dial_peer, peer_id, addr)
        return bool(await self._verify_direct_connection(peer_id))

    async def _dial_peer(
        self,
        peer_id: ID,
        addr: Multiaddr,
        source: tuple[str, int] | None = None,
        as_responder: bool = False,
    ) -> None:
        """Upstream's hole-punch dial, from the listen address of ``addr``'s family.

        Defect DCUTR-SOURCE-FAMILY: upstream passes the first TCP listen address as ``source``
        for every address it dials. A dial with a source (a hole punch; the unilateral dial
        has none) gets the listen address of its own family instead, or an ephemeral port when
        we listen on no address of that family.
        """
        if is_unspecified(addr):  # DCUTR-WILDCARD-DIAL: it would reach ourselves
            log.debug("hole punch: not dialling %s's wildcard address %s", peer_id, addr)
            return
        if source is not None:
            source = hole_punch_source(self.host.get_transport_addrs(), addr)
        await super()._dial_peer(peer_id, addr, source, as_responder)

    def allow_new_attempts(self, peer_id: ID) -> None:
        """Give ``peer_id`` a fresh hole-punch budget.

        Upstream resets the budget (MAX_HOLE_PUNCH_ATTEMPTS) only when a connection to the peer
        closes; a pair that fell back to the relay after its direct path died keeps its relayed
        connection, so without this it would never try again once the path works.
        """
        self._hole_punch_attempts.pop(peer_id, None)

    def close_relayed_after_grace(self, peer_id: ID) -> None:
        """Close the relayed connections to ``peer_id`` after the spec's grace period.

        As after a hole punch, for a direct connection made another way (on the LAN).
        """
        self._schedule_relay_close(peer_id)


def hole_punch_source(
    listen_addrs: Iterable[Multiaddr], target: Multiaddr
) -> tuple[str, int] | None:
    """The ``(ip, port)`` a hole-punch dial to ``target`` must leave from (DCUTR-SOURCE-FAMILY).

    TCP simultaneous open works only if each side's SYN leaves from the port the other side
    dials (its listen port), so the source is our first TCP listen address of ``target``'s
    family (a wildcard stays a wildcard: the kernel then picks the interface address).

    Args:
        listen_addrs: Our TCP listen addresses, in order.
        target: The address being dialled.

    Returns:
        ``(ip, port)``, or None for an ephemeral source (no listen address of that family, or
        a target with no /ip4 or /ip6 part).
    """
    family = _ip_family(target)
    if family is None:
        return None
    for addr in listen_addrs:
        if _ip_family(addr) != family or "/p2p-circuit" in str(addr):
            continue
        with contextlib.suppress(Exception):  # no TCP part: not a TCP listen address
            return str(addr.value_for_protocol(family)), int(addr.value_for_protocol("tcp"))
    return None


def _ip_family(addr: Multiaddr) -> str | None:
    """``"ip4"`` or ``"ip6"``: the protocol of the first part of ``addr``, if it is one of them."""
    first = str(addr).split("/", 2)[1:2]
    return first[0] if first and first[0] in ("ip4", "ip6") else None


def is_inbound_relayed(conn: Any) -> bool:
    """Whether we *accepted* this relayed connection (the DCUtR initiator's side)."""
    secured = getattr(conn.muxed_conn, "secured_conn", None)
    return is_relayed(conn) and getattr(secured, "is_initiator", True) is False
