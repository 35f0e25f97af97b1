"""The Dialer: reaching a peer, and opening a stream to it.

It races the ways to a peer (pinned and remembered direct addresses, relay circuits, a DHT
lookup; see :class:`_DialRace`), opens streams with py-libp2p's untyped negotiation errors turned
into ours (``ServiceNotFoundError``, ``NotAuthorizedError``, ``PeerUnreachableError``) at this one
boundary, so feature code catches only our error types, and dials a peer's LAN addresses.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import multiaddr
import trio
from libp2p.abc import INetConn, INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo as Libp2pPeerInfo
from libp2p.peer.peerstore import PeerStoreError

from app.core.errors import (
    InvalidAddressError,
    NotAuthorizedError,
    NotFoundError,
    PeerUnreachableError,
    PeerupError,
    ServiceNotFoundError,
)
from app.core.ids.names import service_protocol_id, validate_service_name
from app.engine import compat
from app.engine.dht import PeerDHT
from app.engine.peerbook import PeerBook
from app.engine.relayclient import PeerNotAtRelayError, RelayClient, RelayUnreachableError
from app.engine.settings import SettingsStore
from app.engine.splice import (
    connection_broke,
    dial_failure_text,
    first_line,
    negotiation_failure_text,
    stream_ended,
)

__all__ = ["DIAL_TIMEOUT", "Dialer", "Route", "Target", "is_circuit", "is_closing"]

log = logging.getLogger("peerup.engine.dialer")

DIAL_TIMEOUT = 10.0
# A caller waiting for another's dial of the same peer: the dial ends within DIAL_TIMEOUT (its race
# is cancelled then); the rest is slack for a loaded machine.
SHARED_DIAL_WAIT = DIAL_TIMEOUT + 5.0
RELAY_HEAD_START = 0.25
# A relay that could not be reached (it is restarting) or could not reach the peer (the peer was
# just reserving again: its network changed, its daemon or the relay restarted) is asked again
# after these pauses, then every last one, while a direct dial or the lookup keeps the race open:
# the race ends on the relay's first good answer, not on a direct dial that never answers.
RELAY_RETRY_DELAYS = (0.25, 0.5, 1.0)
STREAM_OPEN_TIMEOUT = 15.0
DROP_CONNECTION_TIMEOUT = 2.0
# A peer on our subnet answers a TCP dial within milliseconds; a stale LAN address (the peer
# moved) must not keep the attempt alive for long.
LAN_DIAL_TIMEOUT = 3.0


Route = tuple[multiaddr.Multiaddr, ID]  # a relay's address and peer ID

# Relay failures worth asking again in a moment (see RELAY_RETRY_DELAYS).
_RELAY_TRANSIENT = (PeerNotAtRelayError, RelayUnreachableError)


@dataclass(frozen=True, slots=True)
class Target:
    """A peer to reach and the addresses known for it (pinned, remembered, given)."""

    peer_id: ID
    addresses: tuple[multiaddr.Multiaddr, ...]


def is_circuit(addr: multiaddr.Multiaddr) -> bool:
    """Whether ``addr`` goes through a relay."""
    return "/p2p-circuit" in str(addr)


class _TryOnceMore(Exception):
    """A stream open that failed in a way that cannot have reached a handler of the peer
    (internal to :meth:`Dialer.open_stream`), so trying once more is safe.

    Attributes:
        error: What to raise if the next try fails too.
        drop: Which connections to the peer to close first: ``"closing"`` (those on their way
            out), ``"all"`` (a write failed on one that still looks alive) or ``None``.
    """

    def __init__(
        self,
        error: PeerupError,
        *,
        drop: Literal["closing", "all"] | None,
        tried: Sequence[INetConn] = (),
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.drop = drop
        self.tried = tried  # the peer's connections when the failed open began


def is_closing(conn: INetConn) -> bool:
    """Whether a connection the swarm still lists is closed or on its way out."""
    muxed = getattr(conn, "muxed_conn", None)
    shutting_down = getattr(muxed, "event_shutting_down", None)
    return bool(
        getattr(conn, "is_closed", False)
        or getattr(muxed, "is_closed", False)
        or (shutting_down is not None and shutting_down.is_set())
    )


def _no_address_known(peer: ID) -> PeerUnreachableError:
    return PeerUnreachableError(
        f"no address known for peer {peer}",
        hint="add a relay (peerup relay add …) or the peer's address under peer_addresses:",
    )


class _DialRace:
    """Direct dials, relay circuits and a DHT lookup racing to connect to one peer.

    The first connection wins and cancels the rest, the lookup too. Relay attempts wait
    :data:`RELAY_HEAD_START` while a direct dial or the lookup may still win (a direct path is
    better, and on a LAN it wins anyway), and no longer: a dial to a private address behind
    someone's NAT only times out, and a DHT peer may answer late or never. They start at once
    when nothing is left that could win first (the direct dials failed, the lookup found no
    direct address). What the lookup finds joins the race when it arrives: direct addresses as a
    direct dial at once (with a head start of its own if the relay attempts have not started
    yet), circuits not tried yet as relay attempts.

    Args:
        peer: The peer to connect to.
        connect: Dials direct addresses (the host's ``connect``).
        relay_dial: Dials through a relay: ``relay_dial(relay_addr, relay_id, peer)``.
        relay_routes: The relay routes for a list of the peer's addresses (see
            :meth:`Dialer.relay_routes`); routes already tried are skipped.

    Attributes:
        won: A dial connected.
        dials: How many dials were started (0: no address was known, not even from the DHT).
        errors: Why each attempt that failed failed, and what the lookup did not find.
    """

    def __init__(
        self,
        peer: ID,
        *,
        connect: Callable[[Libp2pPeerInfo], Awaitable[None]],
        relay_dial: Callable[[multiaddr.Multiaddr, ID, ID], Awaitable[None]],
        relay_routes: Callable[[Sequence[multiaddr.Multiaddr]], list[Route]],
    ) -> None:
        self._peer = peer
        self._connect = connect
        self._relay_dial = relay_dial
        self._relay_routes = relay_routes
        self._relays_tried: list[Route] = []
        self._relays_from = 0.0
        self._relays_released = trio.Event()  # nothing else can win: relays need not wait
        self._direct_pending = 0
        self._lookup_pending = False
        self.won = False
        self.dials = 0
        self.errors: list[str] = []

    async def run(
        self,
        direct: Sequence[multiaddr.Multiaddr],
        relays: Sequence[Route],
        look_up: Callable[[], Awaitable[list[multiaddr.Multiaddr]]] | None,
    ) -> None:
        """Race until a dial connects, every contender is done, or :data:`DIAL_TIMEOUT` passes."""
        head_start = RELAY_HEAD_START if direct or look_up is not None else 0.0
        self._relays_from = trio.current_time() + head_start
        with trio.move_on_after(DIAL_TIMEOUT) as timeout:
            async with trio.open_nursery() as nursery:
                if direct:
                    self._start_direct(nursery, direct)
                for route in relays:
                    self._start_relay(nursery, route)
                if look_up is not None:
                    self._lookup_pending = True
                    nursery.start_soon(self._look_up, nursery, look_up)
        if timeout.cancelled_caught:
            self.errors.append(f"no path within {DIAL_TIMEOUT:.0f} s")

    def _start_direct(self, nursery: trio.Nursery, addrs: Sequence[multiaddr.Multiaddr]) -> None:
        dial = partial(self._connect, Libp2pPeerInfo(self._peer, list(addrs)))
        self.dials += 1
        self._direct_pending += 1
        nursery.start_soon(self._attempt, nursery, "direct", dial)

    def _start_relay(self, nursery: trio.Nursery, route: Route) -> None:
        relay_addr, relay_id = route
        self._relays_tried.append(route)
        dial = partial(self._relay_dial, relay_addr, relay_id, self._peer)
        self.dials += 1
        nursery.start_soon(partial(self._attempt, nursery, f"relay {relay_id}", dial, relayed=True))

    async def _attempt(
        self,
        nursery: trio.Nursery,
        kind: str,
        dial: Callable[[], Awaitable[None]],
        *,
        relayed: bool = False,
    ) -> None:
        # Not one sleep: the head start grows when the lookup finds a direct address in it.
        while relayed and trio.current_time() < self._relays_from:
            with trio.move_on_at(self._relays_from):
                await self._relays_released.wait()
            if self._relays_released.is_set():
                break
        retries = itertools.chain(RELAY_RETRY_DELAYS, itertools.repeat(RELAY_RETRY_DELAYS[-1]))
        while True:
            try:
                await dial()
            except Exception as exc:  # py-libp2p raises many unrelated types for a failed dial
                waiting = self._direct_pending or self._lookup_pending
                if relayed and isinstance(exc, _RELAY_TRANSIENT) and waiting:
                    # The race is waiting for a slow contender anyway: this costs no time.
                    log.debug("%s to %s failed (%s); asking again", kind, self._peer, exc)
                    await trio.sleep(next(retries))
                    continue
                # A relay dial's error already says why (RelayClient.dial); a direct one's is
                # py-libp2p's "no addresses established a successful connection" over its cause.
                text = first_line(exc) if relayed else dial_failure_text(exc)
                self.errors.append(f"{kind}: {text}")
                if not relayed:
                    self._direct_pending -= 1
                    self._release_relays_if_idle()
                return
            break
        self.won = True
        nursery.cancel_scope.cancel()

    def _release_relays_if_idle(self) -> None:
        if not self._direct_pending and not self._lookup_pending:
            self._relays_released.set()

    async def _look_up(
        self, nursery: trio.Nursery, look_up: Callable[[], Awaitable[list[multiaddr.Multiaddr]]]
    ) -> None:
        try:
            found = await look_up()
        except Exception as exc:  # a failed lookup is one contender out, not the race's end
            self.errors.append(f"DHT: {first_line(exc)}")
            found = None
        finally:
            self._lookup_pending = False
        if found is None:
            self._release_relays_if_idle()
            return
        direct = [a for a in found if not is_circuit(a)]
        routes = [r for r in self._relay_routes(found) if r not in self._relays_tried]
        if direct:
            now = trio.current_time()
            if now < self._relays_from:  # no relay attempt started: the head start is the dial's
                self._relays_from = now + RELAY_HEAD_START
            self._start_direct(nursery, direct)
        for route in routes:
            self._start_relay(nursery, route)
        if not direct:
            self._release_relays_if_idle()
            if not routes:
                self.errors.append("DHT: no new address found")


@dataclass(slots=True)
class _DialInFlight:
    """One peer's dial in progress: set ``done`` when it ends, with its error if it failed."""

    done: trio.Event = field(default_factory=trio.Event)
    error: PeerupError | None = None


