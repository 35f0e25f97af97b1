"""Forwards stay off relayed connections whose limits would cut them.

A stock libp2p relay (go-libp2p, js-libp2p) grants each relayed connection 128 KiB and 2 min
(:mod:`app.core.circuitlimit`); a forward through it is reset midway, after ~100 KB of a download.
So before a forward's stream is opened, :class:`LimitGuard` looks at the connections to the peer:

* a direct one, or a relayed one without a tight limit: the forward goes ahead (the swarm picks
  a direct connection over a relayed one; when only relayed ones are usable, the tight ones are
  closed, so the forward cannot land on them);
* only relayed connections with tight limits: it tries harder for a better path, for at most
  :data:`ESCAPE_TIMEOUT`, all at once: a hole punch (DCUtR), a dial of every direct address known
  (given, pinned, remembered, learned by identify, found in the DHT), and a circuit through every
  other relay known for the peer (its advertised ones, then ours); it ends when every dial is
  done (a hole punch is given :data:`PUNCH_GRACE` more). If one connects without a tight limit,
  the forward uses it;
* otherwise the forward's connection fails at once, before any data is sent, with
  :class:`~app.core.errors.RelayLimitedError` naming the relay and its limit. For
  :data:`FAILED_FOR` after a failed try, further connections of the peer's forwards fail at once
  without trying again (a browser opens several connections at a time).

Only forwards (long transfers, long sessions) are guarded. Everything else stays on whatever
connection there is, a tight relay's included: pings, traceroute, verify, pairing, the service
list and the other control streams carry a few KiB and end within seconds (as the relays' limits
intend: they exist for hole-punch signalling).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import trio
from libp2p.abc import INetConn, INetStream
from libp2p.peer.id import ID
from libp2p.peer.peerstore import PeerStoreError

from app.core.circuitlimit import CircuitLimit
from app.core.errors import PeerupError, RelayLimitedError
from app.core.ids.names import service_protocol_id, validate_service_name
from app.engine import compat
from app.engine.dialer import Dialer, Route, Target, is_circuit, is_closing
from app.engine.splice import first_line

if TYPE_CHECKING:
    from app.engine.switches import HolePunching

__all__ = ["ESCAPE_TIMEOUT", "FAILED_FOR", "LimitGuard"]

log = logging.getLogger("peerup.engine.limits")

# The longest a forward's connection waits for a path without a tight limit: a dial to a
# firewalled address takes 3 s (LAN_DIAL_TIMEOUT), a DHT lookup or a circuit a few more.
ESCAPE_TIMEOUT = 8.0
# After a failed try, further forward connections to the peer fail at once for this long.
FAILED_FOR = 30.0
# How long a hole punch may take once the dials are done (DCUtR: a round trip, then the dials).
PUNCH_GRACE = 2.0
# How often the guard looks whether a better connection arrived (a hole punch adds it unasked).
POLL = 0.05


class LimitGuard:
    """Opens forward streams only over paths that will not be cut at a relay's limit.

    Args:
        dialer: Connects to peers and opens streams.
        hole_punching: The node's hole punching (None while it has none).
    """

    def __init__(self, dialer: Dialer, hole_punching: Callable[[], HolePunching | None]) -> None:
        self._dialer = dialer
        self._hole_punching = hole_punching
        self._locks: dict[ID, trio.Lock] = {}
        self._failed: dict[ID, tuple[float, RelayLimitedError]] = {}

    async def open_forward_stream(self, peer_id: str, service: str) -> INetStream:
        """A stream to ``service`` on ``peer_id`` for a forward's connection.

        Raises:
            RelayLimitedError: The only path is a relay whose limit would cut the forward.
            PeerupError: As :meth:`Dialer.open_stream`.
        """
        validate_service_name(service)
        target = self._dialer.resolve_target(peer_id)
        await self._dialer.ensure_connected(target)
        await self.ensure_unlimited(target)
        return await self._dialer.open_stream(target, service_protocol_id(service))

    async def ensure_unlimited(self, target: Target) -> None:
        """Make sure a connection to ``target`` without a tight limit exists (see the module).

        Raises:
            RelayLimitedError: None could be made.
        """
        peer = target.peer_id
        if self._tight_only(peer) is None:
            await self._close_tight(peer)
            return
        lock = self._locks.setdefault(peer, trio.Lock())
        try:
            async with lock:  # one try per peer; the connections waiting meanwhile share it
                failed = self._failed.get(peer)
                if failed is not None and trio.current_time() < failed[0]:
                    raise failed[1]
                limited = self._tight_only(peer)
                if limited is None:
                    await self._close_tight(peer)
                    return
                await self._escape(target, limited)
                limited = self._tight_only(peer)
                if limited is None:
                    self._failed.pop(peer, None)
                    await self._close_tight(peer)
                    return
                error = _limited_error(peer, limited)
                self._failed[peer] = (trio.current_time() + FAILED_FOR, error)
                log.warning("%s", error)
                raise error
        finally:
            if not lock.statistics().tasks_waiting and not lock.locked():
                self._locks.pop(peer, None)

    def _tight_only(self, peer: ID) -> list[tuple[ID, CircuitLimit]] | None:
        """The relays and limits of ``peer``'s connections when every one is tight, else None."""
        client = self._dialer.require_relay_client()
        conns = self._live(peer)
        limits = [client.limit_of(c) for c in conns]
        if not conns or any(got is None or not got[1].tight for got in limits):
            return None
        return [got for got in limits if got is not None]

    def _live(self, peer: ID) -> list[INetConn]:
        network = self._dialer.require_host().get_network()  # type: ignore[attr-defined]
        return [c for c in network.get_connections(peer) if not is_closing(c)]

    async def _close_tight(self, peer: ID) -> None:
        """Close ``peer``'s tight relayed connections when only relayed ones exist (the swarm
        would pick among relayed ones by their stream count, not by their limits)."""
        client = self._dialer.require_relay_client()
        conns = self._live(peer)
        if any(not compat.is_relayed(c) for c in conns):
            return  # the swarm prefers the direct one
        for conn in conns:
            got = client.limit_of(conn)
            if got is not None and got[1].tight:
                log.info("closing the connection to %s via %s (limited)", peer, got[0])
                with contextlib.suppress(Exception):  # closing already
                    await conn.close()

    async def _escape(self, target: Target, limited: list[tuple[ID, CircuitLimit]]) -> None:
        """Try for a path without a tight limit: hole punch, direct dials, other relays."""
        peer = target.peer_id
        tight_relays = {relay for relay, _ in limited}
        log.info(
            "the path to %s is limited (%s): looking for a direct path or another relay",
            peer,
            limited[0][1].describe(),
        )
        punching = self._hole_punching()
        punched = punching is not None and punching.enabled
        if punching is not None and punched:
            punching.allow_new_attempts(peer)
            punching.initiate_soon(peer)
        routes = [r for r in self._dialer.relay_routes(target) if r[1] not in tight_relays]
        with trio.move_on_after(ESCAPE_TIMEOUT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._until_better, peer, nursery.cancel_scope)
                async with trio.open_nursery() as attempts:
                    attempts.start_soon(self._dial_direct, target)
                    for route in routes:
                        attempts.start_soon(self._dial_relay, route, peer)
                if punched:  # the punch runs in the DCUtR service: no end to wait for
                    await trio.sleep(PUNCH_GRACE)
                nursery.cancel_scope.cancel()

    async def _until_better(self, peer: ID, scope: trio.CancelScope) -> None:
        """Cancel ``scope`` once a connection to ``peer`` without a tight limit exists."""
        while self._tight_only(peer) is not None:  # noqa: ASYNC110 - no event for "a better connection"
            await trio.sleep(POLL)
        scope.cancel()

    async def _dial_direct(self, target: Target) -> None:
        peer = target.peer_id
        addresses = [str(a) for a in target.addresses if not is_circuit(a)]
        with contextlib.suppress(PeerStoreError):
            learned = self._dialer.require_host().get_peerstore().addrs(peer)  # type: ignore[attr-defined]
            addresses += [str(a) for a in learned if not is_circuit(a)]
        if self._dialer.dht is not None:
            try:
                found = await self._dialer.dht.find_addresses(peer)
            except Exception as exc:  # a failed lookup leaves the other addresses
                log.debug("DHT lookup of %s: %s", peer, first_line(exc))
            else:
                addresses += [str(a) for a in found if not is_circuit(a)]
        addresses = list(dict.fromkeys(addresses))
        if addresses:
            won = await self._dialer.dial_first(peer, addresses)
            if won is not None:
                log.info("direct path to %s at %s (around a limited relay)", peer, won)

    async def _dial_relay(self, route: Route, peer: ID) -> None:
        relay_addr, relay_id = route
        try:
            await self._dialer.require_relay_client().dial(relay_addr, relay_id, peer)
        except PeerupError as exc:
            log.debug("circuit to %s via %s: %s", peer, relay_id, exc)


def _limited_error(peer: ID, limited: list[tuple[ID, CircuitLimit]]) -> RelayLimitedError:
    relay, limit = limited[0]
    return RelayLimitedError(
        f"the only path to {peer} is through relay {relay}, which allows {limit.describe()}: "
        "a forward would be cut there, so the connection was refused before sending anything",
        hint="run your own relay with `peerup relay serve` and add it on both peers "
        "(peerup relay add <its address>), or let the peers reach each other directly",
    )
