"""The private DHT: finding a peer's addresses by its peer ID.

Theory of operation
-------------------
Like Go peer-up, nodes run a Kademlia DHT in a private namespace: ``/peerup/kad/1.0.0``, or
``/peerup/<network>/kad/1.0.0`` with ``discovery.network`` set. The IPFS DHT is never used, and two
namespaces cannot talk to each other (their protocol IDs differ on the wire).

* A relay (``relay_service.enabled``) runs the DHT in server mode and is the bootstrap server.
* A daemon runs it in auto-server mode: a client (it asks but does not answer) until a relay has
  confirmed that it is publicly dialable, a server from then on.
* Bootstrap peers are ``discovery.bootstrap_peers``, or the relays when that list is empty. We
  connect to bootstrap peers (they are configured, not learned) and, on each new connection to
  one, look ourselves up so the bootstrap server knows us.
* :meth:`PeerDHT.find_addresses` asks the DHT for a peer's addresses. A server answering a lookup
  for a peer it is connected to includes that peer's addresses (its identify addresses and signed
  peer record, which carry our circuit addresses too, see compat CIRCUIT-ADDRS-MANGLED).

What the DHT returns is only "addresses to try": the dial that follows is authenticated by Noise
against the peer ID we asked for, and our gate still refuses inbound peers not in
authorized_keys. The DHT never dials: it only opens streams on connections we already have (compat
:class:`~app.engine.compat.DHTHostView`), so it talks to relays, bootstrap peers and the peers we
chose to connect to, never to peers it merely heard of. Everything it learns is bounded (addresses
per peer, address size, lookup time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import multiaddr
import trio
from libp2p.custom_types import TProtocol
from libp2p.identity.identify_push.identify_push import push_identify_to_peers
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import PeerStoreError
from libp2p.tools.anyio_service import background_trio_service
from multiaddr.protocols import P_P2P

from app.core.ids.names import validate_namespace
from app.engine import compat
from app.engine.splice import first_line

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.dht")

LOOKUP_TIMEOUT = 5.0
BOOTSTRAP_POLL_INTERVAL = 1.0
BOOTSTRAP_DIAL_TIMEOUT = 10.0
BOOTSTRAP_REDIAL_INTERVAL = 60.0
MODE_CHECK_INTERVAL = 30.0
PUSH_TIMEOUT = 10.0
MAX_FOUND_ADDRESSES = compat.MAX_DHT_ADDRS_PER_PEER


def protocol_prefix(network: str | None) -> str:
    """The DHT protocol prefix for a namespace: ``/peerup`` or ``/peerup/<network>``.

    Raises:
        InvalidNameError: ``network`` is not a valid namespace.
    """
    if not network:
        return "/peerup"
    return f"/peerup/{validate_namespace(network)}"


def protocol_id(network: str | None) -> TProtocol:
    """The DHT protocol ID on the wire (go-libp2p-kad-dht appends ``/kad/1.0.0`` to the prefix)."""
    return TProtocol(f"{protocol_prefix(network)}/kad/1.0.0")


class DHTRole(Enum):
    """How this node takes part in the DHT."""

    SERVER = "server"  # a relay: answers lookups from the start
    AUTO_SERVER = "auto-server"  # a daemon: answers once it is confirmed publicly dialable
    CLIENT = "client"  # only asks


class PeerDHT:
    """The node's DHT in its private namespace.

    Args:
        host: The libp2p host.
        network: ``discovery.network`` (None or empty for the global peer-up network).
        role: Server, auto-server or client.
        bootstrap: Full multiaddrs (``…/p2p/<id>``) of the bootstrap peers.
        is_public: For auto-server: whether this node is confirmed publicly dialable.
    """

    def __init__(
        self,
        host: Any,
        network: str | None,
        role: DHTRole,
        bootstrap: Sequence[str],
        *,
        is_public: Callable[[], bool] = lambda: False,
    ) -> None:
        self._host = host
        self.role = role
        self._is_public = is_public
        self._bootstrap: list[tuple[ID, multiaddr.Multiaddr]] = []
        self.bootstrap_ids: frozenset[str] = frozenset()  # their peer IDs (the gate's DHT role)
        self.set_bootstrap(bootstrap)
        self._announced: set[ID] = set()  # bootstrap peers that know us in this namespace
        self._restart = trio.Event()
        self.protocol_id, self._kad = self._new_kad(network, server=role is DHTRole.SERVER)

    def _new_kad(self, network: str | None, *, server: bool) -> tuple[TProtocol, KadDHT]:
        protocol = protocol_id(network)
        view: Any = compat.DHTHostView(self._host, protocol)  # KadDHT wants an IHost
        mode = DHTMode.SERVER if server else DHTMode.CLIENT
        return protocol, KadDHT(view, mode, protocol_prefix=protocol)

    def set_bootstrap(self, bootstrap: Sequence[str]) -> None:
        """Use these bootstrap peers from now on (full multiaddrs; the config changed)."""
        peers: list[tuple[ID, multiaddr.Multiaddr]] = []
        for text in bootstrap:
            try:
                addr = multiaddr.Multiaddr(text)
                peer = ID.from_base58(addr.value_for_protocol("p2p"))
            except Exception as exc:  # the config checks syntax only; skip what we cannot use
                log.warning("ignoring DHT bootstrap peer %s: %s", text, exc)
                continue
            peers.append((peer, addr.decapsulate_code(P_P2P)))
        self._bootstrap = peers
        self.bootstrap_ids = frozenset(peer.to_base58() for peer, _ in peers)

    def set_network(self, network: str | None) -> None:
        """Move to another namespace (``discovery.network`` changed), without a restart.

        A new Kademlia instance speaks the new protocol from now on (in the mode the old one
        had); the old one stops and, as a server, no longer answers. Its routing table is not
        carried over: peers of one namespace are not peers of the other. The bootstrap peers
        are told about us again, in the new namespace.

        Raises:
            InvalidNetworkError: ``network`` is not a valid namespace.
        """
        if protocol_id(network) == self.protocol_id:
            return
        old_protocol, old = self.protocol_id, self._kad
        self.protocol_id, self._kad = self._new_kad(network, server=old.mode is DHTMode.SERVER)
        if old.mode is DHTMode.SERVER:
            # KadDHT registers its handler as a server but never removes it when it stops.
            self._host.remove_stream_handler(old_protocol)
        self._announced.clear()
        self._restart.set()
        log.info("DHT moved from %s to %s", old_protocol, self.protocol_id)

    @property
    def server(self) -> bool:
        """Whether this node currently answers DHT lookups."""
        return self._kad.mode is DHTMode.SERVER

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the DHT until cancelled: its maintenance, bootstrap and mode switching."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._keep_bootstrapped)
            if self.role is DHTRole.AUTO_SERVER:
                nursery.start_soon(self._follow_reachability)
            while True:
                kad, self._restart = self._kad, trio.Event()
                async with background_trio_service(kad):
                    log.info("DHT %s in %s mode", self.protocol_id, self.role.value)
                    task_status.started()
                    task_status = trio.TASK_STATUS_IGNORED
                    await self._restart.wait()  # set_network: the next instance takes over

    async def _keep_bootstrapped(self) -> None:
        """Connect to bootstrap peers, and look ourselves up on each new connection to one."""
        network = self._host.get_network()
        last_dial: dict[ID, float] = {}
        while True:
            for peer, addr in self._bootstrap:
                if network.get_connections(peer):
                    if peer not in self._announced:
                        self._announced.add(peer)
                        await self._announce(peer)
                    continue
                self._announced.discard(peer)
                now = trio.current_time()
                last = last_dial.get(peer)
                if last is not None and now - last < BOOTSTRAP_REDIAL_INTERVAL:
                    continue
                last_dial[peer] = now
                with trio.move_on_after(BOOTSTRAP_DIAL_TIMEOUT):
                    try:
                        await compat.connect_each(self._host, PeerInfo(peer, [addr]))
                    except Exception as exc:  # an offline bootstrap peer is retried later
                        log.info("DHT bootstrap peer %s unreachable: %s", peer, first_line(exc))
            await trio.sleep(BOOTSTRAP_POLL_INTERVAL)

    async def _announce(self, peer: ID) -> None:
        """Add a bootstrap peer to the routing table and look ourselves up through it."""
        try:
            with trio.move_on_after(LOOKUP_TIMEOUT):
                await self._kad.add_peer(peer, skip_server_mode_check=True)
                me = self._host.get_id().to_bytes()
                await self._kad.peer_routing.find_closest_peers_network(me)
        except Exception as exc:  # a bootstrap peer without our namespace: nothing to announce to
            log.info("DHT bootstrap through %s failed: %s", peer, first_line(exc))

    async def _follow_reachability(self) -> None:
        while True:
            want = DHTMode.SERVER if self._is_public() else DHTMode.CLIENT
            if self._kad.mode is not want:
                await self._kad.switch_mode(want)
                log.info("DHT switched to %s mode", want.value.lower())
            await trio.sleep(MODE_CHECK_INTERVAL)

    async def find_addresses(self, peer: ID) -> list[multiaddr.Multiaddr]:
        """Ask the DHT for ``peer``'s addresses: direct ones and circuits, at most a few.

        Returns an empty list when nobody we are connected to knows the peer (or in time). The
        addresses carry no ``/p2p/<peer>`` suffix; circuit addresses end in ``/p2p-circuit``.
        """
        with trio.move_on_after(LOOKUP_TIMEOUT):
            try:
                # The network lookup itself, not KadDHT.find_peer, which answers from the
                # peerstore when it knows any address (a stale one, or only a circuit).
                await self._kad.peer_routing.find_closest_peers_network(peer.to_bytes())
            except Exception as exc:  # a lookup failure just means no addresses
                log.info("DHT lookup of %s failed: %s", peer, first_line(exc))
        try:
            known = self._host.get_peerstore().addrs(peer)
        except PeerStoreError:
            return []
        return usable_addresses(peer, known)


def usable_addresses(peer: ID, addrs: Sequence[multiaddr.Multiaddr]) -> list[multiaddr.Multiaddr]:
    """Addresses to try for ``peer``: no ``/p2p`` suffix, none of another peer's, no wildcards."""
    result: list[multiaddr.Multiaddr] = []
    for addr in compat.bounded_addrs(addrs):
        text = str(addr)
        if "/p2p-circuit" in text:
            head, _, tail = text.partition("/p2p-circuit")
            if tail not in ("", f"/p2p/{peer}") or "/p2p/" not in head:
                continue
            addr = multiaddr.Multiaddr(f"{head}/p2p-circuit")
        elif "/p2p/" in text:
            base, _, owner = text.rpartition("/p2p/")
            if owner != str(peer) or "/p2p/" in base:
                continue
            addr = multiaddr.Multiaddr(base)
        if addr not in result:
            result.append(addr)
        if len(result) >= MAX_FOUND_ADDRESSES:
            break
    return result


class AddressPusher:
    """Tells connected peers our new addresses (identify-push) when they change.

    py-libp2p pushes identify only when a listener starts; a reservation made or lost changes
    our circuit addresses too, and a peer that knows them can reach us through the relay; a
    port mapping made or lost (UPnP/NAT-PMP) changes our public address.
    """

    def __init__(self, host: Any) -> None:
        self._host = host
        self._changed = trio.Event()

    def changed(self) -> None:
        """Our addresses changed: push them soon (coalesced)."""
        self._changed.set()

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Push after each change until cancelled."""
        task_status.started()
        while True:
            await self._changed.wait()
            self._changed = trio.Event()
            with trio.move_on_after(PUSH_TIMEOUT):
                try:
                    await push_identify_to_peers(self._host)
                except Exception as exc:  # best effort: peers also learn on their next identify
                    log.info("identify-push failed: %s", first_line(exc))