class _DialsInFlight:
    """One dial per peer at a time; callers that come while it runs share its outcome.

    A caller that finds a dial of the peer in flight waits for it (at most
    :data:`SHARED_DIAL_WAIT`): connected, it returns; failed, it raises the same error (a copy)
    without dialling again: while a path is down, every forwarded connection arriving would
    otherwise start a dial of its own the moment the previous one failed. Only a dial that ended
    without an outcome (its caller was cancelled) lets a waiting caller dial in its place.
    """

    def __init__(self) -> None:
        self._in_flight: dict[ID, _DialInFlight] = {}

    async def run(
        self, peer: ID, *, connected: Callable[[], bool], dial: Callable[[], Awaitable[None]]
    ) -> None:
        """Return once ``peer`` is ``connected``: at once, after the dial in flight, or after
        ``dial`` (run here when no dial of ``peer`` is in flight).

        Raises:
            PeerupError: The dial (ours or the one in flight) failed.
            PeerUnreachableError: The dial in flight did not end within :data:`SHARED_DIAL_WAIT`.
        """
        while not connected():
            shared = self._in_flight.get(peer)
            if shared is None:
                break
            with trio.move_on_after(SHARED_DIAL_WAIT):
                await shared.done.wait()
            if shared.error is not None and not connected():
                raise copy.copy(shared.error)  # one object raised in many tasks: tracebacks pile up
            if not shared.done.is_set():
                raise PeerUnreachableError(f"could not reach {peer}: the dial in progress hangs")
        else:
            return  # connected (by now)
        mine = self._in_flight[peer] = _DialInFlight()
        try:
            await dial()
        except PeerupError as exc:
            mine.error = exc
            raise
        finally:
            mine.done.set()
            if self._in_flight.get(peer) is mine:
                del self._in_flight[peer]


class Dialer:
    """Connects to peers and opens streams to them.

    Args:
        settings: The settings store (``peer_addresses``, relays).
        peers: Names, and where peers were last reached.
    """

    def __init__(self, settings: SettingsStore, peers: PeerBook) -> None:
        self._settings = settings
        self._peers = peers
        self._host: object | None = None
        self._relay_client: RelayClient | None = None
        self._dht: PeerDHT | None = None
        self._dials = _DialsInFlight()

    def start(self, host: object, relay_client: RelayClient, dht: PeerDHT | None) -> None:
        """Dial with ``host`` from now on (the node calls this once its host exists)."""
        self._host, self._relay_client, self._dht = host, relay_client, dht

    def stop(self) -> None:
        """The host is gone: every dial fails with "the node is not running"."""
        self._host = None

    @property
    def dht(self) -> PeerDHT | None:
        """The DHT, None without one (or while the node is not running)."""
        return self._dht

    @property
    def host(self) -> object | None:
        """The running host, None while the node is not running."""
        return self._host

    def require_host(self) -> object:
        """The running host.

        Raises:
            PeerupError: The node is not running.
        """
        if self._host is None:
            raise PeerupError("the node is not running")
        return self._host

    def resolve_peer_id(self, peer: str) -> str:
        return self.resolve_target(peer).peer_id.to_base58()

    def resolve_target(self, peer: str, extra: Sequence[str] = ()) -> Target:
        peer = peer.strip()
        addresses: list[multiaddr.Multiaddr] = []
        if peer.startswith("/"):
            maddr = self.parse_multiaddr(peer, "peer")
            try:
                peer_text = maddr.value_for_protocol("p2p")
            except Exception:
                peer_text = None
            if not peer_text:
                raise InvalidAddressError(f"{peer} has no /p2p/<peer-id> part")
            addresses.append(maddr.decapsulate(multiaddr.Multiaddr(f"/p2p/{peer_text}")))
            resolved = self._peers.resolve(peer_text)
        else:
            resolved = self._peers.resolve(peer)
        keys = {resolved.name, resolved.peer_id, self._peers.name_for(resolved.peer_id)}
        for known_peer, addrs in self._settings.config.peer_addresses:
            if known_peer in keys:
                addresses.extend(self.parse_multiaddr(a, "peer_addresses") for a in addrs)
        # After the pinned ones: where the peer was last reached (checked when remembered).
        addresses.extend(
            multiaddr.Multiaddr(a) for a in self._peers.remembered.addresses(resolved.peer_id)
        )
        addresses.extend(self.parse_multiaddr(a, "addresses") for a in extra)
        return Target(ID.from_base58(resolved.peer_id), tuple(addresses))

    @staticmethod
    def parse_multiaddr(text: str, what: str) -> multiaddr.Multiaddr:
        try:
            return multiaddr.Multiaddr(text)
        except Exception as exc:
            raise InvalidAddressError(f"{what}: {text!r} is not a valid multiaddr ({exc})") from exc

    async def ensure_connected(self, target: Target) -> None:
        """Connect to a peer unless connected: direct dials, relay circuits and, when no direct
        address is known, a DHT lookup race; the first connection wins (see :class:`_DialRace`).

        One dial per peer at a time (see :class:`_DialsInFlight`): the forwarded connections of a
        client all finding the peer's connection gone (its relay restarted, its network changed)
        wait for the dial in flight and share its outcome, instead of each racing its own (a herd
        of SYNs to an address that never answers, circuits beyond the peer's per-peer limit).

        Raises:
            PeerUnreachableError: no address of the peer is known (given, learned, configured or
                found in the DHT), or every way to it failed.
        """
        host = self.require_host()
        network = host.get_network()  # type: ignore[attr-defined]
        await self._dials.run(
            target.peer_id,
            connected=lambda: bool(network.get_connections(target.peer_id)),
            dial=partial(self._dial, host, network, target),
        )

    async def _dial(self, host: Any, network: Any, target: Target) -> None:
        """One dial race to ``target`` (see :meth:`ensure_connected`)."""
        direct = [a for a in target.addresses if not is_circuit(a)]
        if direct:
            host.get_peerstore().add_addrs(target.peer_id, direct, 3600)
        try:
            peerstore = host.get_peerstore().addrs(target.peer_id)
            known = [a for a in peerstore if not is_circuit(a)]
        except PeerStoreError:
            known = []
        look_up = None
        if not known and self._dht is not None:
            # Addresses to try, nothing more: the dial authenticates the peer.
            look_up = partial(self._dht.find_addresses, target.peer_id)
        relays = self.relay_routes(target)
        if not known and not relays and look_up is None:
            raise _no_address_known(target.peer_id)
        # Every dial of ours is asked for by a user (or a client behind a forward), so py-libp2p's
        # 60 s negative cache of failed peers must not turn "authorize me, then retry" into a
        # minute of instant failures.
        network.unblock_peer(target.peer_id)
        race = _DialRace(
            target.peer_id,
            connect=partial(compat.connect_each, host),
            relay_dial=self.require_relay_client().dial,
            relay_routes=lambda found: self.relay_routes(Target(target.peer_id, tuple(found))),
        )
        await race.run(known, relays, look_up)
        if race.won or network.get_connections(target.peer_id):
            return
        if not race.dials:
            raise _no_address_known(target.peer_id)
        raise PeerUnreachableError(f"could not reach {target.peer_id}: " + "; ".join(race.errors))

    def relay_routes(self, target: Target) -> list[Route]:
        """Relays through which ``target`` may be reachable: its circuit addresses, then ours."""
        routes: list[Route] = []
        candidates = [str(a) for a in target.addresses if is_circuit(a)]
        with contextlib.suppress(PeerStoreError):  # circuits the peer advertised (identify, DHT)
            learned = self.require_host().get_peerstore().addrs(target.peer_id)  # type: ignore[attr-defined]
            candidates += [str(a) for a in learned if is_circuit(a)]
        candidates += [f"{a}/p2p-circuit" for a in self._settings.config.relay_addresses]
        # A relay node sees its own circuit addresses among a client's: never a route to dial.
        ours = self.require_host().get_id()  # type: ignore[attr-defined]
        for text in candidates:
            relay_part = text.split("/p2p-circuit")[0]
            if "/p2p/" not in relay_part:
                continue
            base, relay_text = relay_part.rsplit("/p2p/", 1)
            try:
                route = (multiaddr.Multiaddr(base), ID.from_base58(relay_text))
            except Exception:  # a malformed address from a peer or the config: skip it
                continue
            if route[1] not in (target.peer_id, ours) and route not in routes:
                routes.append(route)
        return routes

    def require_relay_client(self) -> RelayClient:
        if self._relay_client is None:
            raise PeerupError("the node is not running")
        return self._relay_client

    async def disconnect(self, peer: str) -> None:
        """Close every connection to a peer."""
        target = self.resolve_target(peer)
        network = self.require_host().get_network()  # type: ignore[attr-defined]
        if not network.get_connections(target.peer_id):
            raise NotFoundError(f"not connected to {peer}")
        await network.close_peer(target.peer_id)

    async def open_stream(self, target: Target, *protocols: str) -> INetStream:
        """A stream to ``target`` speaking the first of ``protocols`` it accepts (connects first).

        Tried once more, transparently, when the first try cannot have reached a handler of the
        peer: its connection turned out to be gone or broken (the swarm still listed it), or the
        peer broke the stream before it saw our proposal.

        Raises:
            ServiceNotFoundError: The peer answered that it does not speak any of ``protocols``
                (to us: it may offer some protocols to some peers only).
            NotAuthorizedError: The peer ended the stream once it saw which protocol we want (as
                a service refusing us by authorized_keys or allowed_peers does).
            PeerUnreachableError: No connection could be made, the connection broke again, or
                the negotiation broke or timed out on a live connection (the message says which).
        """
        try:
            return await self._open_stream_once(target, protocols)
        except _TryOnceMore as failure:
            log.info("%s; trying once more", failure.error.message)
            if failure.drop is not None:
                await self.drop_connections(
                    target.peer_id, only_closing=failure.drop != "all", among=failure.tried
                )
        try:
            return await self._open_stream_once(target, protocols)
        except _TryOnceMore as failure:
            raise failure.error from failure.__cause__

    async def _open_stream_once(self, target: Target, protocols: tuple[str, ...]) -> INetStream:
        await self.ensure_connected(target)
        host = self.require_host()
        peer, protocol = target.peer_id, protocols[0]
        # A connection made meanwhile (another forwarded connection's dial) is not ours to drop.
        tried = list(host.get_network().get_connections(peer))  # type: ignore[attr-defined]
        try:
            with trio.fail_after(STREAM_OPEN_TIMEOUT):
                return await host.new_stream(peer, [TProtocol(p) for p in protocols])  # type: ignore[attr-defined, no-any-return]
        except trio.TooSlowError:
            raise PeerUnreachableError(f"opening {protocol} to {peer} timed out") from None
        except Exception as exc:  # negotiation failures come as several unrelated exception types
            text = negotiation_failure_text(exc)
            network = host.get_network()  # type: ignore[attr-defined]
            live = [c for c in network.get_connections(peer) if not is_closing(c)]
            broke = connection_broke(exc)
            if not live or broke:
                # Whatever the peer did with the stream ended with its connection.
                lost = PeerUnreachableError(f"connection to {peer} lost: {text}")
                raise _TryOnceMore(lost, drop="all" if broke else "closing", tried=tried) from exc
            if compat.is_protocol_refusal(exc):
                raise ServiceNotFoundError(
                    f"peer {peer} does not offer {protocol} to us",
                    hint="check the service name, that it is exposed on the peer, and that the "
                    "peer authorized us (and lists us in allowed_peers if it uses that)",
                ) from exc
            if compat.is_negotiation_timeout(exc):
                raise PeerUnreachableError(f"opening {protocol} to {peer} timed out") from exc
            failed = PeerUnreachableError(
                f"opening {protocol} to {peer} failed: {text}",
                hint="try again; if it keeps failing, the peer's log says why",
            )
            if compat.is_handshake_failure(exc):
                raise _TryOnceMore(failed, drop=None) from exc
            if stream_ended(exc):
                # The peer saw the protocol we asked for, then ended the stream: a handler
                # refusing us resets the stream right after accepting it, and py-libp2p drops
                # the acceptance with the reset. Not tried again: it would run that handler twice.
                raise NotAuthorizedError(
                    f"peer {peer} ended the stream when asked for {protocol}",
                    hint="it may not let us use it: check that it authorized us (and lists us in "
                    "allowed_peers if it uses that); if it does, try again (its log says why)",
                ) from exc
            raise failed from exc

    async def drop_connections(
        self, peer: ID, *, only_closing: bool, among: Sequence[INetConn] = ()
    ) -> None:
        """Close ``peer``'s broken connections now and wait (briefly) until the swarm forgets them.

        Args:
            peer: The peer.
            only_closing: Only the connections already closing; otherwise all of them (a write
                failed on one that still looks alive, and the swarm tried each of them).
            among: Only these (the ones there when the failed open began); empty: any.
        """
        network = self.require_host().get_network()  # type: ignore[attr-defined]
        with trio.move_on_after(DROP_CONNECTION_TIMEOUT):
            doomed = [
                c
                for c in network.get_connections(peer)
                if (not only_closing or is_closing(c)) and (not among or c in among)
            ]
            for conn in doomed:
                compat.abort_transport(conn)  # a plain close can block (YAMUX-CLOSE-BLOCKS)
                with contextlib.suppress(Exception):  # it is broken: closing may fail too
                    await conn.close()
            while any(c in doomed for c in network.get_connections(peer)):  # noqa: ASYNC110
                await trio.sleep(0.01)  # the swarm has no per-connection "forgotten" event

    async def open_service_stream(self, peer_id: str, service: str) -> INetStream:
        validate_service_name(service)
        target = self.resolve_target(peer_id)
        return await self.open_stream(target, service_protocol_id(service))

    async def dial_first(self, peer: ID, candidates: list[str]) -> str | None:
        """Dial every candidate at once unless a direct connection exists; the first one wins.

        Returns:
            The address that connected, or None (the relayed connection stays).
        """
        network = self.require_host().get_network()  # type: ignore[attr-defined]
        if any(not compat.is_relayed(c) for c in network.get_connections(peer)):
            return None  # the other side's dial got through first
        peerstore = self.require_host().get_peerstore()  # type: ignore[attr-defined]
        try:
            known = list(peerstore.addrs(peer))
        except PeerStoreError:
            known = []
        won: list[str] = []

        async def attempt(address: str) -> None:
            try:
                await network.dial_addr(multiaddr.Multiaddr(address), peer)
            except Exception as exc:  # wrong host on a look-alike subnet, gone, firewalled
                log.debug("LAN dial of %s at %s failed: %s", peer, address, first_line(exc))
                return
            won.append(address)
            nursery.cancel_scope.cancel()

        with trio.move_on_after(LAN_DIAL_TIMEOUT):
            async with trio.open_nursery() as nursery:
                for address in candidates:
                    nursery.start_soon(attempt, address)
        if not won:
            if known:  # py-libp2p forgets every address of a peer after one dial reached another
                peerstore.add_addrs(peer, known, 3600)
            return None
        return won[0]
